"""Site staff see only the metadata of the pair's record: never an agenda, a summary, a
task's description or a private note (they are not in any list, form or read-only view)."""

from django.contrib import admin

from relationships.models import FollowUpTask, Meeting, PrivateNote


class MetadataOnlyAdmin(admin.ModelAdmin):
    """Read-only: the text fields are excluded from every view, and nothing can be edited
    (saving a form would otherwise be a way around the pair's confidentiality)."""

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def lookup_allowed(self, lookup, value, request=None):
        # Only the declared filters: URL lookups on other fields would let staff probe
        # the encrypted text (e.g. ?summary__isnull=) or plain fields around it.
        return lookup.split("__")[0] in {f if isinstance(f, str) else f[0] for f in self.list_filter}


@admin.register(Meeting)
class MeetingAdmin(MetadataOnlyAdmin):
    list_display = ("pk", "organization", "mentorship", "starts_at", "duration_minutes", "mode", "status", "stage")
    list_filter = ("status", "mode", "stage")
    list_select_related = (
        "organization",
        "mentorship__mentor__user",
        "mentorship__mentee__user",
        "mentorship__program",
    )
    date_hierarchy = "starts_at"
    fields = (
        "organization",
        "mentorship",
        "scheduled_by",
        "starts_at",
        "duration_minutes",
        "mode",
        "status",
        "uid",
        "sequence",
        "agenda_updated_at",
        "held_minutes",
        "logged_by",
        "logged_at",
        "stage",
        "created_at",
        "updated_at",
    )
    exclude = ("agenda", "summary", "location")


@admin.register(FollowUpTask)
class FollowUpTaskAdmin(MetadataOnlyAdmin):
    list_display = ("pk", "organization", "mentorship", "meeting", "owner", "due_on", "done_at")
    list_select_related = ("organization", "mentorship__mentor__user", "mentorship__mentee__user", "owner__user")
    fields = ("organization", "mentorship", "meeting", "owner", "due_on", "done_at", "created_by", "created_at")
    exclude = ("description",)


@admin.register(PrivateNote)
class PrivateNoteAdmin(MetadataOnlyAdmin):
    list_display = ("pk", "organization", "meeting", "author", "updated_at")
    list_select_related = ("organization", "meeting", "author__user")
    fields = ("organization", "meeting", "author", "updated_at")
    exclude = ("text",)
