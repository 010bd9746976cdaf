"""Coordinators reword their organization's emails: a list of every kind with its variables,
an editor with a server-rendered preview on sample data, a sandbox (only the listed
variables, escaped in HTML, no tags that read files), errors on the form, reset, and the
wording used when the email is sent. Tenant-scoped, coordinators only, audited."""

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from mentorship.exceptions import ServiceError
from programs import emails
from programs.models import ApplicationStatus, AuditEvent, EmailTemplateOverride, Role
from programs.services import applications as application_services
from programs.services import messaging
from tests.factories import ApplicationFactory, ProgramFactory

pytestmark = pytest.mark.django_db

KEY = "application_decision"


def _edit_url(org, key=KEY):
    return reverse("email_template_edit", kwargs={"org_slug": org.slug, "kind": key})


def _html(message) -> str:
    return next(content for content, mimetype in message.alternatives if mimetype == "text/html")


def _decide(org, coordinator, *, name="Ana Lopez", program_name="Surgical Mentoring"):
    program = ProgramFactory(organization=org, name=program_name)
    application = ApplicationFactory(
        program=program, role=Role.MENTEE, status=ApplicationStatus.ELIGIBLE, membership__user__full_name=name
    )
    with scope(organization=org):
        application_services.application_decide(
            actor=coordinator, application=application, decision=ApplicationStatus.ACCEPTED, message=""
        )


def test_the_list_names_every_kind_with_its_variables(client, org_a, coordinator_a):
    client.force_login(coordinator_a.user)
    page = client.get(reverse("email_template_list", kwargs={"org_slug": org_a.slug})).content.decode()
    for kind in emails.KINDS:
        assert kind.name in page
    assert "Application decision" in page and "Meeting invitation" in page
    assert (
        '<code class="text-body">program_name</code>' in page
        and '<code class="text-body">recipient_name</code>' in page
    )


