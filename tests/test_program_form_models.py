"""The program form marks the settings that only one matching model uses, for
static/js/program_form.js to show only those of the chosen model; without JavaScript
every field is on the page (progressive enhancement) and a hidden one keeps its value."""

import re

import pytest

from programs.forms.programs import MODEL_ONLY_FIELDS, ProgramForm
from tests.factories import ProgramFactory

pytestmark = pytest.mark.django_db


def test_the_form_marks_the_model_only_fields():
    form = ProgramForm()
    # Peer pairs and circle formation rounds go to the committee too (issue 19).
    assert form.fields["committee_rule"].widget.attrs["data-program-models"] == "committee peer circles"
    # Speed-mentoring events and mentees per mentor: the dyad models only.
    for name in ("speed_events", "default_mentees_per_mentor", "max_mentees_per_mentor"):
        assert form.fields[name].widget.attrs["data-program-models"] == "committee hubs self_select"
    assert form.fields["max_open_requests"].widget.attrs["data-program-models"] == "self_select"
    assert form.fields["request_response_days"].widget.attrs["data-program-models"] == "self_select"
    assert "data-program-model-choice" in form.fields["model"].widget.attrs
    for name in ("name", "meeting_cadence", "principles"):
        assert "data-program-models" not in form.fields[name].widget.attrs
    assert set(MODEL_ONLY_FIELDS) <= set(form.fields)


@pytest.mark.parametrize("path", ["/o/alpha/programs/new/", "/o/alpha/programs/sms/edit/"])
def test_every_field_is_on_the_page_and_the_script_is_a_file(client, coordinator_a, path):
    ProgramFactory(organization=coordinator_a.organization, slug="sms", model="committee", max_open_requests=5)
    client.force_login(coordinator_a.user)
    html = client.get(path).content.decode()
    for name in MODEL_ONLY_FIELDS:
        assert f'id="div_id_{name}"' in html
        assert re.search(
            rf'<[^>]*name="{name}"[^>]*data-program-models=|<[^>]*data-program-models=[^>]*name="{name}"', html
        )
    assert re.search(r'<script src="/static/js/program_form\.js[^"]*" defer></script>', html)
    assert " hidden" not in html.split('id="div_id_max_open_requests"')[1][:200].split(">")[0]
