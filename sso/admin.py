"""Site staff's view of the organizations' email-domain claims: a platform operator marks a
claim verified for an organization that cannot edit its DNS (``sso.services.domains``)."""

from django.contrib import admin, messages
from django_scopes import scopes_disabled

from mentorship.exceptions import ServiceError
from sso.models import DomainClaim
from sso.services import domains as domain_services


@admin.register(DomainClaim)
class DomainClaimAdmin(admin.ModelAdmin):
    list_display = ("domain", "organization", "verified_at", "verified_how", "verified_by")
    list_filter = ("verified_how",)
    search_fields = ("domain", "organization__name")
    readonly_fields = ("organization", "domain", "token", "created_at", "verified_at", "verified_by", "verified_how")
    list_select_related = ["organization", "verified_by"]
    actions = ["mark_verified"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Mark the selected domains verified (the organization owns them)")
    def mark_verified(self, request, queryset):
        with scopes_disabled():
            for claim in list(queryset):
                try:
                    domain_services.claim_mark_verified(staff_user=request.user, claim=claim)
                    self.message_user(request, f"{claim.domain} is verified for {claim.organization}.")
                except ServiceError as error:
                    self.message_user(request, error.message, level=messages.ERROR)
