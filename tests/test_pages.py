"""Cross-cutting page behaviour: security headers, health check, favicon, error pages."""

import re

import pytest
from django.test import override_settings

from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def test_pages_carry_a_content_security_policy_without_inline_scripts(client):
    response = client.get("/accounts/login/")
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    # django-csp adds a nonce only to responses that use one; none needs it yet.
    assert "script-src 'self'" in policy
    assert "'unsafe-inline'" not in policy
    assert "frame-ancestors 'none'" in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    # No inline scripts: every <script> tag loads a file.
    tags = re.findall(rb"<script\b[^>]*>", response.content)
    assert tags and all(b" src=" in tag for tag in tags), tags


@override_settings(SECURE_SSL_REDIRECT=True, ALLOWED_HOSTS=["mentorship.example.org"])
def test_the_health_check_answers_plain_http_on_any_host(client):
    response = client.get("/healthz", HTTP_HOST="127.0.0.1:8000")
    assert response.status_code == 200
    assert response.content == b"ok"
    # Everything else is still redirected to HTTPS and host-checked.
    assert client.get("/", HTTP_HOST="mentorship.example.org").status_code == 301
    assert client.get("/", HTTP_HOST="127.0.0.1:8000").status_code == 400


def test_favicon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith("favicon.svg")


def test_a_403_page_explains_itself(client):
    member = MembershipFactory(organization__slug="alpha")
    client.force_login(member.user)
    response = client.get("/o/alpha/settings/")
    assert response.status_code == 403
    assert b"Your role in this organization does not include this page" in response.content


def test_the_navigation_shows_only_what_the_role_allows(client):
    member = MembershipFactory(organization__slug="alpha")
    coordinator = MembershipFactory(organization=member.organization, is_coordinator=True)
    client.force_login(member.user)
    page = client.get("/o/alpha/").content
    assert b"/o/alpha/invitations/" not in page and b"/o/alpha/members/" not in page
    client.force_login(coordinator.user)
    page = client.get("/o/alpha/").content
    assert b"/o/alpha/invitations/" in page and b"/o/alpha/members/" in page and b"/o/alpha/settings/" in page


@override_settings(MAX_REQUEST_BODY_BYTES=1024)
def test_an_oversized_upload_is_refused_before_it_is_read(client):
    member = MembershipFactory(organization__slug="alpha")
    client.force_login(member.user)
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post("/o/alpha/profile/cv/", {"cv": SimpleUploadedFile("cv.pdf", b"%PDF-" + b"x" * 4096)})
    assert response.status_code == 413
    assert b"That upload is too large" in response.content
