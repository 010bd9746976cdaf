"""Reply by email, the kernel's part (mentorship/inbound.py): signed reply addresses, reading
a raw message, and taking the quoted conversation off replies as Gmail, Outlook, Apple Mail
and Thunderbird write them. No database."""

import base64

import pytest
from django.test import override_settings

from mentorship import inbound

DOMAIN = "reply.example.org"
SECRET = "tests-inbound-secret-0123456789abcdef"

pytestmark = pytest.mark.usefixtures("inbound_domain")


@pytest.fixture
def inbound_domain(settings):
    settings.INBOUND_EMAIL_DOMAIN = DOMAIN


# --- Signed reply addresses ---------------------------------------------------------------------


def test_a_reply_address_reads_back_in_any_case_and_with_a_display_name():
    address = inbound.reply_address(4242, "17")
    local, _, domain = address.partition("@")
    assert domain == DOMAIN and local.startswith("reply+")
    assert len(local) <= 64
    assert address == address.lower()
    expected = inbound.ReplyTarget(4242, "17")
    assert inbound.parse_reply_address(address) == expected
    assert inbound.parse_reply_address(address.upper()) == expected
    assert inbound.parse_reply_address(f'"Dana Whitfield via Mentorship" <{address}>') == expected


def test_the_local_part_fits_64_characters_even_for_huge_ids():
    address = inbound.reply_address(2**62, "c" + "9" * 19)
    assert len(address.partition("@")[0]) <= 64
    assert inbound.parse_reply_address(address) == inbound.ReplyTarget(2**62, "c" + "9" * 19)


def _tampered(address: str, position: int) -> str:
    local, _, domain = address.partition("@")
    chars = list(local)
    chars[position] = "b" if chars[position] != "b" else "c"
    return "".join(chars) + "@" + domain


def test_a_forged_or_altered_address_reads_as_nothing():
    address = inbound.reply_address(4242, "17")
    local = address.partition("@")[0]
    for position in range(len("reply+"), len(local)):
        if local[position] != "-":
            assert inbound.parse_reply_address(_tampered(address, position)) is None, position
    # Another person or another conversation with the same signature.
    token = local.removeprefix("reply+")
    _member, key, mac = token.split("-")
    for other in (f"reply+3a-{key}-{mac}", f"reply+{_member}-18-{mac}", f"reply+{_member}-{key}-"):
        assert inbound.parse_reply_address(f"{other}@{DOMAIN}") is None
    # The right token at another domain, or without the prefix.
    assert inbound.parse_reply_address(address.replace(DOMAIN, "evil.example.net")) is None
    assert inbound.parse_reply_address(address.replace("reply+", "")) is None
    for junk in ("", "nobody", "@", "reply+@" + DOMAIN, "reply+a-b-c@" + DOMAIN, "a@b, c@d", "reply+---@" + DOMAIN):
        assert inbound.parse_reply_address(junk) is None


def test_an_address_signed_with_another_secret_key_is_refused_and_an_old_key_still_reads():
    with override_settings(SECRET_KEY="another-secret-key-for-this-test-only-0123456789"):
        foreign = inbound.reply_address(5, "6")
    assert inbound.parse_reply_address(foreign) is None
    with override_settings(
        SECRET_KEY="the-rotated-secret-key-for-this-test-only-0123456789",
        SECRET_KEY_FALLBACKS=["another-secret-key-for-this-test-only-0123456789"],
    ):
        assert inbound.parse_reply_address(foreign) == inbound.ReplyTarget(5, "6")


def test_conversation_keys_are_short_letters_and_digits():
    for bad in ("", "a-b", "x" * 21, "é", "1 2"):
        with pytest.raises(ValueError):
            inbound.reply_address(1, bad)
    with pytest.raises(ValueError):
        inbound.reply_address(0, "1")


# --- The shared secret --------------------------------------------------------------------------


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def test_the_secret_is_read_from_bearer_or_basic_auth():
    assert inbound.secret_matches(f"Bearer {SECRET}", SECRET)
    assert inbound.secret_matches(_basic("provider", SECRET), SECRET)
    assert inbound.secret_matches(_basic(SECRET, ""), SECRET)
    for wrong in (
        "",
        f"Bearer {SECRET}x",
        f"Bearer {SECRET[:-1]}",
        "Bearer ",
        _basic("provider", "nope"),
        "Basic !!!not-base64",
        f"Token {SECRET}",
        SECRET,
    ):
        assert not inbound.secret_matches(wrong, SECRET), wrong
    assert not inbound.secret_matches(f"Bearer {SECRET}", "")


