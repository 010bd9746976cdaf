import pytest

from tests.api.world import build_org


@pytest.fixture
def api_world(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return build_org("alpha", ""), build_org("bravo", "ORGB-")
