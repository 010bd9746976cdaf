"""My profile (biosketch) and the private CV: editing, validation, upload, sharing, download."""

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import PermissionDenied
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.loader import render_to_string
from django_scopes import scope, scopes_disabled

from mentorship.exceptions import ServiceError
from programs.models import AuditEvent, Membership, Profile
from programs.selectors import profiles as profile_selectors
from programs.services import profiles as profile_services
from tests.factories import MembershipFactory, ProfileFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.clock("2026-11-20 09:00")]

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
THIS_YEAR = 2026  # the year of the frozen clock
# The storage instance the CV field was given when the models were loaded.
IMPORT_TIME_CV_STORAGE = Profile._meta.get_field("cv").storage


@pytest.fixture(autouse=True)
def private_storage(settings, tmp_path, monkeypatch):
    """Uploaded files go under pytest's tmp_path.

    The CV field's storage is built once, at import, by a callable reading
    settings.MEDIA_ROOT, so overriding MEDIA_ROOT alone does not reach it (checked in
    test_overriding_media_root_does_not_reach_the_cv_storage): point the field at a
    storage under tmp_path as well.
    """
    settings.MEDIA_ROOT = tmp_path / "media"
    storage = FileSystemStorage(location=tmp_path / "media" / "private", base_url=None)
    monkeypatch.setattr(Profile._meta.get_field("cv"), "storage", storage)
    return storage


def _pdf(name="cv.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def _profile(membership) -> Profile | None:
    with scopes_disabled():
        return Profile.objects.filter(membership=membership).first()


def _audit_actions(org) -> list[str]:
    with scopes_disabled():
        return list(AuditEvent.objects.filter(organization=org).values_list("action", flat=True))


def _with_cv(membership, client=None) -> Profile:
    with scope(organization=membership.organization):
        profile_services.profile_cv_upload(actor=membership, upload=_pdf())
    return _profile(membership)


def _share(owner, recipient):
    with scope(organization=owner.organization):
        profile_services.profile_cv_share(actor=owner, email=recipient.user.email)


VALID = {
    "specialty": "Radiation oncology",
    "practice_setting": "academic",
    "institution": "Princess Margaret Cancer Centre",
    "graduation_year": "2005",
    "year_started_practice": "2011",
    "city": "Toronto",
    "region": "Ontario",
    "country": "Canada",
    "time_zone": "America/Toronto",
    "languages": "English, French,  english",
    "clinical_interests": "Head and neck cancers",
    "research_interests": "Adaptive radiotherapy",
    "bio": "Alumna, 2011.",
}


# --- Profile ----------------------------------------------------------------------


def test_my_profile_page_explains_who_can_see_it(client, member_a):
    member_a.user.time_zone = "Europe/Paris"
    member_a.user.save()
    client.force_login(member_a.user)
    response = client.get("/o/alpha/profile/")
    assert response.status_code == 200
    text = response.content.decode()
    assert "Who can see this" in text and "coordinators" in text and "mentees" in text
    # First visit: the time zone is suggested from the account.
    assert response.context["profile_form"]["time_zone"].value() == "Europe/Paris"
    assert 'style="' not in text and "<script>" not in text
    assert _profile(member_a) is None


def test_a_member_creates_and_edits_their_own_profile(client, member_a):
    client.force_login(member_a.user)
    response = client.post("/o/alpha/profile/", VALID)
    assert response.status_code == 302
    profile = _profile(member_a)
    assert profile.organization_id == member_a.organization_id
    assert profile.specialty == "Radiation oncology"
    assert profile.graduation_year == 2005 and profile.year_started_practice == 2011
    assert profile.languages == "English, French"
    assert profile.time_zone == "America/Toronto"
    assert profile.years_in_practice == THIS_YEAR - 2011

    page = client.get("/o/alpha/profile/").content.decode()
    assert f"{THIS_YEAR - 2011} years in practice" in page

    client.post("/o/alpha/profile/", {**VALID, "specialty": "Medical physics", "bio": ""})
    profile.refresh_from_db()
    assert profile.specialty == "Medical physics" and profile.bio == ""
    assert _audit_actions(member_a.organization).count("profile.updated") == 1
    assert "profile.created" in _audit_actions(member_a.organization)
    with scopes_disabled():
        assert Profile.objects.filter(membership=member_a).count() == 1


def test_the_time_zone_defaults_to_the_account_time_zone(member_a):
    member_a.user.time_zone = "Asia/Tokyo"
    member_a.user.save()
    with scope(organization=member_a.organization):
        profile = profile_services.profile_save(actor=member_a, specialty="Surgery")
    assert profile.time_zone == "Asia/Tokyo"


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"graduation_year": "1939"}, "graduation_year", "between 1940 and"),
        ({"graduation_year": str(THIS_YEAR + 1)}, "graduation_year", f"between 1940 and {THIS_YEAR}"),
        ({"year_started_practice": str(THIS_YEAR + 3)}, "year_started_practice", "between 1940 and"),
        ({"year_started_practice": "1200"}, "year_started_practice", "between 1940 and"),
        ({"graduation_year": "2010", "year_started_practice": "2004"}, "year_started_practice", "before you graduated"),
        ({"graduation_year": "twenty"}, "graduation_year", "whole number"),
        ({"time_zone": "Mars/Olympus"}, "time_zone", "valid choice"),
    ],
)
def test_bad_years_are_refused_with_a_message_and_nothing_is_saved(client, member_a, changes, field, message):
    client.force_login(member_a.user)
    response = client.post("/o/alpha/profile/", {**VALID, **changes})
    assert response.status_code == 200
    errors = response.context["profile_form"].errors
    assert field in errors and message in " ".join(errors[field])
    assert message in response.content.decode().replace("&#x27;", "'")
    assert _profile(member_a) is None
    assert "profile.created" not in _audit_actions(member_a.organization)