# --- Reading a raw message ----------------------------------------------------------------------

GMAIL = b"""Delivered-To: reply+TOKEN@reply.example.org
Received: by 2002:a05:6a10:1234 with SMTP id abc; Mon, 2 Mar 2026 03:02:14 -0800 (PST)
MIME-Version: 1.0
References: <note-1@mentorship.example.org>
In-Reply-To: <note-1@mentorship.example.org>
From: Nia Mensah <Nia.Mensah@Hospital.example>
Date: Mon, 2 Mar 2026 11:02:13 +0000
Message-ID: <CAF=Yx1abc123@mail.gmail.com>
Subject: Re: New message from Dana Whitfield
To: Dana Whitfield via Mentorship <reply+TOKEN@reply.example.org>
Content-Type: multipart/alternative; boundary="000000000000a1b2c3"

--000000000000a1b2c3
Content-Type: text/plain; charset="UTF-8"
Content-Transfer-Encoding: quoted-printable

Thursday at 4 works =E2=80=94 I'll bring the draft aims page.

Nia

On Mon, Mar 2, 2026 at 10:00=E2=80=AFAM Dana Whitfield via Mentorship <
reply+TOKEN@reply.example.org> wrote:

> Hello Nia,
>
> Could we meet on Thursday to go through your aims page?
>
> --
> Alpha Surgical Society, via Mentorship
>

--000000000000a1b2c3
Content-Type: text/html; charset="UTF-8"
Content-Transfer-Encoding: quoted-printable

<div dir=3D"ltr">Thursday at 4 works =E2=80=94 I&#39;ll bring the draft aims pa=
ge.<div><br></div><div>Nia</div></div><br><div class=3D"gmail_quote"><div dir=
=3D"ltr" class=3D"gmail_attr">On Mon, Mar 2, 2026 at 10:00=E2=80=AFAM Dana Wh=
itfield wrote:<br></div><blockquote class=3D"gmail_quote">Hello Nia,</blockqu=
ote></div>

--000000000000a1b2c3--
"""


def test_a_gmail_reply_is_read_and_its_quote_taken_off():
    email = inbound.parse_message(GMAIL)
    assert email.sender == "Nia.Mensah@Hospital.example"
    assert email.recipients[0] == "reply+TOKEN@reply.example.org"
    assert email.subject == "Re: New message from Dana Whitfield"
    assert email.message_id == "<CAF=Yx1abc123@mail.gmail.com>"
    assert email.attachments == [] and not email.automatic
    assert len(email.fingerprint) == 64
    assert inbound.strip_quoted(email.text) == "Thursday at 4 works \u2014 I'll bring the draft aims page.\n\nNia"


def test_the_html_part_is_read_when_there_is_no_text_part():
    html_only = GMAIL.split(b"--000000000000a1b2c3\nContent-Type: text/plain")[0]
    html_part = GMAIL.split(b"--000000000000a1b2c3\n")[2]
    raw = html_only + b"--000000000000a1b2c3\n" + html_part
    email = inbound.parse_message(raw)
    assert inbound.strip_quoted(email.text) == "Thursday at 4 works \u2014 I'll bring the draft aims page.\n\nNia"


def test_the_fingerprint_is_the_message_id_s_or_the_raw_bytes_without_one():
    same_id = GMAIL.replace(b"Thursday at 4", b"Friday at 5")
    assert inbound.parse_message(same_id).fingerprint == inbound.parse_message(GMAIL).fingerprint
    without = GMAIL.replace(b"Message-ID: <CAF=Yx1abc123@mail.gmail.com>\n", b"")
    first, again = inbound.parse_message(without), inbound.parse_message(without)
    assert first.message_id == "" and first.fingerprint == again.fingerprint
    assert inbound.parse_message(without.replace(b"Thursday", b"Friday")).fingerprint != first.fingerprint


