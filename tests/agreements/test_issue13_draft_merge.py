"""Issue 13, item 23: a co-written draft never loses a section to a stale page.

The issue's scenario: both open the draft; the mentor fills "Ground rules" and saves; the
mentee, on the older page, edits "Feedback" and saves, then saves again. Saves merge
section by section against what the page loaded (a three-way merge): a section the
submitter did not change is never written; a section both changed is a conflict shown
side by side, with the submitter's text kept on the page."""

import re

import pytest
from django_scopes import scope, scopes_disabled

from agreements.models import Agreement, AgreementEdit
from agreements.services import agreement as services
from tests.factories import dana_and_nia

pytestmark = pytest.mark.clock("2026-11-20 09:00")

GROUND_RULES = "Reply within a week; cancel at least two days ahead."
FEEDBACK = "Five minutes at the end of each call on what helped."
MENTOR_FEEDBACK = "A written note after each quarter."


@pytest.fixture
def pair(org_a):
    return dana_and_nia(org_a, program={"slug": "society"})


def _page(agreement: Agreement) -> dict:
    """What a draft page carries when it loads: the text, the revision and a fingerprint
    of each section."""
    keys = [s["key"] for s in agreement.sections if s.get("editable")]
    return {
        "content": {k: agreement.content.get(k, "") for k in keys},
        "revision": agreement.revision,
        "base": {k: services.section_fingerprint(agreement.content.get(k, "")) for k in keys},
    }


def _save(actor, agreement, page, **changes):
    with scope(organization=agreement.organization):
        return services.draft_save(
            actor=actor,
            agreement=agreement,
            content={**page["content"], **changes},
            revision=page["revision"],
            base=page["base"],
        )


def _stored(agreement) -> Agreement:
    with scopes_disabled():
        return Agreement.objects.get(pk=agreement.pk)


@pytest.mark.django_db
def test_the_issue_scenario_keeps_the_mentors_ground_rules(pair):
    with scope(organization=pair.organization):
        agreement = services.agreement_start(actor=pair.mentee, mentorship=pair)
    mentor_page = _page(agreement)
    mentee_page = _page(agreement)  # both open the draft

    _save(pair.mentor, agreement, mentor_page, ground_rules=GROUND_RULES)
    merged = _save(pair.mentee, agreement, mentee_page, feedback=FEEDBACK)  # the older page
    assert merged.content["ground_rules"] == GROUND_RULES and merged.content["feedback"] == FEEDBACK
    # "Save the draft" again, from the same older page: nothing of the mentor's is undone.
    _save(pair.mentee, agreement, mentee_page, feedback=FEEDBACK)
    stored = _stored(agreement)
    assert stored.content["ground_rules"] == GROUND_RULES
    assert stored.content["feedback"] == FEEDBACK
    with scopes_disabled():
        edits = set(AgreementEdit.objects.filter(agreement=agreement).values_list("author_id", "section"))
    # The mentee's saves wrote only the section the mentee changed.
    assert edits == {(pair.mentor.pk, "ground_rules"), (pair.mentee.pk, "feedback")}


@pytest.mark.django_db
def test_a_section_both_changed_is_a_conflict_with_both_texts_and_nothing_is_written(pair):
    with scope(organization=pair.organization):
        agreement = services.agreement_start(actor=pair.mentee, mentorship=pair)
    mentor_page, mentee_page = _page(agreement), _page(agreement)
    _save(pair.mentee, agreement, mentee_page, feedback=FEEDBACK, goals="Two papers.")
    with pytest.raises(services.StaleDraft) as error:
        _save(pair.mentor, agreement, mentor_page, feedback=MENTOR_FEEDBACK, ground_rules=GROUND_RULES)
    [conflict] = error.value.conflicts
    assert (conflict.key, conflict.mine, conflict.theirs) == ("feedback", MENTOR_FEEDBACK, FEEDBACK)
    assert conflict.theirs_author == "Nia Mensah"
    assert (
        "Nia Mensah saved a newer version" in error.value.message and "Feedback and evaluation" in error.value.message
    )
    # What the next page holds: the mentor's text where the mentor changed it, the saved
    # text elsewhere (the mentee's goals, not the stale empty one).
    proposed = error.value.proposed
    assert proposed["feedback"] == MENTOR_FEEDBACK and proposed["ground_rules"] == GROUND_RULES
    assert proposed["goals"] == "Two papers."
    stored = _stored(agreement)
    assert stored.content == {"feedback": FEEDBACK, "goals": "Two papers."} | {
        k: v for k, v in stored.content.items() if k not in ("feedback", "goals")
    }
    assert stored.content.get("ground_rules", "") == ""  # nothing of a refused save is written

    # Saving again from the page shown with the conflict resolves it, keeping the rest.
    resolved = _save(pair.mentor, agreement, _page(stored) | {"content": proposed})
    assert resolved.content["feedback"] == MENTOR_FEEDBACK
    assert resolved.content["ground_rules"] == GROUND_RULES and resolved.content["goals"] == "Two papers."


