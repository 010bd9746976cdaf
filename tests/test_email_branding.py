"""Emails greet their reader by name and carry the organization's name and colour: a band
in the brand colour with white or black text (whichever contrasts more) in the HTML part,
and the organization named in the text part."""

import pytest
from django.core import mail
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from mentorship.mail import contrast_ratio, render_email, text_colour_on
from programs.models import ApplicationStatus, Organization, Role
from programs.services import applications as application_services
from relationships.services.pairs import notify
from tests.factories import ApplicationFactory, MembershipFactory, ProgramFactory

pytestmark = pytest.mark.django_db


def _html(message) -> str:
    return next(content for content, mimetype in message.alternatives if mimetype == "text/html")


def test_a_decision_greets_the_applicant_and_carries_the_organizations_name_and_colour(
    org_a, coordinator_a, django_capture_on_commit_callbacks
):
    with scopes_disabled():
        Organization.objects.filter(pk=org_a.pk).update(brand_colour="#7a1f5c")
    org_a.refresh_from_db()
    program = ProgramFactory(organization=org_a)
    application = ApplicationFactory(
        program=program, role=Role.MENTEE, status=ApplicationStatus.ELIGIBLE, membership__user__full_name="Ana Lopez"
    )
    with django_capture_on_commit_callbacks(execute=True), scope(organization=org_a):
        application_services.application_decide(
            actor=coordinator_a, application=application, decision=ApplicationStatus.ACCEPTED, message=""
        )
    [message] = mail.outbox
    assert message.body.startswith("Hello Ana Lopez,")
    assert "Alpha Surgical Society" in message.body  # the text part names the organization
    html = _html(message)
    assert "Hello Ana Lopez," in html
    assert "background:#7a1f5c;color:#ffffff" in html  # the band, white on a dark colour
    assert ">Alpha Surgical Society</div>" in html


def test_the_band_text_is_black_on_a_light_colour_and_white_on_a_dark_one():
    assert text_colour_on("#ffd60a") == "#000000"
    assert text_colour_on("#0a58ca") == "#ffffff"
    assert text_colour_on("#000000") == "#ffffff"
    assert text_colour_on("#ffffff") == "#000000"
    assert text_colour_on("not a colour") == "#ffffff"  # the default primary
    for colour in ("#ffd60a", "#0a58ca", "#777777", "#00ff00", "#ff0000"):
        chosen = text_colour_on(colour)
        other = "#000000" if chosen == "#ffffff" else "#ffffff"
        assert contrast_ratio(colour, chosen) >= contrast_ratio(colour, other)


def test_a_light_brand_colour_gets_black_text(org_a):
    org_a.brand_colour = "#ffd60a"
    rendered = render_email("email/feedback_received", {"organization": org_a, "url": "x"}, to=["a@example.org"])
    assert "background:#ffd60a;color:#000000" in rendered.html


def test_a_message_to_a_pair_greets_both_by_name(org_a, django_capture_on_commit_callbacks):
    first = MembershipFactory(organization=org_a, user__full_name="Ana Lopez")
    second = MembershipFactory(organization=org_a, user__full_name="Ben Ode")
    program = ProgramFactory(organization=org_a)
    with django_capture_on_commit_callbacks(execute=True):
        notify(
            "email/round_for_review",
            {"program": program, "count": 2, "url": "http://testserver/x"},
            [second.user.email.upper(), first.user.email],
            org_a.contact_email,
        )
    [message] = mail.outbox
    assert message.body.splitlines()[0] == "Hello Ben Ode and Ana Lopez,"
    assert "Alpha Surgical Society" in _html(message)


def test_feedback_to_the_coordinators_greets_them_by_name(org_a, django_capture_on_commit_callbacks):
    from surveys.services import feedback as feedback_services

    MembershipFactory(organization=org_a, is_coordinator=True, user__full_name="Carla Diaz")
    member = MembershipFactory(organization=org_a)
    with django_capture_on_commit_callbacks(execute=True), scope(organization=org_a):
        feedback_services.feedback_send(actor=member, text="Thanks!")
    [message] = mail.outbox
    assert message.body.startswith("Hello Carla Diaz,")


def test_a_stranger_is_greeted_without_a_name(org_a):
    rendered = render_email("email/feedback_received", {"organization": org_a, "url": "x"}, to=["who@example.org"])
    assert rendered.body.startswith("Hello,")


def test_coordinators_set_the_brand_colour_in_settings(client, org_a, coordinator_a):
    client.force_login(coordinator_a.user)
    url = reverse("organization_settings", kwargs={"org_slug": org_a.slug})
    data = {"name": org_a.name, "contact_email": org_a.contact_email, "description": "", "brand_colour": "#1B5E20"}
    assert client.post(url, data).status_code == 302
    org_a.refresh_from_db()
    assert org_a.brand_colour == "#1b5e20"
    response = client.post(url, {**data, "brand_colour": "green"})
    assert response.status_code == 200
    assert "six hexadecimal digits" in response.content.decode()
    org_a.refresh_from_db()
    assert org_a.brand_colour == "#1b5e20"


@pytest.mark.django_db
def test_the_colour_picker_is_valid_html_even_after_a_bad_value(client, coordinator_a):
    """HTML allows no maxlength on a colour input, and its value must be a colour: a refused
    value is not echoed back into it (the Nu checker's two findings)."""
    import re

    url = f"/o/{coordinator_a.organization.slug}/settings/"
    client.force_login(coordinator_a.user)
    tag = re.search(r'<input type="color"[^>]*>', client.get(url).content.decode()).group()
    assert "maxlength" not in tag and 'value="#' in tag
    org = coordinator_a.organization
    response = client.post(
        url, {"name": org.name, "contact_email": org.contact_email, "description": "", "brand_colour": "Жxxx"}
    )
    assert response.status_code == 200
    tag = re.search(r'<input type="color"[^>]*>', response.content.decode()).group()
    assert "Жxxx" not in tag and "maxlength" not in tag