LATIN1 = (
    b"From: =?iso-8859-1?q?J=FCrgen_M=FCller?= <juergen@klinik.example>\n"
    b"To: reply+x@reply.example.org\n"
    b"Subject: =?iso-8859-1?q?Re:_Gr=FC=DFe?=\n"
    b"Content-Type: text/plain; charset=iso-8859-1\n"
    b"Content-Transfer-Encoding: 8bit\n\n"
    b"Sch\xf6ne Gr\xfc\xdfe aus M\xfcnchen.\n"
)


def test_charsets_are_honoured_and_an_unknown_one_does_not_fail():
    email = inbound.parse_message(LATIN1)
    assert email.text.strip() == "Sch\u00f6ne Gr\u00fc\u00dfe aus M\u00fcnchen."
    assert email.subject == "Re: Gr\u00fc\u00dfe"
    cp1252 = LATIN1.replace(b"iso-8859-1\n", b"windows-1252\n").replace(b"Sch\xf6ne", b"\x93Sch\xf6ne\x94")
    assert inbound.parse_message(cp1252).text.strip().startswith("\u201cSch\u00f6ne\u201d")
    unknown = LATIN1.replace(b"charset=iso-8859-1", b"charset=x-no-such-charset")
    assert "Gr" in inbound.parse_message(unknown).text
    utf8_declared_latin1 = LATIN1.replace(b"charset=iso-8859-1", b"charset=utf-8")
    assert "M" in inbound.parse_message(utf8_declared_latin1).text


ATTACHED = b"""From: Nia Mensah <nia@hospital.example>
To: reply+x@reply.example.org
Subject: Re: aims
Message-ID: <attach-1@hospital.example>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="outer"

--outer
Content-Type: multipart/alternative; boundary="alt"

--alt
Content-Type: text/plain; charset=utf-8

Here is the draft.
--alt
Content-Type: multipart/related; boundary="rel"

--rel
Content-Type: text/html; charset=utf-8

<p>Here is the draft.</p><img src="cid:logo@x">
--rel
Content-Type: image/png
Content-ID: <logo@x>
Content-Disposition: inline; filename="image001.png"
Content-Transfer-Encoding: base64

iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==
--rel--
--alt--
--outer
Content-Type: application/pdf
Content-Disposition: attachment; filename*=utf-8''Entwurf%20M%C3%BCller.pdf
Content-Transfer-Encoding: base64

JVBERi0xLjQKJcfsj6IKJUVPRgo=
--outer
Content-Type: message/rfc822
Content-Disposition: attachment

From: someone@else.example
Subject: forwarded

inner text
--outer--
"""


def test_attachments_are_read_with_their_names_and_an_embedded_logo_is_not_one():
    email = inbound.parse_message(ATTACHED)
    assert email.text.strip() == "Here is the draft."
    assert [(a.name, a.content_type) for a in email.attachments] == [("Entwurf M\u00fcller.pdf", "application/pdf")]
    assert email.attachments[0].content.startswith(b"%PDF-1.4")


def test_a_path_or_control_characters_in_a_file_name_are_dropped():
    raw = ATTACHED.replace(b"Entwurf%20M%C3%BCller.pdf", b"..%5C..%2Fevil%07%E2%80%AE.pdf")
    assert inbound.parse_message(raw).attachments[0].name == "evil.pdf"
    raw = ATTACHED.replace(b"filename*=utf-8''Entwurf%20M%C3%BCller.pdf", b'filename="/etc/passwd"')
    assert inbound.parse_message(raw).attachments[0].name == "passwd"


@pytest.mark.parametrize(
    "header",
    [
        b"Auto-Submitted: auto-replied",
        b"Auto-Submitted: auto-generated",
        b"Precedence: bulk",
        b"X-Autoreply: yes",
        b"List-Id: <grants.lists.example>",
    ],
)
def test_automatic_messages_are_marked(header):
    assert inbound.parse_message(header + b"\n" + LATIN1).automatic
    assert not inbound.parse_message(b"Auto-Submitted: no\n" + LATIN1).automatic


