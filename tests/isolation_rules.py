"""The declared access rule of every URL of the project, read by tests/test_isolation_matrix.py.

A URL that the resolver knows and this file does not fails the matrix test: whoever adds a
view states here who may open it. Keys are URL names; a pattern without a name is keyed by
its route.

``allowed`` lists the roles that may use the URL with *their own* object ids (the pairing
P1 of mentor M1 and mentee E1, the objects of organization A). With the ids of another
pairing of A (P2) the mentor and the mentee lose any access they had through P1, and with
the ids of organization B nobody in A has access. Roles:

- ``anonymous``: not signed in;
- ``member``: a plain member of A, in no program;
- ``mentee`` / ``mentor``: E1 and M1, the pair of P1;
- ``committee``: a committee member of A;
- ``coordinator``: a coordinator of A;
- ``other_coordinator``: a coordinator of B (never a member of A).
"""

from dataclasses import dataclass, field

ANONYMOUS = "anonymous"
MEMBER = "member"
MENTEE = "mentee"
MENTOR = "mentor"
COMMITTEE = "committee"
COORDINATOR = "coordinator"
OTHER_COORDINATOR = "other_coordinator"
ROLES = (ANONYMOUS, MEMBER, MENTEE, MENTOR, COMMITTEE, COORDINATOR, OTHER_COORDINATOR)

SIGNED_IN = frozenset(ROLES) - {ANONYMOUS}
EVERYONE = frozenset(ROLES)
# Inside organization A:
MEMBERS = frozenset({MEMBER, MENTEE, MENTOR, COMMITTEE, COORDINATOR})
STAFF = frozenset({COMMITTEE, COORDINATOR})
COORDINATORS = frozenset({COORDINATOR})
PAIR = frozenset({MENTOR, MENTEE})
PAIR_AND_COORDINATORS = frozenset({MENTOR, MENTEE, COORDINATOR})  # coordinators: metadata only
ONLY_MENTEE = frozenset({MENTEE})
ONLY_MENTOR = frozenset({MENTOR})

GET = ("GET",)
POST = ("POST",)
BOTH = ("GET", "POST")

# Values that are not object ids: no other-pairing or other-organization variant.
NOT_OBJECTS = frozenset({"role", "health_table", "email_kind", "mail_message"})

# Object kinds that belong to one pairing or one person: with the P2 variant the pair of
# P1 must lose access. The other kinds (a program, a hub, a survey...) belong to the
# organization as a whole.
PERSONAL_KINDS = frozenset(
    {
        "mentorship",
        "meeting",
        "message",
        "task",
        "goal",
        "document",
        "agreement",
        "report_year",
        "report_quarter",
        "request",
        "offer",
        "application",
        "profile",
        "survey_token",
        "notification",
        # Issue 19: a circle is its people's (the pairing's mentor facilitates it, its mentee is a member).
        "circle",
        "circle_member",
        "circle_facilitator",
        "circle_signature",
        # The circle's record: its meeting (the circle's people) and one person's private note.
        "circle_meeting",
        "circle_note",
        # A speed-mentoring event (issue 19): its participants' schedules and private picks.
        "speed_event",
        "speed_participant",
    }
)


@dataclass(frozen=True)
class Rule:
    allowed: frozenset
    ids: dict = field(default_factory=dict)  # URL kwarg -> object kind
    methods: tuple = BOTH  # the methods the view answers; others get 405
    program: str = "society"  # which program of the organization fills <program_slug>
    extra_ok: frozenset = frozenset()  # further statuses an allowed role may get (with the reason in note)
    post_allowed: frozenset | None = None  # who may POST, when fewer than ``allowed`` (who may GET)
    note: str = ""

    def allows(self, role: str, method: str) -> bool:
        if method == "POST" and self.post_allowed is not None:
            return role in self.post_allowed
        return role in self.allowed


PAIR_IDS = {"pk": "mentorship"}
MEETING_IDS = {"pk": "mentorship", "meeting_pk": "meeting"}
MESSAGE_IDS = {"pk": "mentorship", "message_pk": "message"}
CIRCLE_MEETING_IDS = {"pk": "circle", "meeting_pk": "circle_meeting"}
CIRCLE_NOTE_IDS = {"pk": "circle", "note_pk": "circle_note"}
SPEED_IDS = {"pk": "speed_event"}