@pytest.mark.django_db
def test_line_breaks_from_a_browser_are_not_a_change(pair):
    with scope(organization=pair.organization):
        agreement = services.agreement_start(actor=pair.mentee, mentorship=pair)
        agreement = services.draft_save(
            actor=pair.mentee, agreement=agreement, content={"goals": "One\nTwo"}, revision=agreement.revision
        )
    stale = _page(agreement)
    _save(pair.mentor, agreement, _page(agreement), goals="One\nTwo\nThree")
    # The older page sends the same goals back with CR LF, as browsers do: not a change.
    merged = _save(pair.mentee, agreement, stale, goals="One\r\nTwo", feedback=FEEDBACK)
    assert merged.content["goals"] == "One\nTwo\nThree" and merged.content["feedback"] == FEEDBACK


def _form(page_html: str) -> dict:
    """The draft form's fields as a browser would submit them."""
    form = page_html[
        page_html.index('id="draft-form"') : page_html.index("</form>", page_html.index('id="draft-form"'))
    ]
    data = {}
    for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form):
        data[name] = value
    for name, value in re.findall(r'<textarea name="([^"]+)"[^>]*>\n?(.*?)</textarea>', form, flags=re.S):
        data[name] = value.replace("&amp;", "&").replace("&#x27;", "'").replace("&quot;", '"')
    data.pop("csrfmiddlewaretoken", None)
    return data


@pytest.mark.django_db
def test_the_issue_scenario_through_the_pages(pair, client):
    with scope(organization=pair.organization):
        agreement = services.agreement_start(actor=pair.mentee, mentorship=pair)
    url = f"/o/alpha/mentorships/{pair.pk}/agreement/"
    client.force_login(pair.mentor.user)
    mentor_form = _form(client.get(url).content.decode())
    client.force_login(pair.mentee.user)
    mentee_form = _form(client.get(url).content.decode())

    client.force_login(pair.mentor.user)
    assert client.post(url, {**mentor_form, "ground_rules": GROUND_RULES}).status_code == 302
    client.force_login(pair.mentee.user)
    response = client.post(url, {**mentee_form, "feedback": FEEDBACK}, follow=True)
    assert "Draft saved" in response.content.decode()
    client.post(url, {**mentee_form, "feedback": FEEDBACK})  # the older page, saved again
    stored = _stored(agreement)
    assert (stored.content["ground_rules"], stored.content["feedback"]) == (GROUND_RULES, FEEDBACK)

    # Both change Feedback: the mentor's older page gets both texts side by side.
    client.force_login(pair.mentor.user)
    response = client.post(url, {**mentor_form, "feedback": MENTOR_FEEDBACK})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="conflict-feedback"' in html and "Saved by Nia Mensah meanwhile" in html
    page = _form(html)
    assert page["feedback"] == MENTOR_FEEDBACK  # the mentor's text, kept on the page
    assert page["ground_rules"] == GROUND_RULES  # the saved text, not the stale empty one
    assert FEEDBACK in html  # theirs, shown beside it
    assert _stored(agreement).content["feedback"] == FEEDBACK  # nothing written yet
    # Saving that page keeps the mentor's choice and everything else.
    assert client.post(url, page).status_code == 302
    stored = _stored(agreement)
    assert stored.content["feedback"] == MENTOR_FEEDBACK and stored.content["ground_rules"] == GROUND_RULES
