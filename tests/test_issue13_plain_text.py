"""Issue 13, item 21: no control characters in names and other one-line fields.

Every form of the project is found by walking the apps' modules (plus allauth's sign-up
form, which carries our name field), built with the arguments its ``__init__`` asks for,
and every text field is sent control characters: a one-line field refuses CR, LF, CRLF,
NUL, tab and the other controls with a message; a textarea refuses the controls other
than line breaks and tabs. A new form is covered without editing this file; a form whose
constructor needs an argument this file cannot make fails until one is added to
``_constructor_arguments``.
"""

import csv
import importlib
import inspect
import io
import pkgutil
from datetime import timedelta

import pytest
from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from agreements.models import Agreement, AgreementStatus
from circles.models import Circle
from mentorship.models import User
from programs import roster
from programs.models import Application, Membership, Profile, Program, ProgramModel, Role
from relationships.models import Mentorship
from surveys.models import Question, Survey
from tests.factories import (
    AffinityGroupFactory,
    HubFactory,
    MembershipFactory,
    OrganizationFactory,
    ProgramFactory,
    UserFactory,
)
from tests.project import PROJECT_APPS

pytestmark = pytest.mark.django_db

SINGLE_LINE_REFUSED = {
    "CR": "Dana\rWhitfield",
    "LF": "Dana\nWhitfield",
    "CRLF": "Dana\r\nWhitfield",
    "NUL": "Dana\x00Whitfield",
    "tab": "Dana\tWhitfield",
    "escape": "Dana\x1b[2JWhitfield",
    "NEL": "Dana\x85Whitfield",
    "line separator": "Dana\u2028Whitfield",
}
MULTI_LINE_REFUSED = {"NUL": "Goals\x00here", "escape": "Goals\x1b[2J", "backspace": "Goals\x08", "NEL": "a\x85b"}
MULTI_LINE_ACCEPTED = "First line\r\nSecond line\n\tindented"
MESSAGE_START = ("Use a single line of plain text", "Use plain text")


def _project_form_classes() -> list[type]:
    found = {}
    for app in PROJECT_APPS:
        package = importlib.import_module(app)
        for info in pkgutil.walk_packages(package.__path__, f"{app}."):
            if ".migrations" in info.name or info.name.endswith((".wsgi", ".asgi", ".celery")):
                continue
            module = importlib.import_module(info.name)
            for obj in vars(module).values():
                if (
                    inspect.isclass(obj)
                    and issubclass(obj, forms.BaseForm)
                    and obj.__module__ == module.__name__
                    and (obj.base_fields or "__init__" in vars(obj))
                ):
                    found[f"{obj.__module__}.{obj.__qualname__}"] = obj
    from allauth.account.forms import SignupForm  # built on ACCOUNT_SIGNUP_FORM_CLASS

    found["allauth.account.forms.SignupForm"] = SignupForm
    return [found[name] for name in sorted(found)]


FORM_CLASSES = _project_form_classes()


@pytest.fixture
def world():
    """What the forms' constructors ask for: one organization with a program of each
    model, a pairing, an agreement draft, a survey with a free-text question."""
    with scopes_disabled():
        org = OrganizationFactory()
        society = ProgramFactory(organization=org)
        hubs_program = ProgramFactory(organization=org, model=ProgramModel.HUBS)
        hub = HubFactory(affinity_group=AffinityGroupFactory(organization=org, program=hubs_program))
        mentor, mentee = MembershipFactory(organization=org), MembershipFactory(organization=org)
        mentorship = Mentorship.objects.create(
            organization=org,
            program=society,
            mentor=mentor,
            mentee=mentee,
            origin="proposal",
            started_on=timezone.localdate() - timedelta(days=30),
            planned_end_on=timezone.localdate() + timedelta(days=300),
        )
        agreement = Agreement.objects.create(
            organization=org,
            mentorship=mentorship,
            version=1,
            status=AgreementStatus.DRAFT,
            title="Agreement",
            sections=[{"key": "goals", "heading": "Goals", "editable": True, "guidance": ""}],
            content={"goals": ""},
            revision=1,
        )
        application = Application.objects.create(
            organization=org, program=hubs_program, membership=mentee, role=Role.MENTEE
        )
        survey = Survey.objects.create(organization=org, program=society, title="Survey")
        questions = [
            Question.objects.create(organization=org, survey=survey, position=1, kind="text", text="Comments?")
        ]
        programs = Program.objects.filter(organization=org)
    return {
        "organization": org,
        "program": society,
        "programs": programs,
        "hubs": [hub],
        "application": application,
        "mentorship": mentorship,
        "agreement": agreement,
        "questions": questions,
        "party": "mentee",
        "quarters": [(2026, 1), (2026, 2)],
        "initial_weights": {},
        "mentors": [],
        "mentees": [],
        "waves": [],
        "specialties": ["Surgery"],
        # Issue 19: the circles to rank, the people to add to a circle or an event.
        "circles": Circle.objects.none(),
        "people": Membership.objects.none(),
    }


