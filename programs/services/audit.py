"""The audit log: one ``AuditEvent`` per business action, with the changes an edit made."""

from programs.models import AuditEvent, Organization


def audit(*, organization: Organization, actor, action: str, summary: str, **data) -> AuditEvent:
    return AuditEvent.objects.create(
        organization=organization, actor=actor, action=action, summary=summary[:300], data=data
    )


def apply_changes(obj, values) -> dict:
    """Set each (field, value) on ``obj``; return {field: [old, new]} for those that changed
    (for the audit trail). The caller saves when the result is not empty."""
    changes = {}
    for field, value in values:
        if getattr(obj, field) != value:
            changes[field] = [getattr(obj, field), value]
            setattr(obj, field, value)
    return changes