def test_a_delivery_report_is_automatic():
    raw = LATIN1.replace(b"juergen@klinik.example", b"MAILER-DAEMON@klinik.example")
    assert inbound.parse_message(raw).automatic


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"   \n\n",
        b"hello",
        b"\x00\xff\xfe" * 100,
        b"Subject: no addresses\n\nbody",
        b"From: a@b.example\n\nno recipient",
        b"To: reply+x@reply.example.org\n\nno sender",
        b"From: <>\nTo: <>\n\n",
        b"From: ,,,@@@\nTo: \x00\n\n",
    ],
)
def test_junk_is_an_inbound_error(raw):
    with pytest.raises(inbound.InboundError):
        inbound.parse_message(raw)


def test_a_raw_message_is_found_in_a_form_field():
    boundary = "----form-boundary-7"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="to"\r\n\r\nreply+x@reply.example.org\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="email"\r\n\r\n'
        ).encode()
        + GMAIL.replace(b"\n", b"\r\n")
        + f"\r\n--{boundary}--\r\n".encode()
    )
    raw = inbound.raw_from_form(f"multipart/form-data; boundary={boundary}", body)
    assert inbound.parse_message(raw).message_id == "<CAF=Yx1abc123@mail.gmail.com>"
    assert inbound.raw_from_form(f"multipart/form-data; boundary={boundary}", b"junk") is None
    assert inbound.raw_from_form("multipart/form-data", body) is None


# --- Taking the quoted conversation off ------------------------------------------------------------

OUTLOOK_DESKTOP = """Thursday works for me.

Best,
Nia

________________________________
From: Dana Whitfield via Mentorship <reply+abc@reply.example.org>
Sent: Monday, March 2, 2026 10:00 AM
To: Nia Mensah <nia@hospital.example>
Subject: New message from Dana Whitfield

Hello Nia,

Could we meet on Thursday?
"""

OUTLOOK_ORIGINAL = """Thursday works for me.

-----Original Message-----
From: Dana Whitfield via Mentorship <reply+abc@reply.example.org>
Sent: Monday, March 2, 2026 10:00 AM
To: Nia Mensah
Subject: New message

Hello Nia,
"""

OUTLOOK_NO_RULE = """Thursday works for me.

Get Outlook for iOS<https://aka.ms/o0ukef>
From: Dana Whitfield via Mentorship <reply+abc@reply.example.org>
Sent: Monday, March 2, 2026 10:00:12 AM
To: nia@hospital.example <nia@hospital.example>
Subject: New message from Dana Whitfield
"""

APPLE_IOS = """Thursday works for me.

Sent from my iPhone

> On 2 Mar 2026, at 10:00, Dana Whitfield via Mentorship <reply+abc@reply.example.org> wrote:
>
> \ufeffHello Nia,
"""

APPLE_MAC = """Thursday works for me.
On the agenda: the aims page.

> On Mar 2, 2026, at 10:00 AM, Dana Whitfield via Mentorship <reply+abc@reply.example.org> wrote:
>
> Hello Nia,
"""

THUNDERBIRD = """Thursday works for me.

--
Nia Mensah
Resident, General Surgery

On 02/03/2026 10:00, Dana Whitfield via Mentorship wrote:
> Hello Nia,
"""

GMAIL_ONE_LINE = """Thursday works for me.

On Mon, Mar 2, 2026 at 10:00 AM Dana Whitfield <reply+abc@reply.example.org> wrote:

> Hello Nia,
"""

GMAIL_TWO_LINES_AT_WROTE = """Thursday works for me.

On Mon, Mar 2, 2026 at 10:00 AM Dana Whitfield via Mentorship <reply+abc@reply.example.org>
wrote:

> Hello Nia,
"""

FRENCH = """Jeudi me convient.

Le lun. 2 mars 2026 à 10:00, Dana Whitfield <reply+abc@reply.example.org> a écrit :

> Bonjour Nia,
"""

GERMAN = """Donnerstag passt.

Am Mo., 2. März 2026 um 10:00 Uhr schrieb Dana Whitfield <reply+abc@reply.example.org>:

> Hallo Nia,
"""


