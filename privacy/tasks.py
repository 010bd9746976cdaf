from celery import shared_task

from privacy.services import exports, retention


@shared_task(name="privacy.build_export")
def build_export(export_id: int) -> str | None:
    """Build a person's data export (``privacy.services.exports``)."""
    export = exports.run_export(export_id)
    return export.status if export else None


@shared_task(name="privacy.purge_exports")
def purge_exports() -> int:
    """Delete the files of expired exports."""
    return exports.purge_expired()


@shared_task(name="privacy.retention_scan")
def retention_scan() -> dict:
    """Notify, then anonymize, members inactive past their organization's retention period."""
    return retention.scan()
