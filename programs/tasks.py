from celery import shared_task

from programs.services.messaging import deliver_announcement


@shared_task(name="programs.send_announcement", acks_late=True)
def send_announcement(announcement_id: int, membership_ids: list[int]) -> int:
    """An announcement's emails, one per recipient (``programs.services.messaging``)."""
    return deliver_announcement(announcement_id, membership_ids)
