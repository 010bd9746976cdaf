from django.conf import settings


def site(request):
    return {"site_name": settings.SITE_NAME}


def tenancy(request):
    """The current organization and membership (set by the tenancy middleware)."""
    return {
        "current_organization": getattr(request, "organization", None),
        "current_membership": getattr(request, "membership", None),
    }
