"""Roster import: upload a CSV/XLSX, preview per-row errors and actions, confirm all or nothing."""

import csv
import io

import openpyxl
import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django_scopes import scope, scopes_disabled

from programs import roster
from programs.models import (
    AuditEvent,
    Invitation,
    InvitationStatus,
    Membership,
    Profile,
    RosterImport,
    RosterImportStatus,
)
from tests.factories import InvitationFactory, MembershipFactory, ProfileFactory

pytestmark = [pytest.mark.django_db, pytest.mark.clock("2026-11-20 09:00")]

IMPORT_URL = "/o/alpha/members/import/"
TEMPLATE_URL = "/o/alpha/members/import/template.csv"
THIS_YEAR = 2026  # the year of the frozen clock


def csv_upload(text: str, name: str = "roster.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


def xlsx_bytes(rows) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_upload(rows, name: str = "roster.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(
        name, xlsx_bytes(rows), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )


def counts(org) -> tuple[int, int, int]:
    with scope(organization=org):
        return Membership.objects.count(), Invitation.objects.count(), Profile.objects.count()


def preview(client, upload, org_slug: str = "alpha") -> RosterImport:
    response = client.post(f"/o/{org_slug}/members/import/", {"file": upload})
    assert response.status_code == 302, response.content.decode()[:3000]
    with scopes_disabled():
        return RosterImport.objects.get(pk=int(response["Location"].rstrip("/").rsplit("/", 1)[-1]))


def confirm(client, roster_import, follow: bool = False):
    """Press Confirm: the task runs (eagerly, as the tests' Celery does) once the request's
    transaction commits; with ``follow``, the page the coordinator lands on afterwards."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(f"/o/alpha/members/import/{roster_import.pk}/", {"action": "confirm"})
    if follow and response.status_code == 302:
        return client.get(response["Location"])
    return response


def rows_by_email(roster_import) -> dict:
    return {row["email"] or row["values"].get("email", ""): row for row in roster_import.rows}


@pytest.fixture
def coordinator(client, coordinator_a):
    client.force_login(coordinator_a.user)
    return coordinator_a


# --- Parsing ---------------------------------------------------------------------------


def test_csv_with_aliases_is_mapped_and_unknown_columns_are_listed(client, coordinator, org_a):
    text = (
        "\ufeffE-mail,Name,Status,Year Started,Grad Year,Setting,State,Favourite colour\n"
        "Ada@Example.org, Ada Lovelace ,Candidate member,2015,2009,private practice,Oregon,green\n"
    )
    imported = preview(client, csv_upload(text))
    row = imported.rows[0]
    assert row["row"] == 2
    assert row["email"] == "ada@example.org"
    assert row["name"] == "Ada Lovelace"
    assert row["action"] == "invite" and row["errors"] == []
    assert row["member_status"] == "candidate"
    assert row["profile"] == {
        "practice_setting": "private",
        "year_started_practice": 2015,
        "graduation_year": 2009,
        "region": "Oregon",
    }
    assert imported.summary["ignored_columns"] == ["Favourite colour"]
    page = client.get(f"{IMPORT_URL}{imported.pk}/")
    assert b"Ignored column: Favourite colour" in page.content


@pytest.mark.parametrize(
    "header",
    [
        "email,full_name,member_status,year_started_practice",
        "Email Address,Full Name,Member Status,Year started practice",
        "EMAIL,FULL NAME,MEMBERSHIP STATUS,STARTED PRACTICE",
    ],
)
def test_header_aliases_are_case_insensitive(header):
    rows, info = roster.parse_table(
        roster.read_table(filename="r.csv", data=f"{header}\na@example.org,A B,x,1\n".encode())
    )
    assert info["columns"] == ["email", "full_name", "member_status", "year_started_practice"]
    assert rows == [
        {
            "row": 2,
            "values": {
                "email": "a@example.org",
                "full_name": "A B",
                "member_status": "x",
                "year_started_practice": "1",
            },
        }
    ]


def test_semicolon_separated_csv_is_read():
    table = roster.read_table(filename="r.csv", data=b"email;name\na@example.org;A B\n")
    assert table == [["email", "name"], ["a@example.org", "A B"]]


def test_xlsx_is_parsed_with_numbers_and_labels(client, coordinator, org_a):
    upload = xlsx_upload(
        [
            ["Email", "Full name", "Member status", "Year started practice", "Graduation year", "Practice setting"],
            ["grace@example.org", "Grace Hopper", "FACULTY", 2001, 1995.0, "Government / VA"],
            [None, None, None, None, None, None],  # a blank line is skipped, numbering is kept
            ["alan@example.org", "Alan Turing", None, None, None, None],
        ]
    )
    imported = preview(client, upload)
    assert [row["row"] for row in imported.rows] == [2, 4]
    grace, alan = imported.rows
    assert grace["errors"] == [] and alan["errors"] == []
    assert grace["member_status"] == "faculty"
    assert grace["profile"] == {
        "year_started_practice": 2001,
        "graduation_year": 1995,
        "practice_setting": "government",
    }
    assert alan["member_status"] == "" and alan["changes"] == ["Invite as a member"]
    assert imported.filename == "roster.xlsx"


# --- Row errors --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "line, message",
    [
        (",No Email,member", "Email is missing."),
        ("not-an-email,Someone,member", "“not-an-email” is not a valid email address."),
        ("x@example.org,Someone,boss", "Unknown member status “boss”. Use one of: Member, Candidate member, Faculty"),
        ("x@example.org,Someone,member,,spaceship", "Unknown practice setting “spaceship”. Use one of: Academic"),
        ("x@example.org,Someone,member,,,19x9", "Year started practice “19x9” must be a year between 1940 and"),
        ("x@example.org,Someone,member,,,1939", "Year started practice “1939” must be a year between 1940 and"),
        ("x@example.org,Someone,member,,,,1800", "Graduation year “1800” must be a year between 1940 and"),
        (f"x@example.org,Someone,member,,,,{THIS_YEAR + 1}", f"Graduation year “{THIS_YEAR + 1}” must be a year"),
        ("x@example.org,,member", "Full name is missing; it is required for people who are not yet members."),
        (f"x@example.org,Someone,member,{'s' * 121}", "Specialty is too long (at most 120 characters)."),
    ],
)
def test_each_row_error_has_a_clear_message(client, coordinator, line, message):
    header = "email,full_name,member_status,specialty,practice_setting,year_started_practice,graduation_year\n"
    imported = preview(client, csv_upload(header + line + "\n"))
    (row,) = imported.rows
    assert row["action"] == "error"
    assert any(error.startswith(message) for error in row["errors"]), row["errors"]
    assert imported.summary["error"] == 1


def test_the_same_email_twice_is_an_error(client, coordinator):
    imported = preview(client, csv_upload("email,name\ntwin@example.org,One\nTWIN@example.org,Two\n"))
    first, second = imported.rows
    assert first["errors"] == []
    assert second["errors"] == ["This email is already on row 2; each person may appear once."]
    assert imported.summary["error"] == 1 and imported.summary["invite"] == 1


def test_statuses_and_settings_accept_values_and_labels_in_any_case(client, coordinator):
    text = (
        "email,name,status,practice setting\n"
        "a@example.org,A,candidate member,PRIVATE PRACTICE\n"
        "b@example.org,B,Trainee,in training\n"
        "c@example.org,C,alumni,Military\n"
    )
    imported = preview(client, csv_upload(text))
    assert [(r["member_status"], r["profile"]["practice_setting"]) for r in imported.rows] == [
        ("candidate", "private"),
        ("trainee", "training"),
        ("alumni", "military"),
    ]


# --- Preview ---------------------------------------------------------------------------------


def test_preview_plans_each_action_and_writes_nothing(client, coordinator, org_a):
    existing = MembershipFactory(organization=org_a, user__email="member@example.org", user__full_name="Mia Member")
    same = MembershipFactory(organization=org_a, user__email="same@example.org", status="faculty")
    ProfileFactory(membership=same, specialty="Urology")
    removed = MembershipFactory(organization=org_a, user__email="removed@example.org", is_active=False)
    InvitationFactory(organization=org_a, email="pending@example.org")
    before = counts(org_a)
    text = (
        "email,name,status,specialty\n"
        "new@example.org,Nia New,candidate,Surgery\n"
        "member@example.org,,faculty,Oncology\n"
        "same@example.org,,Faculty,Urology\n"
        "pending@example.org,Pat Pending,,\n"
        "removed@example.org,,,\n"
    )
    imported = preview(client, csv_upload(text))
    assert counts(org_a) == before
    rows = rows_by_email(imported)
    assert rows["new@example.org"]["action"] == "invite"
    assert rows["member@example.org"]["action"] == "update"
    assert rows["member@example.org"]["name"] == "Mia Member"
    assert rows["member@example.org"]["changes"] == [
        "Member status: Member → Faculty",
        "Specialty: — → Oncology",
    ]
    assert rows["same@example.org"]["action"] == "unchanged"
    assert rows["pending@example.org"]["action"] == "already_invited"
    assert rows["pending@example.org"]["notices"] == [
        "An invitation is already pending for this address; nothing new is sent."
    ]
    assert rows["removed@example.org"]["action"] == "invite"  # no name needed: we know them
    assert rows["removed@example.org"]["name"] == removed.user.full_name
    assert "removed from the organization earlier" in rows["removed@example.org"]["notices"][0]
    assert imported.status == RosterImportStatus.PREVIEWED
    assert {k: imported.summary[k] for k in ("invite", "update", "already_invited", "unchanged", "error")} == {
        "invite": 2,
        "update": 1,
        "already_invited": 1,
        "unchanged": 1,
        "error": 0,
    }
    page = client.get(f"{IMPORT_URL}{imported.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "2</strong> to invite, <strong>1</strong> to update, <strong>0</strong> errors" in html
    assert (
        '<button type="submit" name="action" value="confirm" class="btn btn-primary" aria-describedby="confirm-help">'
        in html
    )
    with scope(organization=org_a):
        existing.refresh_from_db()
    assert existing.status == "member"


def test_a_file_with_one_bad_row_cannot_be_confirmed_and_writes_nothing(client, coordinator, org_a):
    before = counts(org_a)
    imported = preview(client, csv_upload("email,name\ngood@example.org,Good Person\nbad-address,Bad Person\n"))
    page = client.get(f"{IMPORT_URL}{imported.pk}/")
    html = page.content.decode()
    assert "This file cannot be imported yet." in html
    assert 'aria-describedby="confirm-help" disabled>Confirm import</button>' in html
    assert "“bad-address” is not a valid email address." in html

    response = confirm(client, imported, follow=True)
    assert response.status_code == 200
    assert b"Nothing was imported" in response.content
    assert counts(org_a) == before
    assert len(mail.outbox) == 0
    imported.refresh_from_db()
    assert imported.status == RosterImportStatus.PREVIEWED


# --- Confirm ---------------------------------------------------------------------------------


def test_confirm_invites_new_people_and_updates_members(client, coordinator, org_a):
    member = MembershipFactory(organization=org_a, user__email="member@example.org")
    ProfileFactory(membership=member, specialty="Urology", city="Lyon")
    plain = MembershipFactory(organization=org_a, user__email="plain@example.org", status="trainee")
    text = (
        "email,name,status,specialty,practice_setting,year_started_practice,graduation_year,institution,city,region,country\n"
        "nia@example.org,Nia Mensah,candidate,Surgery,Academic,2018,2010,St. Mary,Accra,Greater Accra,Ghana\n"
        "ola@example.org,Ola Nordmann,,,,,,,,,\n"
        "member@example.org,,faculty,Oncology,,,,,,,\n"
        "plain@example.org,,,Pediatrics,Community,,,,,,\n"
    )
    imported = preview(client, csv_upload(text))
    response = confirm(client, imported, follow=True)
    assert response.status_code == 200
    assert b"Roster imported: 2 invitations sent, 2 members updated." in response.content
    assert sorted(message.to[0] for message in mail.outbox) == ["nia@example.org", "ola@example.org"]

    with scope(organization=org_a):
        nia = Invitation.objects.get(email="nia@example.org")
        ola = Invitation.objects.get(email="ola@example.org")
        member.refresh_from_db()
        plain.refresh_from_db()
        member_profile = Profile.objects.get(membership=member)
        plain_profile = Profile.objects.get(membership=plain)
        applied = AuditEvent.objects.get(action="roster.applied")
    assert nia.member_status == "candidate" and nia.status == InvitationStatus.PENDING
    assert nia.invited_by == coordinator.user and nia.send_count == 1
    assert nia.profile_data == {
        "specialty": "Surgery",
        "practice_setting": "academic",
        "year_started_practice": 2018,
        "graduation_year": 2010,
        "institution": "St. Mary",
        "city": "Accra",
        "region": "Greater Accra",
        "country": "Ghana",
    }
    assert ola.member_status == "member" and ola.profile_data == {}
    assert member.status == "faculty"
    assert (member_profile.specialty, member_profile.city) == ("Oncology", "Lyon")  # empty cells change nothing
    assert plain.status == "trainee"  # no status given: unchanged
    assert (plain_profile.specialty, plain_profile.practice_setting) == ("Pediatrics", "community")
    assert plain_profile.organization == org_a
    assert applied.data["invited"] == 2 and applied.data["updated"] == 2
    imported.refresh_from_db()
    assert imported.status == RosterImportStatus.APPLIED and imported.applied_at is not None


def test_a_second_confirm_does_nothing_and_says_so(client, coordinator, org_a):
    imported = preview(client, csv_upload("email,name\nonce@example.org,Only Once\n"))
    confirm(client, imported)
    before = counts(org_a)
    response = confirm(client, imported, follow=True)
    assert b"This import was already applied on" in response.content
    assert counts(org_a) == before
    assert len(mail.outbox) == 1
    with scope(organization=org_a):
        assert AuditEvent.objects.filter(action="roster.applied").count() == 1
    # The applied preview has no confirm button any more.
    assert b"Confirm import" not in client.get(f"{IMPORT_URL}{imported.pk}/").content


def test_someone_who_joined_since_the_preview_is_rechecked_at_confirm(client, coordinator, org_a):
    imported = preview(client, csv_upload("email,name,specialty\njoiner@example.org,Jo Iner,Surgery\n"))
    assert imported.rows[0]["action"] == "invite"
    # Between preview and confirm, they accept someone else's invitation.
    joiner = MembershipFactory(organization=org_a, user__email="joiner@example.org")
    response = confirm(client, imported, follow=True)
    assert b"changed since the preview" in response.content
    assert counts(org_a) == (2, 0, 0)  # nothing written
    imported.refresh_from_db()
    assert imported.status == RosterImportStatus.PREVIEWED
    assert imported.rows[0]["action"] == "update"

    # Confirming the refreshed preview updates them instead of inviting them.
    response = confirm(client, imported, follow=True)
    assert b"Roster imported: 0 invitations sent, 1 member updated." in response.content
    with scope(organization=org_a):
        assert not Invitation.objects.exists()
        assert Profile.objects.get(membership=joiner).specialty == "Surgery"


def test_a_row_that_became_an_error_blocks_the_whole_confirm(client, coordinator, org_a):
    leaver = MembershipFactory(organization=org_a, user__email="leaver@example.org")
    imported = preview(
        client, csv_upload("email,name,status\nnew@example.org,New Person,\nleaver@example.org,,faculty\n")
    )
    assert [row["action"] for row in imported.rows] == ["invite", "update"]
    # Their membership is deleted meanwhile: they now need an invitation, and so a name.
    with scope(organization=org_a):
        Membership.objects.filter(pk=leaver.pk).delete()
    response = confirm(client, imported, follow=True)
    assert b"Nothing was imported: some rows are now in error" in response.content
    assert "Full name is missing" in response.content.decode()
    with scope(organization=org_a):
        assert not Invitation.objects.exists()
    imported.refresh_from_db()
    assert imported.status == RosterImportStatus.PREVIEWED and imported.summary["error"] == 1


def test_an_invitation_sent_since_the_preview_is_not_sent_twice(client, coordinator, org_a):
    imported = preview(client, csv_upload("email,name\nraced@example.org,Ray Stead\n"))
    InvitationFactory(organization=org_a, email="raced@example.org")
    confirm(client, imported)
    imported.refresh_from_db()
    assert imported.rows[0]["action"] == "already_invited"
    response = confirm(client, imported, follow=True)
    assert b"Roster imported: 0 invitations sent, 0 members updated." in response.content
    with scope(organization=org_a):
        assert Invitation.objects.count() == 1


def test_discard_marks_the_import_and_it_can_no_longer_be_confirmed(client, coordinator, org_a):
    imported = preview(client, csv_upload("email,name\nd@example.org,Dee Scard\n"))
    response = client.post(f"{IMPORT_URL}{imported.pk}/", {"action": "discard"}, follow=True)
    assert b"Discarded the import of roster.csv" in response.content
    imported.refresh_from_db()
    assert imported.status == RosterImportStatus.DISCARDED
    response = confirm(client, imported, follow=True)
    assert b"This import was discarded" in response.content
    assert counts(org_a)[1] == 0
    with scope(organization=org_a):
        assert AuditEvent.objects.filter(action="roster.discarded").count() == 1


def test_the_template_downloads_and_imports_cleanly(client, coordinator):
    response = client.get(TEMPLATE_URL)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == roster.FIELDS
    assert len(rows) == 2
    imported = preview(client, SimpleUploadedFile("template.csv", response.content))
    assert imported.rows[0]["errors"] == [] and imported.rows[0]["action"] == "invite"


# --- File-level errors -------------------------------------------------------------------------


def _too_many_rows() -> bytes:
    return ("email,name\n" + "".join(f"p{i}@example.org,P {i}\n" for i in range(roster.MAX_ROWS + 1))).encode()


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("roster.csv", b"", "The submitted file is empty."),
        ("roster.csv", b"\n\n , \n", "The file is empty."),
        ("roster.csv", b"email,name\n", "The file has a header row but no members in it."),
        ("roster.csv", b"name,status\nAda,member\n", "The file has no email column."),
        ("roster.csv", b"email,name,full name\na@example.org,A,A\n", "both mean full name"),
        ("roster.txt", b"email\na@example.org\n", "Upload a CSV (.csv) or Excel (.xlsx) file."),
        ("roster.pdf", b"%PDF-1.4", "Upload a CSV (.csv) or Excel (.xlsx) file."),
        ("roster.csv", xlsx_bytes([["email"], ["a@example.org"]]), "This file is an Excel workbook, not a CSV."),
        ("roster.xlsx", b"email,name\na@example.org,A\n", "could not be read as an Excel workbook"),
        ("roster.xlsx", b"PK\x03\x04 but not really a zip", "could not be read as an Excel workbook"),
        ("roster.csv", "email,name\né@example.org,Zoë\n".encode("latin-1"), "is not UTF-8 text"),
        ("roster.csv", b"email\x00name\n", "is not a CSV text file"),
        ("roster.csv", b"email,name\n" + b"x" * (roster.MAX_BYTES + 1), "The file is larger than 2 MB."),
        ("roster.csv", _too_many_rows(), "The file has more than 5,000 rows."),
        ("roster.xlsx", xlsx_bytes([["email"]] + [[f"p{i}@example.org"] for i in range(5001)]), "more than 5,000"),
    ],
)
def test_unusable_files_get_a_message_on_the_form(client, coordinator, org_a, name, content, message):
    response = client.post(IMPORT_URL, {"file": SimpleUploadedFile(name, content)})
    assert response.status_code == 200
    assert message in response.content.decode()
    with scope(organization=org_a):
        assert not RosterImport.objects.exists()


def test_a_missing_file_is_a_form_error(client, coordinator):
    response = client.post(IMPORT_URL, {})
    assert response.status_code == 200
    assert b"This field is required." in response.content


# --- Access ---------------------------------------------------------------------------------------


def _roster_requests(pk):
    return [
        ("get", "members/import/", {}),
        ("post", "members/import/", {"file": csv_upload("email,name\nx@example.org,X\n")}),
        ("get", "members/import/template.csv", {}),
        ("get", f"members/import/{pk}/", {}),
        ("post", f"members/import/{pk}/", {"action": "confirm"}),
        ("post", f"members/import/{pk}/", {"action": "discard"}),
    ]


def test_plain_members_get_403_and_other_organizations_404(client, coordinator_a, member_a, coordinator_b, org_a):
    client.force_login(coordinator_a.user)
    imported = preview(client, csv_upload("email,name\nx@example.org,X\n"))

    client.force_login(member_a.user)
    for method, path, data in _roster_requests(imported.pk):
        response = getattr(client, method)(f"/o/alpha/{path}", data)
        assert response.status_code == 403, (method, path)

    client.force_login(coordinator_b.user)
    for method, path, data in _roster_requests(imported.pk):
        response = getattr(client, method)(f"/o/alpha/{path}", data)
        assert response.status_code == 404, (method, path)
        if path.endswith(f"{imported.pk}/"):
            # Org A's import through org B's own URLs is a 404 too.
            response = getattr(client, method)(f"/o/bravo/{path}", data)
            assert response.status_code == 404, (method, path)

    imported.refresh_from_db()
    assert imported.status == RosterImportStatus.PREVIEWED
    with scopes_disabled():
        assert not Invitation.objects.exists()
        assert RosterImport.objects.count() == 1


def test_the_upload_page_lists_recent_imports_and_has_an_empty_state(client, coordinator):
    assert b"No imports yet." in client.get(IMPORT_URL).content
    preview(client, csv_upload("email,name\nx@example.org,X\n", name="spring-roster.csv"))
    page = client.get(IMPORT_URL).content.decode()
    assert "spring-roster.csv" in page and "Previewed" in page


# --- Query counts --------------------------------------------------------------------------------

# Session, user, membership + organization (middleware), my memberships (switcher), the
# import itself (or the recent imports), and the page of rows with their count: never one
# per row. Measured: 7 for 10 and 500 rows.
MAX_PREVIEW_QUERIES = 7


@pytest.mark.parametrize("size", [10, 500])
def test_the_preview_page_runs_a_bounded_number_of_queries(
    client, coordinator, org_a, django_assert_max_num_queries, size
):
    for i in range(size // 2):
        MembershipFactory(organization=org_a, user__email=f"p{i}@example.org")
    text = "email,name,status,specialty\n" + "".join(f"p{i}@example.org,P {i},faculty,Surgery\n" for i in range(size))
    imported = preview(client, csv_upload(text))
    assert imported.summary["update"] == size // 2 and imported.summary["invite"] == size - size // 2
    with django_assert_max_num_queries(MAX_PREVIEW_QUERIES):
        response = client.get(f"{IMPORT_URL}{imported.pk}/")
    assert response.status_code == 200
    assert response.content.count(b'<th scope="row">') == min(size, 50)  # a page of 50 rows
    with django_assert_max_num_queries(MAX_PREVIEW_QUERIES):
        assert client.get(IMPORT_URL).status_code == 200
