import logging
from types import SimpleNamespace
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.signals import user_signed_up
from allauth.core import context as allauth_context
from allauth.mfa.adapter import DefaultMFAAdapter
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.dispatch import receiver
from django.utils.html import strip_tags

from mentorship import mfa_secrets
from mentorship.clientaddr import client_ip
from mentorship.mail import RenderedEmail, html_from_text, queue_email

logger = logging.getLogger(__name__)

# The invitation link a signed-out visitor followed (its token, not its address).
INVITATION_SESSION_KEY = "invitation_token"


class AccountAdapter(DefaultAccountAdapter):
    def get_client_ip(self, request) -> str:
        """allauth's rate limits key on the same address as everything else (behind the TLS
        proxy: the client's, not the proxy's)."""
        address = client_ip(request)
        if not address:
            raise PermissionDenied("Unable to determine the client's address.")
        return address

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """allauth's emails (verification, password reset) go through the Celery email path,
        with text and HTML from the one email layout like every other email."""
        # allauth's templates greet "from {{ current_site.name }}": this site's name and
        # address (SITE_NAME, SITE_URL), as in every other email, not the request's Host.
        site = SimpleNamespace(name=settings.SITE_NAME, domain=urlsplit(settings.SITE_URL).netloc)
        context = {"request": getattr(allauth_context, "request", None), "email": email, **context}
        context["current_site"] = site
        msg = self.render_mail(template_prefix, email, context)
        html = None
        for content, mimetype in getattr(msg, "alternatives", []) or []:
            if mimetype == "text/html":
                html = content
        if getattr(msg, "content_subtype", "plain") == "html":
            html, body = msg.body, strip_tags(msg.body)
        else:
            body = msg.body
        queue_email(
            RenderedEmail(
                subject=msg.subject,
                body=body,
                html=html or html_from_text(msg.subject, body),
                to=list(msg.to),
                from_email=msg.from_email,
            )
        )

    def unstash_verified_email(self, request) -> str | None:
        # allauth would add a stashed address to the new account whatever the person
        # typed; we never stash one, so nobody can be handed an address they don't own.
        return None

    def is_email_verified(self, request, email: str) -> bool:
        """An address counts as verified at sign-up only if it is exactly the address of
        the still-open invitation whose emailed link this browser followed."""
        from programs.services import invitation_for_token

        token = request.session.get(INVITATION_SESSION_KEY) if hasattr(request, "session") else None
        if not token:
            return False
        invitation = invitation_for_token(token)
        return bool(invitation and invitation.is_open and invitation.email.lower() == email.strip().lower())


class MFAAdapter(DefaultMFAAdapter):
    """TOTP keys and recovery-code seeds are stored encrypted (FIELD_ENCRYPTION_KEYS)."""

    def encrypt(self, text: str) -> str:
        return mfa_secrets.encrypt(text)

    def decrypt(self, encrypted_text: str) -> str:
        return mfa_secrets.decrypt(encrypted_text)


@receiver(user_signed_up)
def _forget_invitation_token(request, user, **kwargs) -> None:
    if request is not None and hasattr(request, "session"):
        request.session.pop(INVITATION_SESSION_KEY, None)