def test_preview_shows_the_wording_filled_in_with_sample_data(client, org_a, coordinator_a):
    client.force_login(coordinator_a.user)
    response = client.post(
        _edit_url(org_a),
        {
            "subject": "News about {{ program_name }}",
            "body": "Dear {{ recipient_name }}: {{ decision }}!",
            "action": "preview",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "News about Surgical Mentoring 2026" in page
    assert "Dear Ana Lopez: accepted!" in page
    frame_url = reverse("email_template_preview", kwargs={"org_slug": org_a.slug, "kind": KEY})
    assert f'sandbox="" src="{frame_url}"' in page
    frame = client.get(frame_url)
    assert "Dear Ana Lopez: accepted!" in frame.content.decode()
    assert "Alpha Surgical Society" in frame.content.decode()  # the layout's band
    assert "default-src 'none'" in frame["Content-Security-Policy"]
    assert frame["X-Frame-Options"] == "SAMEORIGIN"
    with scopes_disabled():
        assert not EmailTemplateOverride.objects.exists()  # a preview saves nothing


def test_a_saved_wording_is_used_when_the_email_is_sent(
    client, org_a, coordinator_a, django_capture_on_commit_callbacks
):
    client.force_login(coordinator_a.user)
    response = client.post(
        _edit_url(org_a),
        {
            "subject": "{{ program_name }}: you are in",
            "body": "{{ greeting }}\n\nWelcome to {{ program_name }}, {{ recipient_name }}."
            "{% if decision == 'accepted' %} Yes!{% endif %}",
            "action": "save",
        },
    )
    assert response.status_code == 302
    with scopes_disabled():
        override = EmailTemplateOverride.objects.get(organization=org_a, key=KEY)
        assert override.updated_by == coordinator_a.user
        assert AuditEvent.objects.filter(organization=org_a, action="email_template.saved").exists()
    with django_capture_on_commit_callbacks(execute=True):
        _decide(org_a, coordinator_a)
    [message] = mail.outbox
    assert message.subject == "Surgical Mentoring: you are in"
    assert message.body.startswith("Hello Ana Lopez,\n\nWelcome to Surgical Mentoring, Ana Lopez. Yes!")
    assert "Welcome to Surgical Mentoring, Ana Lopez." in _html(message)


def test_a_variable_holding_a_script_is_escaped_in_the_html(org_a, coordinator_a, django_capture_on_commit_callbacks):
    with scope(organization=org_a):
        messaging.override_save(
            actor=coordinator_a, key=KEY, subject="{{ program_name }}", body="About {{ program_name }} <b>now</b>"
        )
        with django_capture_on_commit_callbacks(execute=True):
            _decide(org_a, coordinator_a, program_name="<script>alert(1)</script>")
    html = _html(mail.outbox[0])
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;b&gt;now&lt;/b&gt;" in html  # the wording's own HTML is text too


def test_the_preview_escapes_a_script_too(org_a):
    with scope(organization=org_a):
        preview = messaging.preview(organization=org_a, key=KEY, subject="Hi", body="<script>alert(1)</script>")
    assert "<script>" not in preview["html"]
    assert "&lt;script&gt;" in preview["html"]


@pytest.mark.parametrize(
    "body, message",
    [
        ("{% load static %}Hi", "{% load %} is not allowed"),
        ('{% include "email/base.html" %}', "{% include %} is not allowed"),
        ('{% extends "email/base.html" %}', "{% extends %} is not allowed"),
        ("{% debug %}", "{% debug %} is not allowed"),
        ("{{ program_name|safe }}", "|safe is not allowed"),
        ("{% cycle 'a' 'b' %}", "{% cycle %} is not available"),
    ],
)
def test_tags_that_read_files_are_refused_with_a_clear_error(client, org_a, coordinator_a, body, message):
    client.force_login(coordinator_a.user)
    for action in ("preview", "save"):
        response = client.post(_edit_url(org_a), {"subject": "Hi", "body": body, "action": action})
        assert response.status_code == 200
        assert message in response.content.decode().replace("&#x27;", "'")
    with scopes_disabled():
        assert not EmailTemplateOverride.objects.exists()


def test_a_syntax_error_is_shown_on_the_form_never_a_500(client, org_a, coordinator_a):
    client.force_login(coordinator_a.user)
    for body in ("{% if %}x{% endif %}", "{% for x in %}", "{{ program_name|nosuchfilter }}", "{{ }}"):
        response = client.post(_edit_url(org_a), {"subject": "Hi", "body": body, "action": "save"})
        assert response.status_code == 200
        assert "Message: " in response.content.decode()
    response = client.post(_edit_url(org_a), {"subject": "{% if %}", "body": "ok", "action": "preview"})
    assert "Subject: The wording has a template error" in response.content.decode()


def test_only_the_listed_variables_exist(org_a):
    with scope(organization=org_a):
        preview = messaging.preview(
            organization=org_a, key=KEY, subject="x", body="[{{ settings.SECRET_KEY }}][{{ application.membership }}]"
        )
    assert "[][]" in preview["text"]


def test_reset_goes_back_to_the_default(client, org_a, coordinator_a, django_capture_on_commit_callbacks):
    with scope(organization=org_a):
        messaging.override_save(actor=coordinator_a, key=KEY, subject="Custom", body="Custom body")
    client.force_login(coordinator_a.user)
    response = client.post(reverse("email_template_reset", kwargs={"org_slug": org_a.slug, "kind": KEY}))
    assert response.status_code == 302
    with scopes_disabled():
        assert not EmailTemplateOverride.objects.exists()
        assert AuditEvent.objects.filter(organization=org_a, action="email_template.reset").exists()
    with django_capture_on_commit_callbacks(execute=True):
        _decide(org_a, coordinator_a)
    assert mail.outbox[0].subject != "Custom"


def test_another_organization_neither_sees_nor_uses_the_wording(
    client, org_a, org_b, coordinator_a, coordinator_b, django_capture_on_commit_callbacks
):
    with scope(organization=org_a):
        messaging.override_save(actor=coordinator_a, key=KEY, subject="Alpha only", body="Alpha's own words")
    client.force_login(coordinator_b.user)
    page = client.get(_edit_url(org_b)).content.decode()
    assert "Alpha&#x27;s own words" not in page and "Alpha's own words" not in page
    assert client.get(_edit_url(org_a)).status_code in (403, 404)
    assert client.post(_edit_url(org_a), {"subject": "x", "body": "y", "action": "save"}).status_code in (403, 404)
    with django_capture_on_commit_callbacks(execute=True):
        _decide(org_b, coordinator_b)
    assert mail.outbox[0].subject != "Alpha only"
    with scopes_disabled():
        assert EmailTemplateOverride.objects.get().subject == "Alpha only"


def test_a_member_who_is_not_a_coordinator_gets_403(client, org_a, member_a):
    client.force_login(member_a.user)
    assert client.get(reverse("email_template_list", kwargs={"org_slug": org_a.slug})).status_code == 403
    assert client.get(_edit_url(org_a)).status_code == 403
    assert client.post(_edit_url(org_a), {"subject": "x", "body": "y", "action": "save"}).status_code == 403
    with scope(organization=org_a), pytest.raises(PermissionDenied):
        messaging.override_save(actor=member_a, key=KEY, subject="x", body="y")


def test_an_unknown_kind_is_404_and_refused_by_the_service(client, org_a, coordinator_a):
    client.force_login(coordinator_a.user)
    assert client.get(_edit_url(org_a, "no_such_email")).status_code == 404
    with scope(organization=org_a), pytest.raises(ServiceError):
        messaging.override_save(actor=coordinator_a, key="no_such_email", subject="x", body="y")


def test_every_kind_has_a_template_and_its_default_wording_fills_in():
    from django.template.loader import get_template

    from programs import sandbox

    for kind in emails.KINDS:
        get_template(f"email/{kind.key}_subject.txt")
        subject, body = emails.default_wording(kind)
        assert sandbox.render(subject, emails.sample_context(kind)).strip()
        assert sandbox.render(body, emails.sample_context(kind)).strip()
