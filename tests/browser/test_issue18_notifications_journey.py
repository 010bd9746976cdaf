"""Journeys (issue 18): the notification centre and email preferences, clicked through as people
do. The mentor's bell counts a new message without a reload (the websocket, on the ASGI server as
`make run` serves it), the notification leads to the conversation and is read after; "Mark all
read" empties the count. A member chooses a daily digest for messages and no nudges: a message
then reaches their bell, not their inbox, and a tampered choice is refused on the form. The list
fits a phone's screen."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from programs.models import Membership, Notification
from programs.services.notifications import notify
from tests.factories import PASSWORD, OrganizationFactory, dana_and_nia

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def _sign_in(page, email):
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("button", name="Sign In")).to_have_count(0)


def _bell(page):
    """The navigation's notifications link: its name carries the unread count for a screen
    reader ("Notifications (1 unread)"), its badge shows it."""
    return page.get_by_role("navigation", name="Main navigation").get_by_role(
        "link", name=re.compile(r"^Notifications")
    )


def _count(page):
    return page.locator('nav [data-badge="notifications"]')


def _send(page, text):
    page.get_by_role("textbox", name="Message").fill(text)
    page.get_by_role("button", name="Send").click()
    expect(page.locator("#message-list")).to_contain_text(text)


def _society_and_pair():
    society = OrganizationFactory(name="Western Surgical Society", slug="western")
    pair = dana_and_nia(society, program={"slug": "mentorship", "name": "Mentorship Program"})
    return society, pair


def test_the_bell_counts_a_new_message_live_and_leads_to_it(make_asgi_page):
    _, pair = _society_and_pair()
    conversation = f"/o/western/mentorships/{pair.pk}/messages/"

    mentor = make_asgi_page()
    _sign_in(mentor, pair.mentor.user.email)
    mentor.goto("/o/western/")
    expect(mentor.locator("html")).to_have_attribute("data-live", "websocket")
    expect(_bell(mentor)).to_have_accessible_name("Notifications")
    expect(_count(mentor)).to_have_text("")

    mentee = make_asgi_page()
    _sign_in(mentee, pair.mentee.user.email)
    mentee.goto(conversation)
    _send(mentee, "Hello Dana! Could we talk about my grant timeline?")

    # Without a reload, the mentor's bell shows one unread notification.
    expect(_count(mentor)).to_contain_text("1", timeout=20_000)
    expect(_bell(mentor)).to_have_accessible_name("Notifications (1 unread)")

    _bell(mentor).click()
    expect(mentor).to_have_url(re.compile(r"/o/western/notifications/all/$"))
    expect(mentor.get_by_role("heading", level=1)).to_contain_text("1 unread")
    item = mentor.get_by_role("list", name="Your notifications, newest first").get_by_role("listitem")
    expect(item).to_have_count(1)
    expect(item.get_by_text("New", exact=True)).to_be_visible()
    expect(item).to_contain_text("unread")  # said to a screen reader
    mentor.get_by_role("link", name="Nia Mensah sent you a message").click()

    # The notification leads to the conversation, where the message is.
    expect(mentor).to_have_url(re.compile(re.escape(conversation) + "$"))
    expect(mentor.locator("#message-list")).to_contain_text("Could we talk about my grant timeline?")

    # Back on the list, it is read: no "New", no emphasis, nothing counted.
    _bell(mentor).click()
    expect(mentor.get_by_role("heading", level=1)).to_contain_text("all read")
    expect(item).to_have_count(1)
    expect(item.get_by_text("New", exact=True)).to_have_count(0)
    expect(item).not_to_contain_text("unread")
    expect(item).not_to_have_class(re.compile(r"list-group-item-primary"))
    expect(mentor.get_by_role("link", name="Nia Mensah sent you a message")).to_have_class(re.compile("link-secondary"))
    expect(mentor.get_by_role("button", name="Mark all read")).to_have_count(0)
    expect(_count(mentor)).to_have_text("")
    expect(_bell(mentor)).to_have_accessible_name("Notifications")
    with scopes_disabled():
        assert Notification.objects.get(recipient=pair.mentor).read_at is not None

    # The dashboard renders the count itself (no request for it): nothing unread there either.
    mentor.get_by_role("link", name="Dashboard").click()
    expect(mentor.locator("nav[data-badges-url]")).to_have_attribute("data-badges", "rendered")
    expect(_count(mentor)).to_have_text("")

    # The mentee schedules a meeting: a second notification, counted live on the open list page.
    _bell(mentor).click()
    expect(mentor.get_by_role("heading", level=1)).to_contain_text("all read")
    expect(mentor.locator("html")).to_have_attribute("data-live", "websocket")
    mentee.goto(f"/o/western/mentorships/{pair.pk}/meetings/")
    when = (timezone.localtime() + timedelta(days=7)).strftime("%Y-%m-%d") + "T15:00"
    mentee.get_by_label(re.compile(r"^\s*Date and time")).fill(when)
    mentee.get_by_label(re.compile(r"^\s*Duration")).fill("45")
    mentee.get_by_label("How you will meet").select_option("video")
    mentee.get_by_label(re.compile(r"^\s*Place or link")).fill("https://meet.example.org/nia-dana")
    mentee.get_by_role("button", name="Schedule the meeting").click()
    expect(mentee.get_by_role("alert")).to_contain_text("Meeting scheduled")

    expect(_count(mentor)).to_contain_text("1", timeout=20_000)
    expect(mentor.get_by_role("heading", level=1)).to_contain_text("all read")  # the list waits for a click
    mentor.get_by_role("link", name="Dashboard").click()
    expect(_count(mentor)).to_contain_text("1")  # rendered in the page: the cached nav knows
    _bell(mentor).click()
    expect(mentor.get_by_role("heading", level=1)).to_contain_text("1 unread")
    expect(item).to_have_count(2)
    expect(item.first).to_contain_text("Nia Mensah scheduled a meeting with you")
    expect(item.first.get_by_text("New", exact=True)).to_be_visible()
    mentor.get_by_role("button", name="Mark all read").click()
    expect(mentor.get_by_role("alert").filter(has_text="Marked 1 notification read.")).to_be_visible()
    expect(mentor.get_by_role("heading", level=1)).to_contain_text("all read")
    expect(item.get_by_text("New", exact=True)).to_have_count(0)
    expect(_count(mentor)).to_have_text("")
    with scopes_disabled():
        assert not Notification.objects.filter(recipient=pair.mentor, read_at__isnull=True).exists()
    mentor.get_by_role("link", name="Dashboard").click()
    expect(mentor.locator("nav[data-badges-url]")).to_have_attribute("data-badges", "rendered")
    expect(_count(mentor)).to_have_text("")


def test_email_preferences_a_digest_for_messages_and_no_nudges(make_page):
    _, pair = _society_and_pair()
    nia, dana = pair.mentee, pair.mentor
    conversation = f"/o/western/mentorships/{pair.pk}/messages/"

    member = make_page()
    _sign_in(member, nia.user.email)
    member.goto("/o/western/")
    member.get_by_role("button", name="Nia Mensah").click()
    member.get_by_role("link", name="Email preferences").click()
    expect(member).to_have_url(re.compile(r"/o/western/notifications/$"))
    expect(member.get_by_role("heading", level=1)).to_have_text("Email preferences")

    messages = member.get_by_role("group", name=re.compile("Emails about new messages"))
    nudges = member.get_by_role("group", name=re.compile("Friendly nudges"))
    expect(messages.get_by_label("Immediately")).to_be_checked()  # the default
    messages.get_by_label("In a daily digest").check()
    nudges.get_by_label("Don't email me").check()
    member.get_by_role("button", name="Save").click()
    expect(member.get_by_role("alert").filter(has_text="Your email preferences are saved")).to_be_visible()
    expect(messages.get_by_label("In a daily digest")).to_be_checked()
    expect(nudges.get_by_label("Don't email me")).to_be_checked()
    with scopes_disabled():
        saved = Membership.objects.get(pk=nia.pk)
    assert (saved.messages_email, saved.nudges_email, saved.nudges_enabled) == ("digest", "off", False)

    # Dana writes: Nia's bell has it, her inbox does not (it waits for the daily digest).
    mail.outbox.clear()
    other = make_page()
    _sign_in(other, dana.user.email)
    other.goto(conversation)
    _send(other, "Nia, I read your draft aims page. Let's meet on Tuesday.")
    with scopes_disabled():
        notification = Notification.objects.get(recipient=nia, kind="message")
    assert notification.title == "Dana Whitfield sent you a message"
    assert notification.emailed_at is None
    assert [m for m in mail.outbox if nia.user.email in m.to] == []
    member.goto("/o/western/notifications/all/")
    expect(_count(member)).to_contain_text("1")
    expect(member.get_by_role("link", name="Dana Whitfield sent you a message")).to_be_visible()

    # Dana kept "Immediately": Nia's reply is emailed to her at once (the outbox is read right).
    member.get_by_role("link", name="Dana Whitfield sent you a message").click()
    _send(member, "Tuesday works, thank you!")
    assert [m.to for m in mail.outbox] == [[dana.user.email]]

    # A tampered choice is refused on the form, with a message, and nothing changes.
    member.goto("/o/western/notifications/")
    member.evaluate(
        """() => {
             const choice = document.querySelector('input[name="messages_email"][value="off"]');
             choice.value = "weekly";
             choice.checked = true;
           }"""
    )
    with member.expect_response(lambda r: r.request.method == "POST") as answer:
        member.get_by_role("button", name="Save").click()
    assert answer.value.status == 400
    expect(messages).to_contain_text("Select a valid choice. weekly is not one of the available choices.")
    expect(member.get_by_role("alert").filter(has_text="Your email preferences are saved")).to_have_count(0)
    with scopes_disabled():
        unchanged = Membership.objects.get(pk=nia.pk)
    assert (unchanged.messages_email, unchanged.nudges_email, unchanged.nudges_enabled) == ("digest", "off", False)


def test_the_notification_list_fits_a_phone(make_page):
    _, pair = _society_and_pair()
    dana = pair.mentor
    long_name = "Anne-Marie Featherstonehaugh-Wolstenholme"
    for n in range(30):  # more than a page: the pagination shows too
        notify(
            recipient=dana,
            kind="message" if n % 2 else "meeting",
            category="message" if n % 2 else "obligation",
            title=f"{long_name} sent you {n + 2} messages" if n % 2 else f"{long_name} scheduled a meeting with you",
            path=f"/o/western/mentorships/{pair.pk}/messages/",
            key=f"phone:{n}",
        )

    phone = make_page(**PHONE)
    _sign_in(phone, dana.user.email)
    phone.goto("/o/western/")
    phone.get_by_role("button", name="Toggle navigation").click()
    _bell(phone).click()
    expect(phone).to_have_url(re.compile(r"/o/western/notifications/all/$"))
    expect(phone.get_by_role("heading", level=1)).to_contain_text("30 unread")
    items = phone.get_by_role("list", name="Your notifications, newest first").get_by_role("listitem")
    expect(items).to_have_count(25)
    assert phone.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 1

    # One marked read from the list: it stays, without its "New".
    newest = items.first
    expect(newest.get_by_text("New", exact=True)).to_be_visible()
    newest.get_by_role("button", name=re.compile(r"^Mark read")).click()
    expect(phone.get_by_role("heading", level=1)).to_contain_text("29 unread")
    expect(items.first.get_by_text("New", exact=True)).to_have_count(0)
    assert phone.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 1

    # The second page fits too.
    phone.get_by_role("navigation", name="Pages").get_by_role("link", name="Next page").click()
    expect(phone).to_have_url(re.compile(r"\?page=2$"))
    expect(items).to_have_count(5)
    assert phone.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 1

    phone.get_by_role("button", name="Mark all read").click()
    expect(phone.get_by_role("alert").filter(has_text="Marked 29 notifications read.")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 1
