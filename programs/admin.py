from django.contrib import admin

from programs.models import AuditEvent, Invitation, Membership, Organization


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["user"]


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "contact_email", "contact_email_confirmed_at", "created_at"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organization", "status", "is_coordinator", "is_committee", "is_active"]
    list_filter = ["organization", "status", "is_coordinator", "is_committee", "is_active"]
    search_fields = ["user__email", "user__full_name"]
    raw_id_fields = ["user"]
    list_select_related = ["user", "organization"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "organization", "status", "created_at", "expires_at"]
    list_filter = ["organization", "status"]
    search_fields = ["email"]
    readonly_fields = ["token", "accepted_at", "accepted_by", "sent_at", "send_count"]
    raw_id_fields = ["invited_by"]


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "organization", "actor", "action", "summary"]
    list_filter = ["organization", "action"]
    readonly_fields = ["organization", "actor", "action", "summary", "data", "created_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