def test_the_service_rechecks_years_and_ownership(member_a):
    other = MembershipFactory(organization=member_a.organization)
    with scope(organization=member_a.organization):
        with pytest.raises(ServiceError) as error:
            profile_services.profile_save(actor=member_a, graduation_year=1900)
        assert error.value.field == "graduation_year"
        with pytest.raises(PermissionDenied):
            profile_services.profile_save(actor=member_a, membership=other, specialty="Hacked")
        with pytest.raises(TypeError):
            profile_services.profile_save(actor=member_a, cv="x.pdf")
    assert _profile(other) is None and _profile(member_a) is None


# --- CV upload ----------------------------------------------------------------------


def test_a_real_pdf_is_accepted_and_stored_privately(client, member_a, private_storage, tmp_path):
    client.force_login(member_a.user)
    response = client.post("/o/alpha/profile/cv/", {"cv": _pdf("My CV.PDF")})
    assert response.status_code == 302
    profile = _profile(member_a)
    assert profile.cv.name.startswith(f"org-{member_a.organization_id}/cvs/")
    assert private_storage.exists(profile.cv.name)
    assert (tmp_path / "media" / "private" / profile.cv.name).read_bytes() == PDF
    assert "profile.cv_uploaded" in _audit_actions(member_a.organization)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("cv.pdf", b"PK\x03\x04 this is a zip, not a pdf", "not a real PDF"),
        ("cv.pdf", b"<html><script>alert(1)</script></html>", "not a real PDF"),
        ("cv.docx", PDF, "as a PDF file (.pdf)"),
        ("cv.pdf", b"", "empty"),
        ("cv.pdf", b"%PDF-1.4\n" + b"0" * (5 * 1024 * 1024), "at most 5 MB"),
    ],
)
def test_files_that_are_not_small_pdfs_are_refused(client, member_a, private_storage, name, content, message):
    client.force_login(member_a.user)
    response = client.post("/o/alpha/profile/cv/", {"cv": SimpleUploadedFile(name, content)})
    assert response.status_code == 200
    assert message in " ".join(response.context["cv_form"].errors["cv"])
    assert message in response.content.decode()
    profile = _profile(member_a)
    assert profile is None or not profile.cv
    assert not (private_storage.exists("") and any(private_storage.listdir("")[0] + private_storage.listdir("")[1]))


