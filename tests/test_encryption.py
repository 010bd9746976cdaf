"""Text encrypted at rest, and key rotation."""

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection
from django_scopes import scopes_disabled

from mentorship.fields import decrypt, encrypt

pytestmark = pytest.mark.clock("2026-11-20 09:00")


def test_round_trip_and_ciphertext_differs_each_time(settings):
    first, second = encrypt("Résumé gaps — confidential"), encrypt("Résumé gaps — confidential")
    assert first != second and first.startswith("enc1:") and "confidential" not in first
    assert decrypt(first) == "Résumé gaps — confidential"


def test_an_unknown_key_is_a_clear_error(settings):
    value = encrypt("secret")
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(ImproperlyConfigured):
        decrypt(value)


@pytest.mark.django_db
def test_rotation_re_encrypts_every_row_with_the_new_key(settings, org_a):
    from relationships.models import Goal, Mentorship
    from tests.factories import MembershipFactory, ProgramFactory

    with scopes_disabled():
        mentorship = Mentorship.objects.create(
            organization=org_a,
            program=ProgramFactory(organization=org_a),
            mentor=MembershipFactory(organization=org_a),
            mentee=MembershipFactory(organization=org_a),
            origin="proposal",
            planned_end_on="2027-12-01",
        )
        goal = Goal.objects.create(organization=org_a, mentorship=mentorship, title="Pass the boards")
    old_key = settings.FIELD_ENCRYPTION_KEYS[0]
    new_key = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [new_key, old_key]
    call_command("rotate_field_keys")
    settings.FIELD_ENCRYPTION_KEYS = [new_key]  # the old key is gone
    with scopes_disabled():
        assert Goal.objects.get(pk=goal.pk).title == "Pass the boards"
    with connection.cursor() as cursor:
        cursor.execute("SELECT title FROM relationships_goal WHERE id = %s", [goal.pk])
        raw = cursor.fetchone()[0]
    assert raw.startswith("enc1:") and "boards" not in raw
