"""Form errors are shown all at once: a service that checks several things reports every
problem in one round, and the form shows each on its field (not one error per submit)."""

import pytest
from django import forms

from mentorship.exceptions import ServiceError, raise_if_errors
from mentorship.forms import form_error
from programs.models import Role
from tests.factories import EligibilityRuleFactory, GoalAreaFactory, ProgramFactory


@pytest.fixture
def society(org_a):
    program = ProgramFactory(organization=org_a, name="Mentorship Program", slug="mentorship")
    EligibilityRuleFactory(program=program, role=Role.MENTOR, allowed_statuses=["member", "candidate"])
    EligibilityRuleFactory(program=program, role=Role.MENTEE, allowed_statuses=["member", "candidate"])
    GoalAreaFactory(program=program, name="Leadership")
    return program


class _TwoFields(forms.Form):
    a = forms.CharField(required=False)
    b = forms.CharField(required=False)


def test_a_service_error_carries_every_problem_and_the_form_shows_them_all():
    form = _TwoFields({"a": "x", "b": "y"})
    assert form.is_valid()
    with pytest.raises(ServiceError) as caught:
        raise_if_errors({"a": "A is wrong.", "b": ["B is wrong.", "B is also too long."], "__all__": "Both clash."})
    error = caught.value
    assert error.message == "A is wrong." and error.field == "a"
    form_error(form, error)
    assert form.errors["a"] == ["A is wrong."]
    assert form.errors["b"] == ["B is wrong.", "B is also too long."]
    assert form.non_field_errors() == ["Both clash."]


def test_an_error_naming_a_field_the_form_lacks_goes_to_the_whole_form():
    form = _TwoFields({})
    form.is_valid()
    form_error(form, ServiceError("Something else.", field="nope"))
    assert form.non_field_errors() == ["Something else."]


def test_no_errors_raises_nothing():
    raise_if_errors({})


@pytest.mark.django_db
@pytest.mark.clock("2026-11-20 09:00")
def test_the_program_form_reports_all_its_rule_breaks_in_one_submit(client, society, coordinator_a):
    client.force_login(coordinator_a.user)
    form = client.get("/o/alpha/programs/mentorship/edit/").context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None and k in form.fields}
    data.update(
        {
            "mentor_statuses": ["member", "candidate"],
            "mentee_statuses": ["member", "candidate"],
            "goal_areas": form.fields["goal_areas"].initial,
            "applications_open": "2027-03-01",
            "applications_close": "2027-02-01",
            "default_mentees_per_mentor": 5,
            "max_mentees_per_mentor": 2,
        }
    )
    for flag in ("six_month_assessment", "yearly_review", "is_published"):
        if data.get(flag) is False:
            data.pop(flag)
    response = client.post("/o/alpha/programs/mentorship/edit/", data)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "applications_close" in errors, errors
    assert "default_mentees_per_mentor" in errors, errors
    body = response.content.decode()
    assert "Applications must close after they open." in body
    assert "cannot exceed the maximum" in body


@pytest.mark.django_db
def test_the_profile_service_reports_every_bad_field_together(coordinator_a):
    from django_scopes import scope

    from programs.services.profiles import profile_save

    with scope(organization=coordinator_a.organization), pytest.raises(ServiceError) as caught:
        profile_save(actor=coordinator_a, practice_setting="moon base", time_zone="Mars/Olympus_Mons")
    assert set(caught.value.errors) == {"practice_setting", "time_zone"}


def test_a_web_address_field_never_says_slug():
    from mentorship.forms import Form

    class Address(Form):
        address = forms.SlugField()

    form = Address({"address": "not an address!"})
    assert not form.is_valid()
    assert "slug" not in " ".join(form.errors["address"]).lower()
    assert "lowercase letters" in form.errors["address"][0]
