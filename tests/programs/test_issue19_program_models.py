"""Issue 19: the pairing models of seed 004 a coordinator chooses for a program (dyads, peer,
group circles) and a dyad program's speed-mentoring events are settings, not code."""

import pytest
from django.urls import reverse
from django_scopes import scope

from programs.models import DYAD_MODELS, Program, ProgramModel
from programs.services.programs import program_create


def _create(actor, slug, model, **values):
    with scope(organization=actor.organization):
        return program_create(actor=actor, values={"name": slug.title(), "slug": slug, "model": model, **values})


@pytest.mark.django_db
def test_every_model_of_seed_004_that_the_product_runs_is_a_choice():
    assert set(ProgramModel.values) == {"committee", "hubs", "self_select", "peer", "circles"}
    assert set(DYAD_MODELS) == {"committee", "hubs", "self_select"}


@pytest.mark.django_db
@pytest.mark.parametrize("model", ["peer", "circles"])
def test_speed_events_are_turned_off_for_a_program_without_mentors_and_mentees(coordinator_a, model):
    program = _create(coordinator_a, f"{model}-program", model, speed_events=True)
    with scope(organization=coordinator_a.organization):
        assert Program.objects.get(pk=program.pk).speed_events is False


@pytest.mark.django_db
def test_a_dyad_program_keeps_its_speed_events(coordinator_a):
    program = _create(coordinator_a, "society", "committee", speed_events=True)
    with scope(organization=coordinator_a.organization):
        assert Program.objects.get(pk=program.pk).speed_events is True


@pytest.mark.django_db
def test_the_program_form_offers_the_models_in_the_seeds_words(client, coordinator_a):
    client.force_login(coordinator_a.user)
    response = client.get(reverse("program_create", kwargs={"org_slug": coordinator_a.organization.slug}))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Peer mentoring: people at the same level are paired with each other" in html
    assert "Group circles: one or two facilitators with 3 to 12 members around a theme" in html
    assert "Speed mentoring: at a dated event, mentors sit at tables and mentees rotate" in html
    # The speed-events box shows only while a dyad model is chosen (static/js/program_form.js).
    assert 'data-program-models="committee hubs self_select"' in html
