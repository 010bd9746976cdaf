from django.conf import settings
from django.utils.functional import SimpleLazyObject


def site(request):
    return {"site_name": settings.SITE_NAME}


def tenancy(request):
    """The current organization and membership, and the person's organizations (for the switcher)."""
    from programs.selectors import memberships_for_user

    user = getattr(request, "user", None)

    def _mine():
        if user is None or not user.is_authenticated:
            return []
        return list(memberships_for_user(user=user))

    return {
        "current_organization": getattr(request, "organization", None),
        "current_membership": getattr(request, "membership", None),
        "my_memberships": SimpleLazyObject(_mine),
    }