RULES: dict[str, Rule] = {
    # --- Outside any organization ---------------------------------------------------------
    "home": Rule(EVERYONE),
    "favicon.ico": Rule(EVERYONE, note="a redirect to the static icon"),
    "profile": Rule(SIGNED_IN),
    "organization_create": Rule(SIGNED_IN),
    "organization_contact_confirm": Rule(
        EVERYONE, ids={"token": "contact_token"}, note="the link emailed to the contact address is the credential"
    ),
    "invitation_accept": Rule(EVERYONE, ids={"token": "invitation_token"}, note="the emailed token is the credential"),
    # The development mailbox: off in the tests (404 for everyone); in `make run` open to anyone on
    # the developer's machine (a new account's verification link arrives there).
    "dev_mailbox": Rule(EVERYONE, methods=GET, extra_ok=frozenset({404}), note="404 unless DEV_MAILBOX"),
    "dev_mailbox_message": Rule(
        EVERYONE, ids={"message_id": "mail_message"}, methods=GET, extra_ok=frozenset({404}), note="as dev_mailbox"
    ),
    "dev_mailbox_message_html": Rule(
        EVERYONE, ids={"message_id": "mail_message"}, methods=GET, extra_ok=frozenset({404}), note="as dev_mailbox"
    ),
    "agreement_verify": Rule(EVERYONE, note="public: says whether a hash or PDF matches, nothing more"),
    "nudges_unsubscribe": Rule(
        EVERYONE,
        ids={"token": "unsubscribe_token"},
        note="the signed token emailed in a nudge is the credential (RFC 8058 one-click: no sign-in, no CSRF)",
    ),
    "inbound_email": Rule(
        EVERYONE,
        methods=POST,
        extra_ok=frozenset({401, 404}),
        note="the mail provider's webhook: the shared secret is the credential, no session gives access (401), "
        "404 unless REPLY_BY_EMAIL (tests/relationships/test_issue18_reply_by_email.py drives it on)",
    ),
    # allauth: account pages of the signed-in user, or the public sign-in/up/reset flow.
    "account_login": Rule(EVERYONE),
    "account_logout": Rule(EVERYONE),
    "account_inactive": Rule(EVERYONE, methods=GET),
    "account_signup": Rule(EVERYONE),
    "account_reauthenticate": Rule(SIGNED_IN),
    "account_email": Rule(SIGNED_IN),
    "account_email_verification_sent": Rule(EVERYONE, methods=GET),
    "account_change_password": Rule(SIGNED_IN),
    "account_set_password": Rule(SIGNED_IN),
    "account_reset_password": Rule(EVERYONE),
    "account_confirm_login_code": Rule(EVERYONE),
    "account_confirm_email": Rule(EVERYONE, extra_ok=frozenset({404}), note="an unknown key is a 404"),
    "account_reset_password_from_key_done": Rule(EVERYONE, methods=GET),
    "account_reset_password_from_key": Rule(EVERYONE, extra_ok=frozenset({404}), note="an unknown key is a 404"),
    "account_reset_password_done": Rule(EVERYONE, methods=GET),
    "mfa_index": Rule(SIGNED_IN, methods=GET),
    "mfa_authenticate": Rule(EVERYONE, note="only during a sign-in in progress; otherwise a redirect"),
    "mfa_reauthenticate": Rule(SIGNED_IN),
    "mfa_activate_totp": Rule(SIGNED_IN),
    "mfa_deactivate_totp": Rule(SIGNED_IN, extra_ok=frozenset({404}), note="404 without an authenticator app"),
    "mfa_view_recovery_codes": Rule(
        SIGNED_IN, methods=GET, extra_ok=frozenset({404}), note="404 without recovery codes"
    ),
    "mfa_generate_recovery_codes": Rule(SIGNED_IN),
    "mfa_download_recovery_codes": Rule(SIGNED_IN, extra_ok=frozenset({404}), note="404 without recovery codes"),
    "mfa_list_webauthn": Rule(SIGNED_IN, methods=GET),
    "mfa_add_webauthn": Rule(SIGNED_IN),
    "mfa_reauthenticate_webauthn": Rule(SIGNED_IN),
    "mfa_remove_webauthn": Rule(SIGNED_IN, extra_ok=frozenset({404}), note="the user's own keys only"),
    "mfa_edit_webauthn": Rule(SIGNED_IN, extra_ok=frozenset({404}), note="the user's own keys only"),
    # --- Organization: members, invitations, settings ---------------------------------------
    "organization_dashboard": Rule(MEMBERS),
    "nav_badges": Rule(MEMBERS, methods=GET),
    # The notification centre: a person's own notifications (the world's is the mentee's).
    "notification_list": Rule(MEMBERS, methods=GET),
    "notifications_read_all": Rule(MEMBERS, methods=POST),
    "notification_open": Rule(
        ONLY_MENTEE, ids={"pk": "notification"}, methods=GET, note="marks it read, then a local redirect"
    ),
    "notification_read": Rule(ONLY_MENTEE, ids={"pk": "notification"}, methods=POST),
    "member_list": Rule(STAFF),
    "member_list_csv": Rule(COORDINATORS),
    "organization_search": Rule(COORDINATORS, methods=GET),
    "member_edit": Rule(COORDINATORS, ids={"pk": "membership"}),
    "invitations": Rule(COORDINATORS),
    "invitation_resend": Rule(COORDINATORS, ids={"pk": "invitation"}, methods=POST),
    "invitation_revoke": Rule(COORDINATORS, ids={"pk": "invitation"}, methods=POST),
    "organization_settings": Rule(COORDINATORS),
    "organization_contact_resend": Rule(COORDINATORS, methods=POST),
    "email_template_list": Rule(COORDINATORS, methods=GET),
    "email_template_edit": Rule(COORDINATORS, ids={"kind": "email_kind"}),
    "email_template_reset": Rule(COORDINATORS, ids={"kind": "email_kind"}, methods=POST),
    "email_template_preview": Rule(
        COORDINATORS,
        ids={"kind": "email_kind"},
        methods=GET,
        extra_ok=frozenset({404}),
        note="the person's last preview, from their session: 404 before they press Preview",
    ),
    "roster_import": Rule(COORDINATORS),
    "roster_template": Rule(COORDINATORS, methods=GET),
    "roster_preview": Rule(COORDINATORS, ids={"pk": "roster"}),
    "roster_progress": Rule(COORDINATORS, ids={"pk": "roster"}, methods=GET),
    # --- Programs -----------------------------------------------------------------------------
    "program_list": Rule(MEMBERS),
    "program_create": Rule(COORDINATORS),
    "program_detail": Rule(MEMBERS),
    "program_edit": Rule(COORDINATORS),
    "program_announcements": Rule(COORDINATORS),
    "program_guide": Rule(MEMBERS, note="a file download; a POST is answered like a GET"),
    "mentor_directory": Rule(
        frozenset({MENTEE, COORDINATOR}), program="alumni", note="the program's mentees and its coordinators"
    ),
    "program_resources": Rule(MEMBERS),
    "program_resources_edit": Rule(COORDINATORS),
    # --- Applications ---------------------------------------------------------------------------
    "application_start": Rule(
        MEMBERS, ids={"role": "role"}, note="GET says why one is not eligible (or goes back to the program)"
    ),
    "application_list": Rule(COORDINATORS),
    "application_list_csv": Rule(COORDINATORS),
    "application_review": Rule(COORDINATORS, ids={"pk": "application"}),
    "application_edit": Rule(ONLY_MENTEE, ids={"pk": "application"}, note="the applicant only"),
    "application_withdraw": Rule(ONLY_MENTEE, ids={"pk": "application"}, methods=POST),
    # --- Hubs ---------------------------------------------------------------------------------
    "hub_list": Rule(MEMBERS, program="hubs"),
    "hub_create": Rule(COORDINATORS, program="hubs"),
    "hub_edit": Rule(COORDINATORS, ids={"pk": "hub"}, program="hubs"),
    "hub_set_active": Rule(COORDINATORS, ids={"pk": "hub"}, program="hubs", methods=POST),
    "hub_delete": Rule(COORDINATORS, ids={"pk": "hub"}, program="hubs", methods=POST),
    "hub_mentor_add": Rule(COORDINATORS, ids={"pk": "hub"}, program="hubs", methods=POST),
    "hub_mentor_search": Rule(COORDINATORS, ids={"pk": "hub"}, program="hubs", methods=GET),
    "hub_mentor_capacity": Rule(COORDINATORS, ids={"pk": "hub_mentor"}, program="hubs", methods=POST),
    "hub_mentor_remove": Rule(COORDINATORS, ids={"pk": "hub_mentor"}, program="hubs", methods=POST),
    "affinity_group_create": Rule(COORDINATORS, program="hubs"),
    "affinity_group_edit": Rule(COORDINATORS, ids={"pk": "affinity_group"}, program="hubs"),
    "affinity_group_delete": Rule(COORDINATORS, ids={"pk": "affinity_group"}, program="hubs", methods=POST),
    # --- Profiles and CVs -------------------------------------------------------------------------
    "my_profile": Rule(MEMBERS),
    "profile_cv_upload": Rule(MEMBERS, methods=POST),
    "profile_cv_remove": Rule(MEMBERS, methods=POST),
    "profile_cv_share": Rule(MEMBERS, methods=POST),
    "profile_cv_unshare": Rule(MEMBERS, ids={"pk": "membership"}, methods=POST, note="from one's own profile"),
    "profile_cv": Rule(ONLY_MENTOR, ids={"pk": "profile"}, methods=GET, note="the owner and whom they shared it with"),
    # --- Matching -----------------------------------------------------------------------------------
    "request_create": Rule(
        frozenset({MENTEE, COORDINATOR}),
        ids={"mentor_pk": "alumni_mentor"},
        program="alumni",
        note="shows the biosketch: the mentor directory's rule (issue 13 item 1)",
    ),
    "program_requests": Rule(
        COORDINATORS, program="alumni", extra_ok=frozenset({404}), note="a POST without a request id is a 404"
    ),
    "program_mentorships": Rule(COORDINATORS),
    "program_mentorships_csv": Rule(COORDINATORS),
    "program_pairings": Rule(COORDINATORS),
    "proposal_withdraw": Rule(COORDINATORS, ids={"pk": "proposal"}, methods=POST),
    "committee_review": Rule(STAFF),
    "proposal_vote": Rule(STAFF, ids={"pk": "proposal"}, methods=POST),
    "proposal_finalize": Rule(COORDINATORS, ids={"pk": "proposal"}, methods=POST),
    "finalize_approved": Rule(COORDINATORS, note="GET confirms, POST finalizes what the committee approved"),
    "participant_remove": Rule(COORDINATORS, ids={"membership_pk": "membership"}, methods=POST),
    "senior_mentors_pair": Rule(COORDINATORS, program="hubs", methods=POST),
    "match_rounds": Rule(COORDINATORS),
    "match_round_detail": Rule(COORDINATORS, ids={"pk": "match_round"}),
    "match_round_action": Rule(COORDINATORS, ids={"pk": "match_round"}, methods=POST),
    # Circles (issue 19): the program's circles page is every member's (the program's accepted
    # members join and rank there; anyone else is told to apply); a circle's page is its people's
    # and, as metadata only, the coordinators'.
    "circle_list": Rule(MEMBERS, methods=GET, program="circles"),
    "circle_create": Rule(COORDINATORS, program="circles"),
    "circle_choices": Rule(MEMBERS, program="circles", note="non-members are told to apply first"),
    "circle_rounds": Rule(COORDINATORS, program="circles"),
    "circle_round_detail": Rule(STAFF, ids={"pk": "circle_round"}, methods=GET, program="circles"),
    "circle_round_action": Rule(COORDINATORS, ids={"pk": "circle_round"}, methods=POST, program="circles"),
    "circle_round_vote": Rule(
        frozenset({COMMITTEE}), ids={"pk": "circle_round"}, methods=POST, program="circles", note="committee only"
    ),
    "circle_detail": Rule(
        PAIR_AND_COORDINATORS, ids={"pk": "circle"}, methods=GET, program="circles", note="coordinators: metadata only"
    ),
    "circle_edit": Rule(COORDINATORS, ids={"pk": "circle"}, program="circles"),
    "circle_end": Rule(COORDINATORS, ids={"pk": "circle"}, methods=POST, program="circles"),
    "circle_member_add": Rule(COORDINATORS, ids={"pk": "circle"}, program="circles"),
    "circle_member_remove": Rule(
        COORDINATORS, ids={"pk": "circle", "place_pk": "circle_member"}, methods=POST, program="circles"
    ),
    "circle_facilitator_replace": Rule(
        COORDINATORS, ids={"pk": "circle", "place_pk": "circle_facilitator"}, program="circles"
    ),
    "circle_join": Rule(
        MEMBERS,
        ids={"pk": "circle"},
        methods=POST,
        program="circles",
        extra_ok=frozenset({404}),
        note="any member may ask to join an open circle; a circle not open to join is a 404 to those outside it",
    ),
    "circle_leave": Rule(PAIR, ids={"pk": "circle"}, methods=POST, program="circles"),
    "circle_agreement": Rule(PAIR, ids={"pk": "circle"}, program="circles"),
    "circle_agreement_pdf": Rule(
        frozenset({MENTEE, COORDINATOR}),
        ids={"pk": "circle", "signature_pk": "circle_signature"},
        methods=GET,
        program="circles",
        note="the signer (the mentee's signature) and coordinators",
    ),
    # The circle's record (issue 19): its people only (404 to coordinators, whose circle page shows
    # counts); facilitators (the mentor) schedule, move, cancel, write the agenda and the summary and
    # record attendance; a private note is its author's alone (the mentee's, here).
    "circle_meeting_new": Rule(ONLY_MENTOR, ids={"pk": "circle"}, program="circles"),
    "circle_meeting_detail": Rule(PAIR, ids=CIRCLE_MEETING_IDS, methods=GET, program="circles"),
    "circle_meeting_ics": Rule(PAIR, ids=CIRCLE_MEETING_IDS, methods=GET, program="circles"),
    "circle_meeting_move": Rule(ONLY_MENTOR, ids=CIRCLE_MEETING_IDS, methods=POST, program="circles"),
    "circle_meeting_cancel": Rule(ONLY_MENTOR, ids=CIRCLE_MEETING_IDS, methods=POST, program="circles"),
    "circle_meeting_rsvp": Rule(PAIR, ids=CIRCLE_MEETING_IDS, methods=POST, program="circles"),
    "circle_meeting_agenda": Rule(ONLY_MENTOR, ids=CIRCLE_MEETING_IDS, methods=POST, program="circles"),
    "circle_meeting_summary": Rule(ONLY_MENTOR, ids=CIRCLE_MEETING_IDS, methods=POST, program="circles"),
    "circle_meeting_attendance": Rule(ONLY_MENTOR, ids=CIRCLE_MEETING_IDS, methods=POST, program="circles"),
    "circle_meeting_note": Rule(PAIR, ids=CIRCLE_MEETING_IDS, methods=POST, program="circles"),
    "circle_notes": Rule(PAIR, ids={"pk": "circle"}, program="circles", note="each reads only their own notes"),
    "circle_note_edit": Rule(ONLY_MENTEE, ids=CIRCLE_NOTE_IDS, program="circles", note="the note's author"),
    "circle_note_delete": Rule(ONLY_MENTEE, ids=CIRCLE_NOTE_IDS, methods=POST, program="circles"),
    "ranking": Rule(
        frozenset(),
        extra_ok=frozenset({403}),
        note="only people in a stable-mode program's pool while it asks for rankings (nobody here); "
        "a GET is a 404, a POST from outside the pool a 403",
    ),
    "offer_list": Rule(MEMBERS),
    "offer_respond": Rule(PAIR, ids={"pk": "offer"}, methods=POST, note="the two people offered"),
    "request_list": Rule(MEMBERS),
    "request_accept": Rule(ONLY_MENTOR, ids={"pk": "request"}, methods=POST),
    "request_decline": Rule(ONLY_MENTOR, ids={"pk": "request"}, methods=POST),
    "request_withdraw": Rule(ONLY_MENTEE, ids={"pk": "request"}, methods=POST),
    "mentorship_detail": Rule(PAIR_AND_COORDINATORS, ids=PAIR_IDS),
    "mentorship_end": Rule(PAIR, ids=PAIR_IDS, methods=POST),
    # --- Agreements -------------------------------------------------------------------------------
    "agreement_detail": Rule(PAIR_AND_COORDINATORS, ids=PAIR_IDS),
    "agreement_version": Rule(PAIR, ids={"pk": "mentorship", "version": "agreement_version"}),
    "program_agreements": Rule(COORDINATORS),
    "agreement_template": Rule(COORDINATORS),
    "agreement_pdf": Rule(PAIR_AND_COORDINATORS, ids={"pk": "agreement"}),
    "mentorship_review": Rule(PAIR_AND_COORDINATORS, ids=PAIR_IDS, post_allowed=PAIR, note="only the pair answers"),
    "mentorship_checklist": Rule(PAIR, ids=PAIR_IDS),
    "mentorship_document": Rule(PAIR, ids={"pk": "mentorship", "doc_pk": "document"}, methods=GET),
    "mentorship_document_remove": Rule(
        ONLY_MENTEE, ids={"pk": "mentorship", "doc_pk": "document"}, methods=POST, note="the uploader"
    ),
    # --- The pair's record -------------------------------------------------------------------------
    # The pair's conversation (issue 18): the pair only; the message's author (E1) edits and removes it.
    "conversation": Rule(PAIR, ids=PAIR_IDS),
    "conversation_messages": Rule(PAIR, ids=PAIR_IDS, methods=GET),
    "message_edit": Rule(ONLY_MENTEE, ids=MESSAGE_IDS, note="only the author, within five minutes"),
    "message_remove": Rule(ONLY_MENTEE, ids=MESSAGE_IDS, note="only the author"),
    "message_attachment": Rule(PAIR, ids=MESSAGE_IDS, methods=GET),
    "meeting_list": Rule(PAIR, ids=PAIR_IDS),
    "meeting_detail": Rule(PAIR, ids=MEETING_IDS, methods=GET),
    "meeting_ics": Rule(PAIR, ids=MEETING_IDS, methods=GET),
    "meeting_reschedule": Rule(PAIR, ids=MEETING_IDS, methods=POST),
    "meeting_cancel": Rule(PAIR, ids=MEETING_IDS, methods=POST),
    "meeting_agenda": Rule(PAIR, ids=MEETING_IDS, methods=POST),
    "meeting_log": Rule(PAIR, ids=MEETING_IDS, methods=POST),
    "meeting_task_add": Rule(PAIR, ids=MEETING_IDS, methods=POST),
    "meeting_task_done": Rule(PAIR, ids={"pk": "mentorship", "task_pk": "task"}, methods=POST),
    "meeting_note": Rule(PAIR, ids=MEETING_IDS, methods=POST),
    "goal_list": Rule(PAIR, ids=PAIR_IDS),
    "goal_detail": Rule(PAIR, ids={"pk": "mentorship", "goal_pk": "goal"}),
    "stage_set": Rule(PAIR, ids=PAIR_IDS, methods=POST),
    # --- Periodic work: reminders, reports, surveys, feedback, health -----------------------------
    "reminder_log": Rule(COORDINATORS),
    "reminder_log_csv": Rule(COORDINATORS),
    "notification_settings": Rule(MEMBERS),
    "quarterly_report": Rule(PAIR, ids=PAIR_IDS),
    "quarterly_report_edit": Rule(PAIR, ids={"pk": "mentorship", "year": "report_year", "quarter": "report_quarter"}),
    "program_reports": Rule(COORDINATORS),
    "program_reports_csv": Rule(COORDINATORS),
    "survey_list": Rule(COORDINATORS),
    "survey_create": Rule(COORDINATORS),
    "my_surveys": Rule(MEMBERS),
    "survey_answer": Rule(ONLY_MENTEE, ids={"token": "survey_token"}, note="the invitee only"),
    "survey_edit": Rule(COORDINATORS, ids={"pk": "survey"}),
    "survey_activate": Rule(COORDINATORS, ids={"pk": "survey"}, methods=POST),
    "survey_close": Rule(COORDINATORS, ids={"pk": "survey"}, methods=POST),
    "survey_send_now": Rule(COORDINATORS, ids={"pk": "survey"}, methods=POST),
    "survey_duplicate": Rule(COORDINATORS, ids={"pk": "survey"}, methods=POST),
    "survey_results": Rule(COORDINATORS, ids={"pk": "survey"}),
    "survey_results_csv": Rule(COORDINATORS, ids={"pk": "survey"}, methods=GET),
    "feedback": Rule(MEMBERS),
    "feedback_list": Rule(COORDINATORS),
    "feedback_handle": Rule(COORDINATORS, ids={"pk": "feedback"}, methods=POST),
    "health_dashboard": Rule(COORDINATORS, methods=GET),
    "health_csv": Rule(COORDINATORS, ids={"table": "health_table"}, methods=GET),
    "redcap_export": Rule(COORDINATORS, methods=GET),
    "redcap_records": Rule(COORDINATORS, methods=GET),
    "redcap_dictionary": Rule(COORDINATORS, methods=GET),
    # --- Speed-mentoring events (issue 19) ---------------------------------------------------------
    "speed_events": Rule(COORDINATORS),
    "speed_event_detail": Rule(COORDINATORS, ids=SPEED_IDS, methods=GET),
    "speed_event_edit": Rule(COORDINATORS, ids=SPEED_IDS),
    "speed_participant_add": Rule(COORDINATORS, ids=SPEED_IDS, methods=POST),
    "speed_participants_add_approved": Rule(COORDINATORS, ids=SPEED_IDS, methods=POST),
    "speed_participant_remove": Rule(
        COORDINATORS, ids={"pk": "speed_event", "participant_pk": "speed_participant"}, methods=POST
    ),
    "speed_schedule_build": Rule(COORDINATORS, ids=SPEED_IDS, methods=POST),
    "speed_event_grid": Rule(COORDINATORS, ids=SPEED_IDS, methods=GET),
    "speed_schedules_pdf": Rule(COORDINATORS, ids=SPEED_IDS, methods=GET),
    "speed_table_cards_pdf": Rule(COORDINATORS, ids=SPEED_IDS, methods=GET),
    "speed_event_held": Rule(COORDINATORS, ids=SPEED_IDS, methods=POST),
    "speed_event_offer": Rule(COORDINATORS, ids=SPEED_IDS, methods=POST),
    "speed_checkin": Rule(COORDINATORS, ids=SPEED_IDS, methods=GET, note="the desk: coordinators at the event"),
    "speed_checkin_toggle": Rule(
        COORDINATORS, ids={"pk": "speed_event", "participant_pk": "speed_participant"}, methods=POST
    ),
    # A participant's own schedule and picks: the event's participants only (P1's pair takes
    # part in P1's event); coordinators see the grid and counts instead.
    "speed_event_mine": Rule(PAIR, ids=SPEED_IDS, methods=GET),
    "speed_event_picks": Rule(PAIR, ids=SPEED_IDS, note="picks are private to the chooser"),
    # --- Issue 20: webhooks (coordinators of the organization) and calendar feeds (one's own) ---
    "webhook_list": Rule(COORDINATORS, methods=GET),
    "webhook_add": Rule(COORDINATORS),
    "webhook_edit": Rule(COORDINATORS, ids={"pk": "webhook"}),
    "webhook_rotate": Rule(COORDINATORS, ids={"pk": "webhook"}, methods=POST),
    "webhook_toggle": Rule(COORDINATORS, ids={"pk": "webhook"}, methods=POST),
    "webhook_delete": Rule(COORDINATORS, ids={"pk": "webhook"}, methods=POST),
    "webhook_ping": Rule(COORDINATORS, ids={"pk": "webhook"}, methods=POST),
    "webhook_deliveries": Rule(COORDINATORS, ids={"pk": "webhook"}, methods=GET),
    "webhook_redeliver": Rule(COORDINATORS, ids={"pk": "webhook", "delivery_pk": "webhook_delivery"}, methods=POST),
    "calendar_settings": Rule(SIGNED_IN, methods=GET, note="the signed-in person's own link"),
    "calendar_create": Rule(SIGNED_IN, methods=POST, note="makes or resets the signed-in person's own link"),
    "calendar_turn_off": Rule(SIGNED_IN, methods=POST, note="revokes the signed-in person's own link"),
    "calendar_feed": Rule(
        EVERYONE,
        ids={"token": "calendar_token"},
        methods=GET,
        note="the private token in the URL is the credential (calendar programs fetch it without a session)",
    ),
    # --- Personal data: export, erasure, retention (issue 20) ------------------------------------
    # A person's own privacy page and requests, outside any organization.
    "privacy_home": Rule(SIGNED_IN, methods=GET),
    "privacy_export_request": Rule(SIGNED_IN, methods=POST),
    "privacy_erasure_request": Rule(SIGNED_IN, methods=POST),
    # One person's export (the world's is P1's mentee's): only theirs, the link needs their session too.
    "privacy_export_progress": Rule(ONLY_MENTEE, ids={"pk": "data_export"}, methods=GET),
    "privacy_export_download": Rule(
        ONLY_MENTEE, ids={"pk": "data_export", "token": "data_export_token"}, methods=GET, note="signed token + owner"
    ),
    # The organization's side: requests to be erased and the retention period.
    "privacy_requests": Rule(COORDINATORS, methods=GET),
    "privacy_request_detail": Rule(COORDINATORS, ids={"pk": "erasure_request"}),
    "privacy_settings": Rule(COORDINATORS),
    # --- Single sign-on (issue 20, sso/) ---------------------------------------------------------
    "sso_connection_list": Rule(COORDINATORS, methods=GET),
    "sso_connection_add": Rule(COORDINATORS, ids={"kind": "sso_kind"}),
    "sso_connection_edit": Rule(COORDINATORS, ids={"pk": "sso_connection"}),
    "sso_connection_test": Rule(COORDINATORS, ids={"pk": "sso_connection"}, methods=POST),
    "sso_connection_enabled": Rule(COORDINATORS, ids={"pk": "sso_connection"}, methods=POST),
    "sso_connection_delete": Rule(COORDINATORS, ids={"pk": "sso_connection"}, methods=POST),
    # Signing in through an organization's provider happens before signing in: public pages.
    "sso_sign_in": Rule(EVERYONE),
    "sso_start": Rule(EVERYONE, ids={"organization": "sso_org"}, methods=GET, note="the organization's SSO buttons"),
    "sso_go": Rule(
        EVERYONE,
        ids={"key": "sso_key"},
        methods=POST,
        extra_ok=frozenset({404}),
        note="an unknown connection key: 404 (tests/sso drive the real flow)",
    ),
    # allauth's social accounts: the provider's redirects (tests/sso drive them against real
    # providers; here the connection named in the address does not exist: 404).
    "openid_connect_login": Rule(EVERYONE, ids={"provider_id": "sso_provider_id"}, extra_ok=frozenset({404})),
    "openid_connect_callback": Rule(EVERYONE, ids={"provider_id": "sso_provider_id"}, extra_ok=frozenset({404})),
    "saml_login": Rule(EVERYONE, ids={"organization_slug": "sso_provider_id"}, extra_ok=frozenset({404})),
    "saml_acs": Rule(EVERYONE, ids={"organization_slug": "sso_provider_id"}, extra_ok=frozenset({404})),
    "saml_finish_acs": Rule(EVERYONE, ids={"organization_slug": "sso_provider_id"}, extra_ok=frozenset({404})),
    "saml_sls": Rule(EVERYONE, ids={"organization_slug": "sso_provider_id"}, extra_ok=frozenset({404})),
    "saml_metadata": Rule(EVERYONE, ids={"organization_slug": "sso_provider_id"}, extra_ok=frozenset({404})),
    "socialaccount_login_cancelled": Rule(EVERYONE, methods=GET),
    "socialaccount_login_error": Rule(EVERYONE, methods=GET, extra_ok=frozenset({401}), note="allauth answers 401"),
    "socialaccount_connections": Rule(SIGNED_IN, note="the person's own linked identities"),
    # allauth's old addresses: a permanent redirect to the new one, whoever asks.
    "accounts/social/signup/": Rule(EVERYONE, extra_ok=frozenset({301}), note="old address"),
    "accounts/social/login/cancelled/": Rule(EVERYONE, note="old address"),
    "accounts/social/login/error/": Rule(EVERYONE, note="old address"),
    "accounts/social/connections/": Rule(EVERYONE, note="old address of socialaccount_connections"),
    # --- The REST API's tokens (issue 20: api/) -----------------------------------------------------
    "api_tokens": Rule(COORDINATORS, methods=GET),
    "api_token_create": Rule(COORDINATORS),
    "api_token_revoke": Rule(COORDINATORS, ids={"pk": "api_token"}, methods=POST),
    # --- SSO domain verification (issue 20 review, sso/): the world's claim is already verified,
    # so no DNS question is asked here (tests/sso/test_domains.py asks a loopback DNS server).
    "sso_domain_verify": Rule(COORDINATORS, ids={"pk": "sso_connection", "claim": "sso_domain_claim"}, methods=POST),
}
# Issue 20: values in single sign-on addresses that are not objects of an organization.
NOT_OBJECTS = NOT_OBJECTS | {"sso_kind", "sso_org", "sso_provider_id", "sso_key"}

# URL prefixes the matrix does not walk, with the reason.
SKIPPED_PREFIXES = {
    "admin/": "the Django admin is for site staff (is_staff) only; none of the matrix's roles is staff, and the "
    "admin's own login is behind allauth (tests/test_session_security.py covers it)",
    # Issue 20: the REST API answers bearer tokens only (a session is no credential: 401 for every
    # role); tests/api/test_token_matrix.py walks every operation x scope x organization x token.
    "api/v1/": "the REST API takes API tokens, not sessions; tests/api/ has its own token matrix",
}

# Issue 20: allauth's sign-up form of a pending SSO sign-in. Without one it sends everyone,
# signed in or not, to the sign-in page; tests/sso drive it with real identity providers.
SKIPPED_PREFIXES["accounts/3rdparty/signup/"] = "the social sign-up form needs a pending SSO sign-in (tests/sso)"
