from celery import shared_task

from programs.services.invitations import send_invitation_emails
from programs.services.messaging import deliver_announcement
from programs.services.roster import run_roster_import


@shared_task(name="programs.send_announcement", acks_late=True)
def send_announcement(announcement_id: int, membership_ids: list[int]) -> int:
    """An announcement's emails, one per recipient (``programs.services.messaging``)."""
    return deliver_announcement(announcement_id, membership_ids)


@shared_task(name="programs.apply_roster_import")
def apply_roster_import(roster_import_id: int) -> str:
    """Apply a confirmed roster import, all or nothing (``programs.services.roster``)."""
    return run_roster_import(roster_import_id).status


@shared_task(name="programs.send_roster_invitations", acks_late=True)
def send_roster_invitations(invitation_ids: list[int]) -> int:
    """The invitation emails of an applied roster import, a batch at a time."""
    return send_invitation_emails(invitation_ids)
