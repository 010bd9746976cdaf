"""Sign-up by invitation: the site's allauth account adapter (settings.ACCOUNT_ADAPTER).

Following an invitation's emailed link proves the address (``views.organizations.invitation_accept``
remembers the link's token in the session); signing up with exactly that address then needs
no second verification email.
"""

from allauth.account.signals import user_signed_up
from django.dispatch import receiver

from mentorship.adapters import AccountAdapter
from programs.services.invitations import invitation_for_token

# The invitation link a signed-out visitor followed (its token, not its address).
INVITATION_SESSION_KEY = "invitation_token"


class InvitationAccountAdapter(AccountAdapter):
    def is_email_verified(self, request, email: str) -> bool:
        """An address counts as verified at sign-up only if it is exactly the address of
        the still-open invitation whose emailed link this browser followed."""
        token = request.session.get(INVITATION_SESSION_KEY) if hasattr(request, "session") else None
        if not token:
            return False
        invitation = invitation_for_token(token)
        return bool(invitation and invitation.is_open and invitation.email.lower() == email.strip().lower())


@receiver(user_signed_up)
def _forget_invitation_token(request, user, **kwargs) -> None:
    if request is not None and hasattr(request, "session"):
        request.session.pop(INVITATION_SESSION_KEY, None)
