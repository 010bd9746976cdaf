from django.utils.functional import SimpleLazyObject

from programs.nav import Navigation
from programs.selectors.organizations import memberships_for_user


def memberships(request):
    """The person's organizations (for the switcher) and what needs them in the current
    organization (the navigation's badges), each read only if a template asks."""
    user = getattr(request, "user", None)

    def _mine():
        if user is None or not user.is_authenticated:
            return []
        read = getattr(request, "active_memberships", None)  # an organization's page read them already
        if read is not None:
            return read
        return list(memberships_for_user(user=user))

    return {"my_memberships": SimpleLazyObject(_mine), "nav": Navigation(request)}
