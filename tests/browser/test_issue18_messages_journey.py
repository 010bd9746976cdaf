"""Journey (issue 18): the mentor and the mentee, each in their own browser, talk in their
conversation. Messages, an edit, a removal and read receipts reach the other side without a
reload: over the websocket on the ASGI server (as `make run` and production serve it), and
by polling on the WSGI server, which has no websockets. A phone-sized screen works too, and
the coordinator sees counts, never the text."""

import re

import pytest
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from relationships.models import Message
from tests.factories import PASSWORD, MembershipFactory, OrganizationFactory, dana_and_nia

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def _sign_in(page, email):
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("button", name="Sign In")).to_have_count(0)


def _send(page, text):
    page.get_by_role("textbox", name="Message").fill(text)
    page.get_by_role("button", name="Send").click()
    expect(page.locator("#message-list")).to_contain_text(text)


def _converse(make, mode):
    society = OrganizationFactory(name="Western Surgical Society", slug="western")
    pair = dana_and_nia(society, program={"slug": "mentorship", "name": "Mentorship Program"})
    url = f"/o/western/mentorships/{pair.pk}/messages/"

    mentee = make()
    _sign_in(mentee, pair.mentee.user.email)
    mentee.goto(f"/o/western/mentorships/{pair.pk}/")
    mentee.get_by_role("link", name=re.compile("Open your messages")).click()
    expect(mentee).to_have_url(re.compile(r"/messages/$"))
    expect(mentee.locator("#message-list")).to_contain_text("No messages yet")

    mentor = make(**PHONE)  # the mentor answers from a phone
    _sign_in(mentor, pair.mentor.user.email)
    mentor.goto(url)
    # Each page says how it stays up to date: the websocket, or polling without one.
    expect(mentee.locator("html")).to_have_attribute("data-live", mode)
    expect(mentor.locator("html")).to_have_attribute("data-live", mode)

    _send(mentee, "Hello Dana! Could we meet next week about my grant?")
    # The mentor's open page shows it without a reload.
    expect(mentor.locator("#message-list")).to_contain_text("Could we meet next week", timeout=20_000)
    # Opening it is reading it: the mentee's page says "Read" under her message.
    expect(mentee.locator("[data-receipt]")).to_have_text("Read", timeout=20_000)

    _send(mentor, "Gladly. Tuesday at 5 works for me.")
    expect(mentee.locator("#message-list")).to_contain_text("Tuesday at 5", timeout=20_000)

    # The mentor corrects the time within five minutes; the mentee sees the edit.
    mentor.locator(".message-mine").last.get_by_role("link", name=re.compile("Edit")).click()
    mentor.get_by_role("textbox", name="Message").fill("Gladly. Tuesday at 6 works for me.")
    mentor.get_by_role("button", name="Save the message").click()
    expect(mentor.get_by_role("alert").filter(has_text="Message edited")).to_be_visible()
    expect(mentee.locator("#message-list")).to_contain_text("Tuesday at 6", timeout=20_000)
    expect(mentee.locator("#message-list")).not_to_contain_text("Tuesday at 5")
    expect(mentee.locator("#message-list")).to_contain_text("edited")

    # The mentee removes a message sent by mistake; the mentor sees "Message removed".
    _send(mentee, "Oops, this was meant for someone else")
    expect(mentor.locator("#message-list")).to_contain_text("meant for someone else", timeout=20_000)
    mentee.locator(".message-mine").last.get_by_role("link", name=re.compile("Remove")).click()
    mentee.get_by_role("button", name="Remove the message").click()
    expect(mentee.get_by_role("alert").filter(has_text="Message removed")).to_be_visible()
    expect(mentor.locator("#message-list")).to_contain_text("Message removed", timeout=20_000)
    expect(mentor.locator("#message-list")).not_to_contain_text("meant for someone else")

    # On the phone the conversation fits the screen: nothing wider than the viewport.
    overflow = mentor.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1

    with scopes_disabled():
        assert Message.objects.filter(conversation__mentorship=pair).count() == 3

    # The coordinator sees how many messages and when, never what they say.
    coordinator = MembershipFactory(organization=society, is_coordinator=True, user__full_name="Casey Coordinator")
    office = make()
    _sign_in(office, coordinator.user.email)
    office.goto(f"/o/western/mentorships/{pair.pk}/")
    expect(office.locator("#messages-link")).to_contain_text("3 messages")
    body = office.content()
    assert "grant" not in body and "Tuesday" not in body
    assert office.request.get(url).status == 404  # the same session, without a console error
    return mentee, mentor


def test_two_browsers_talk_live_over_the_websocket(make_asgi_page):
    _converse(make_asgi_page, "websocket")


def test_two_browsers_talk_by_polling_without_websockets(make_page):
    # pytest-django's live server speaks WSGI: no websocket, so the pages poll.
    _converse(make_page, "polling")