@pytest.mark.parametrize(
    "text",
    [
        OUTLOOK_DESKTOP,
        OUTLOOK_ORIGINAL,
        OUTLOOK_NO_RULE,
        APPLE_IOS,
        THUNDERBIRD,
        GMAIL_ONE_LINE,
        GMAIL_TWO_LINES_AT_WROTE,
    ],
)
def test_the_quote_attribution_and_signature_are_taken_off(text):
    stripped = inbound.strip_quoted(text.replace("\n", "\r\n"))
    assert stripped.startswith("Thursday works for me.")
    for gone in ("Hello Nia", "wrote", "From:", "Sent", "Resident", "Original Message", "Outlook", "_____"):
        assert gone not in stripped, (gone, stripped)
    assert stripped == stripped.rstrip()


def test_a_reply_keeps_its_own_lines_and_paragraphs():
    assert inbound.strip_quoted(OUTLOOK_DESKTOP) == "Thursday works for me.\n\nBest,\nNia"
    assert inbound.strip_quoted(APPLE_MAC) == "Thursday works for me.\nOn the agenda: the aims page."
    assert inbound.strip_quoted(FRENCH) == "Jeudi me convient."
    assert inbound.strip_quoted(GERMAN) == "Donnerstag passt."


def test_a_sentence_that_begins_with_on_is_not_an_attribution():
    text = "On Thursday I can meet.\nOn Mon, Mar 2, 2026 at 10:00 AM Dana Whitfield <\nreply+abc@x.org> wrote:\n> Hi"
    assert inbound.strip_quoted(text) == "On Thursday I can meet."
    assert inbound.strip_quoted("On second thought, Friday is better.\nNia") == (
        "On second thought, Friday is better.\nNia"
    )


def test_interleaved_quotes_go_and_the_answers_stay():
    text = "> Could we meet Thursday?\nYes, at 4.\n> And bring the aims page?\nI will.\n"
    assert inbound.strip_quoted(text) == "Yes, at 4.\nI will."


def test_only_quoted_text_or_whitespace_strips_to_nothing():
    assert inbound.strip_quoted("> Hello\n>\n> Could we meet?\n") == ""
    assert inbound.strip_quoted(" \n\t\n") == ""
    assert inbound.strip_quoted("\n\nOn Mon, 2 Mar 2026, Dana wrote:\n> Hi") == ""


def test_control_characters_and_trailing_whitespace_go():
    assert inbound.strip_quoted("Yes\x00 at\x07 4.   \n\n\n\nNia\t \n\n") == "Yes at 4.\n\nNia"


def test_the_notification_s_marker_cuts_too():
    text = f"Yes, at 4.\n\n## {inbound.REPLY_ABOVE_MARKER} ##\nHello Nia, ..."
    assert inbound.strip_quoted(text) == "Yes, at 4."


def test_format_flowed_lines_are_joined():
    raw = (
        b"From: Nia <nia@hospital.example>\nTo: reply+x@reply.example.org\n"
        b"Content-Type: text/plain; charset=utf-8; format=flowed\n\n"
        b"I will bring the draft of the grant application so we can \ngo through it together.\n\n"
        b"-- \nNia Mensah\n"
    )
    email = inbound.parse_message(raw)
    assert inbound.strip_quoted(email.text) == (
        "I will bring the draft of the grant application so we can go through it together."
    )


def test_html_to_text_keeps_paragraphs_and_drops_quotes_scripts_and_outlook_s_original():
    html = (
        "<html><head><style>p{color:red}</style><title>x</title></head><body>"
        "<p>Yes,&nbsp;at <b>4</b>.</p><div>Nia<br>Resident</div>"
        "<script>alert(1)</script>"
        "<blockquote type='cite'>On Mon, Dana wrote:<br>Hello</blockquote>"
        "<hr><div id='divRplyFwdMsg'><b>From:</b> Dana<br><b>Sent:</b> Monday</div><div>Hello Nia</div>"
        "</body></html>"
    )
    text = inbound.html_to_text(html)
    assert inbound.strip_quoted(text) == "Yes, at 4.\n\nNia\nResident"
    assert inbound.html_to_text("<p>unclosed <b>tags <div>and &amp; entities") == "unclosed tags\nand & entities"
    assert inbound.html_to_text("<div class='moz-cite-prefix'>On x wrote:</div><blockquote>q</blockquote>") == ""
