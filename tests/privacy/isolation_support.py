"""Issue 20, personal data: the objects the isolation matrix and the bad-input world need."""

from datetime import timedelta

from django.core.files.base import ContentFile
from django.utils import timezone

from privacy.models import DataExport, ErasureRequest, ExportStatus
from privacy.services.exports import download_token


def privacy_ids(mentee) -> dict:
    """A ready export of the mentee (their own page and emailed link) and their pending
    request to be erased (the coordinators' pages)."""
    now = timezone.now()
    export = DataExport(user=mentee.user, status=ExportStatus.READY, progress=100, ready_at=now)
    export.expires_at = now + timedelta(days=7)
    export.file.save("export.zip", ContentFile(b"PK\x05\x06" + b"\0" * 18), save=False)
    export.size = export.file.size
    export.save()
    request = ErasureRequest.objects.create(
        organization=mentee.organization, membership=mentee, user=mentee.user, due_by=now + timedelta(days=30)
    )
    return {"data_export": export.pk, "data_export_token": download_token(export), "erasure_request": request.pk}
