"""allauth adapters: the kernel's part (no domain).

settings.ACCOUNT_ADAPTER names ``programs.adapters.InvitationAccountAdapter``, which adds
sign-up by invitation to ``AccountAdapter`` here.
"""

from types import SimpleNamespace
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from allauth.mfa.adapter import DefaultMFAAdapter
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.utils.html import strip_tags

from mentorship import mfa_secrets
from mentorship.clientaddr import client_ip
from mentorship.mail import RenderedEmail, html_from_text, queue_email


class AccountAdapter(DefaultAccountAdapter):
    """The site's allauth account adapter: client address, the one email path, no stashed
    address. Sign-up by invitation extends it (``programs.adapters``)."""

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


class MFAAdapter(DefaultMFAAdapter):
    """TOTP keys and recovery-code seeds are stored encrypted (FIELD_ENCRYPTION_KEYS)."""

    def encrypt(self, text: str) -> str:
        return mfa_secrets.encrypt(text)

    def decrypt(self, encrypted_text: str) -> str:
        return mfa_secrets.decrypt(encrypted_text)