def _build(form_class, world, data=None):
    arguments = {}
    for name, parameter in inspect.signature(form_class.__init__).parameters.items():
        if parameter.kind is not inspect.Parameter.KEYWORD_ONLY:
            continue
        if name in world:
            arguments[name] = world[name]
        elif parameter.default is inspect.Parameter.empty:
            pytest.fail(f"{form_class.__qualname__} needs {name}=...: add it to this test's world fixture")
    with scope(organization=world["organization"]):
        return form_class(data, **arguments) if data is not None else form_class(**arguments)


def _text_fields(form) -> dict[str, bool]:
    """Each text field of a built form -> is it multi-line (a textarea)."""
    return {
        name: isinstance(field.widget, forms.Textarea)
        for name, field in form.fields.items()
        if isinstance(field, forms.CharField) and not isinstance(field.widget, forms.PasswordInput)
    }


def _control_errors(form_class, world, name, value) -> list[str]:
    """Our control-character messages on ``name`` when the form is sent ``value`` there."""
    form = _build(form_class, world, data={name: value})
    with scope(organization=world["organization"]):
        form.is_valid()
    return [message for message in form.errors.get(name, []) if message.startswith(MESSAGE_START)]


def test_the_discovery_finds_the_forms_with_names_in_them():
    names = {f"{cls.__module__}.{cls.__name__}" for cls in FORM_CLASSES}
    for expected in (
        "mentorship.forms.ProfileForm",
        "mentorship.forms.SignupExtraForm",
        "programs.forms.organizations.OrganizationCreateForm",
        "programs.forms.hubs.HubForm",
        "programs.forms.programs.ProgramForm",
        "agreements.forms.agreement.SignForm",
        "allauth.account.forms.SignupForm",
    ):
        assert expected in names
    assert len(FORM_CLASSES) >= 45


@pytest.mark.parametrize("form_class", FORM_CLASSES, ids=lambda cls: f"{cls.__module__}.{cls.__name__}")
def test_every_text_field_of_every_form_refuses_control_characters(form_class, world):
    fields = _text_fields(_build(form_class, world))
    failures = []
    for name, multi_line in fields.items():
        refused = MULTI_LINE_REFUSED if multi_line else SINGLE_LINE_REFUSED
        for label, value in refused.items():
            if not _control_errors(form_class, world, name, value):
                failures.append(f"{name} accepts {label} without a message")
        plain = MULTI_LINE_ACCEPTED if multi_line else "Zoë O'Brien-Núñez (MD)"
        if _control_errors(form_class, world, name, plain):
            failures.append(f"{name} refuses plain text {plain!r}")
    assert failures == []


def test_the_profile_page_refuses_a_carriage_return_in_the_name(client):
    user = UserFactory(full_name="Dana Whitfield")
    client.force_login(user)
    response = client.post("/accounts/profile/", {"full_name": "Chief\rJustice", "time_zone": "UTC"})
    assert response.status_code == 200
    assert "Use a single line of plain text: remove the line break." in response.content.decode()
    user.refresh_from_db()
    assert user.full_name == "Dana Whitfield"


def test_sign_up_refuses_a_line_break_in_the_name(client):
    response = client.post(
        "/accounts/signup/",
        {
            "full_name": "Dana\nWhitfield",
            "email": "dana@example.org",
            "password1": "a-long-enough-passphrase-42",
            "password2": "a-long-enough-passphrase-42",
        },
    )
    assert response.status_code == 200
    assert "Use a single line of plain text: remove the line break." in response.content.decode()
    assert not User.objects.filter(email="dana@example.org").exists()


def test_a_program_name_with_a_line_break_is_refused_with_a_message(client):
    coordinator = MembershipFactory(is_coordinator=True)
    client.force_login(coordinator.user)
    org = coordinator.organization
    response = client.post(f"/o/{org.slug}/settings/", {"name": "Western\r\nSurgical", "contact_email": ""})
    assert response.status_code == 200
    assert "Use a single line of plain text: remove the line break." in response.content.decode()
    org.refresh_from_db()
    assert "\r" not in org.name and "\n" not in org.name


@pytest.mark.parametrize("value", ["Dana\rWhitfield", "Mayo\nClinic", "Dana\x07Whitfield", "Dana\tWhitfield"])
def test_a_roster_row_with_a_control_character_is_an_error_on_that_row(value):
    coordinator = MembershipFactory(is_coordinator=True)
    out = io.StringIO()
    csv.writer(out).writerows(  # quoted cells keep line breaks and other controls inside a cell
        [
            ["email", "full_name", "institution"],
            ["ok@example.org", "Plain Name", "Plain"],
            ["bad@example.org", value, value],
        ]
    )
    upload = SimpleUploadedFile("roster.csv", out.getvalue().encode())
    with scope(organization=coordinator.organization):
        imported = roster.roster_import_create(actor=coordinator, uploaded_file=upload)
    by_email = {row["email"]: row for row in imported.rows}
    assert by_email["ok@example.org"]["action"] == roster.ACTION_INVITE
    bad = by_email["bad@example.org"]
    assert bad["action"] == roster.ACTION_ERROR
    assert any("single line of plain text" in error for error in bad["errors"]), bad["errors"]
    with scopes_disabled():
        assert not Membership.objects.filter(user__email="bad@example.org").exists()
        assert not Profile.objects.filter(institution=value).exists()