def test_exactly_5_mb_is_accepted(member_a):
    upload = _pdf(content=b"%PDF-1.7\n" + b"0" * (5 * 1024 * 1024 - 9))
    assert upload.size == 5 * 1024 * 1024
    with scope(organization=member_a.organization):
        profile = profile_services.profile_cv_upload(actor=member_a, upload=upload)
    assert profile.cv


def test_the_service_refuses_a_fake_pdf_too(member_a):
    with scope(organization=member_a.organization), pytest.raises(ServiceError) as error:
        profile_services.profile_cv_upload(actor=member_a, upload=_pdf(content=b"MZ\x90\x00"))
    assert error.value.field == "cv"
    assert _profile(member_a) is None


def test_replacing_and_removing_the_cv_delete_the_old_file(
    client, member_a, private_storage, django_capture_on_commit_callbacks
):
    client.force_login(member_a.user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/o/alpha/profile/cv/", {"cv": _pdf()})
    first = _profile(member_a).cv.name
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/o/alpha/profile/cv/", {"cv": _pdf(content=PDF + b"% v2\n")})
    second = _profile(member_a).cv.name
    assert second != first
    assert not private_storage.exists(first) and private_storage.exists(second)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/o/alpha/profile/cv/remove/")
    assert response.status_code == 302
    assert not _profile(member_a).cv
    assert not private_storage.exists(second)
    actions = _audit_actions(member_a.organization)
    assert {"profile.cv_uploaded", "profile.cv_replaced", "profile.cv_removed"} <= set(actions)
    assert client.get(f"/o/alpha/profile/{_profile(member_a).pk}/cv/").status_code == 404


def test_the_cv_is_not_reachable_under_any_public_url(client, member_a, private_storage):
    profile = _with_cv(member_a)
    name = profile.cv.name
    client.force_login(member_a.user)
    media_url = django_settings.MEDIA_URL or "/"
    candidates = {
        f"/{name}",
        f"{media_url.rstrip('/')}/{name}",
        f"{media_url.rstrip('/')}/private/{name}",
        f"/media/{name}",
        f"/media/private/{name}",
        f"/private/{name}",
        f"{django_settings.STATIC_URL}{name}",
        f"{django_settings.STATIC_URL}private/{name}",
        f"{django_settings.STATIC_URL}media/private/{name}",
    }
    for url in candidates:
        response = client.get(url)
        assert response.status_code == 404, url
        assert PDF not in b"".join(getattr(response, "streaming_content", [response.content])), url
    # Not inside any directory served as static files either.
    location = str(private_storage.location)
    for root in [django_settings.STATIC_ROOT, *django_settings.STATICFILES_DIRS]:
        assert not location.startswith(str(root))


def test_the_cv_storage_follows_media_root_and_has_no_url(settings, tmp_path):
    """The private storage is created once but reads MEDIA_ROOT each time it changes, and
    refuses to produce a URL: only the permission-checked view serves a CV."""
    settings.MEDIA_ROOT = tmp_path / "elsewhere"
    assert str(IMPORT_TIME_CV_STORAGE.location).startswith(str(tmp_path / "elsewhere"))
    with pytest.raises(ValueError):
        IMPORT_TIME_CV_STORAGE.url("org-1/cvs/x.pdf")


# --- CV download and sharing ----------------------------------------------------------


def test_the_owner_downloads_their_cv_as_an_attachment(client, member_a):
    member_a.user.full_name = "Ana Souza"
    member_a.user.save()
    profile = _with_cv(member_a)
    client.force_login(member_a.user)
    response = client.get(f"/o/alpha/profile/{profile.pk}/cv/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert 'filename="cv-ana-souza.pdf"' in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    assert b"".join(response.streaming_content) == PDF


def test_a_member_the_cv_is_shared_with_may_download_it(client, member_a):
    mentor = MembershipFactory(organization=member_a.organization)
    profile = _with_cv(member_a)
    client.force_login(mentor.user)
    assert client.get(f"/o/alpha/profile/{profile.pk}/cv/").status_code == 404
    _share(member_a, mentor)
    response = client.get(f"/o/alpha/profile/{profile.pk}/cv/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF


def test_everyone_else_gets_404(client, member_a, coordinator_a, coordinator_b):
    mentor = MembershipFactory(organization=member_a.organization)
    profile = _with_cv(member_a)
    _share(member_a, mentor)
    other_member = MembershipFactory(organization=member_a.organization)
    committee = MembershipFactory(organization=member_a.organization, is_committee=True)
    url = f"/o/alpha/profile/{profile.pk}/cv/"
    for who in (coordinator_a, other_member, committee, coordinator_b):
        client.force_login(who.user)
        assert client.get(url).status_code == 404, who
        # The other organization's own URLs do not reach it either.
        assert client.get(f"/o/{who.organization.slug}/profile/{profile.pk}/cv/").status_code == 404, who
    assert client.get("/o/alpha/profile/999999/cv/").status_code == 404


def test_a_profile_pk_of_another_organization_is_404(client, member_a, coordinator_b):
    foreign = _with_cv(coordinator_b)
    # Even a person who is a member of both, and owns the foreign CV, cannot fetch it via alpha.
    both = MembershipFactory(organization=member_a.organization, user=coordinator_b.user)
    client.force_login(both.user)
    assert client.get(f"/o/alpha/profile/{foreign.pk}/cv/").status_code == 404
    assert client.get(f"/o/bravo/profile/{foreign.pk}/cv/").status_code == 200


def test_sharing_with_an_unknown_or_foreign_email_is_refused(client, member_a, coordinator_b):
    _with_cv(member_a)
    removed = MembershipFactory(organization=member_a.organization, is_active=False)
    outsider = UserFactory()
    client.force_login(member_a.user)
    for email, message in (
        ("nobody@example.org", "only be shared with members"),
        (coordinator_b.user.email, "only be shared with members"),
        (outsider.email, "only be shared with members"),
        (removed.user.email, "only be shared with members"),
        (member_a.user.email, "your own CV"),
        ("not-an-email", "valid email"),
    ):
        response = client.post("/o/alpha/profile/cv/shares/", {"email": email})
        assert response.status_code == 200, email
        assert message in " ".join(response.context["share_form"].errors["email"]), email
        with scopes_disabled():
            assert not _profile(member_a).cv_shared_with.exists()
    assert "profile.cv_shared" not in _audit_actions(member_a.organization)


def test_sharing_by_email_ignores_case_and_lists_the_share(client, member_a):
    mentor = MembershipFactory(organization=member_a.organization)
    _with_cv(member_a)
    client.force_login(member_a.user)
    response = client.post("/o/alpha/profile/cv/shares/", {"email": mentor.user.email.upper()})
    assert response.status_code == 302
    page = client.get("/o/alpha/profile/")
    assert [m.pk for m in page.context["shares"]] == [mentor.pk]
    assert mentor.user.email in page.content.decode()
    assert "profile.cv_shared" in _audit_actions(member_a.organization)
    # Sharing twice says so.
    again = client.post("/o/alpha/profile/cv/shares/", {"email": mentor.user.email})
    assert "already shared" in " ".join(again.context["share_form"].errors["email"])


def test_unsharing_revokes_access(client, member_a):
    mentor = MembershipFactory(organization=member_a.organization)
    profile = _with_cv(member_a)
    _share(member_a, mentor)
    client.force_login(member_a.user)
    response = client.post(f"/o/alpha/profile/cv/shares/{mentor.pk}/remove/")
    assert response.status_code == 302
    with scopes_disabled():
        assert not profile.cv_shared_with.exists()
    assert "profile.cv_unshared" in _audit_actions(member_a.organization)
    client.force_login(mentor.user)
    assert client.get(f"/o/alpha/profile/{profile.pk}/cv/").status_code == 404


def test_unsharing_a_foreign_membership_is_404(client, member_a, coordinator_b):
    _with_cv(member_a)
    client.force_login(member_a.user)
    assert client.post(f"/o/alpha/profile/cv/shares/{coordinator_b.pk}/remove/").status_code == 404
    assert client.get(f"/o/alpha/profile/cv/shares/{coordinator_b.pk}/remove/").status_code == 405


def test_a_removed_member_loses_access(client, member_a):
    mentor = MembershipFactory(organization=member_a.organization)
    profile = _with_cv(member_a)
    _share(member_a, mentor)
    with scopes_disabled():
        Membership.objects.filter(pk=mentor.pk).update(is_active=False)
        mentor.refresh_from_db()
    client.force_login(mentor.user)
    assert client.get(f"/o/alpha/profile/{profile.pk}/cv/").status_code == 404
    assert not profile_selectors.can_download_cv(profile=profile, membership=mentor)
    # Nor is a removed owner's CV handed out to the people it was shared with.
    with scopes_disabled():
        Membership.objects.filter(pk=mentor.pk).update(is_active=True)
        Membership.objects.filter(pk=member_a.pk).update(is_active=False)
        mentor.refresh_from_db()
        profile = Profile.objects.select_related("membership").get(pk=profile.pk)
    assert client.get(f"/o/alpha/profile/{profile.pk}/cv/").status_code == 404
    assert not profile_selectors.can_download_cv(profile=profile, membership=mentor)


def test_the_cv_services_only_act_on_the_actors_own_profile(member_a, coordinator_a):
    _with_cv(member_a)
    with scope(organization=member_a.organization):
        for action, kwargs in (
            (profile_services.profile_cv_upload, {"upload": _pdf()}),
            (profile_services.profile_cv_remove, {}),
            (profile_services.profile_cv_share, {"email": coordinator_a.user.email}),
        ):
            with pytest.raises(PermissionDenied):
                action(actor=coordinator_a, membership=member_a, **kwargs)
    assert _profile(member_a).cv
    with scopes_disabled():
        assert not _profile(member_a).cv_shared_with.exists()


def test_the_cv_shared_with_a_foreign_membership_cannot_be_unshared_across_tenants(member_a, coordinator_b):
    with scope(organization=member_a.organization), pytest.raises(PermissionDenied):
        profile_services.profile_cv_unshare(actor=member_a, shared_with=coordinator_b)


# --- Selectors and the summary include --------------------------------------------------


def test_selectors(member_a, coordinator_a):
    with scope(organization=member_a.organization):
        assert profile_selectors.profile_for(membership=member_a) is None
    profile = _with_cv(member_a)
    with scope(organization=member_a.organization):
        assert profile_selectors.profile_for(membership=member_a) == profile
    assert profile_selectors.can_download_cv(profile=profile, membership=member_a)
    assert not profile_selectors.can_download_cv(profile=profile, membership=coordinator_a)
    assert not profile_selectors.can_download_cv(profile=profile, membership=None)
    _share(member_a, coordinator_a)
    assert profile_selectors.can_download_cv(profile=profile, membership=coordinator_a)


def test_the_summary_include_renders_a_biosketch(member_a, coordinator_a):
    member_a.user.full_name = "Grace <b>Hopper</b>"
    member_a.user.save()
    profile = ProfileFactory(
        membership=member_a,
        specialty="Radiation oncology",
        institution="Sunnybrook",
        graduation_year=2001,
        year_started_practice=THIS_YEAR - 1,
        clinical_interests="Breast\nCNS",
        research_interests="Hypofractionation",
        city="Toronto",
        country="Canada",
    )
    html = render_to_string("programs/includes/profile_summary.html", {"profile": profile})
    assert "Grace &lt;b&gt;Hopper&lt;/b&gt;" in html
    for text in ("Radiation oncology", "Sunnybrook", "2001", "1 year in practice", "Breast<br>CNS", "Toronto, Canada"):
        assert text in html, text
    assert "Download CV" not in html
    # No CV on file: no link even when asked.
    assert "Download CV" not in render_to_string(
        "programs/includes/profile_summary.html", {"profile": profile, "show_cv_link": True}
    )
    profile = _with_cv(member_a)
    with_link = render_to_string(
        "programs/includes/profile_summary.html",
        {"profile": profile, "show_cv_link": profile_selectors.can_download_cv(profile=profile, membership=member_a)},
    )
    assert f"/o/alpha/profile/{profile.pk}/cv/" in with_link
    without = render_to_string(
        "programs/includes/profile_summary.html",
        {
            "profile": profile,
            "show_cv_link": profile_selectors.can_download_cv(profile=profile, membership=coordinator_a),
        },
    )
    assert "/cv/" not in without
