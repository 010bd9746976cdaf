from allauth.account.adapter import DefaultAccountAdapter

from mentorship.mail import RenderedEmail, queue_email


class AccountAdapter(DefaultAccountAdapter):
    """allauth's emails (verification, password reset) go through the Celery email path."""

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        msg = self.render_mail(template_prefix, email, context)
        html = None
        for content, mimetype in getattr(msg, "alternatives", []) or []:
            if mimetype == "text/html":
                html = content
        if getattr(msg, "content_subtype", "plain") == "html":
            html, body = msg.body, ""
        else:
            body = msg.body
        queue_email(
            RenderedEmail(subject=msg.subject, body=body, html=html, to=list(msg.to), from_email=msg.from_email)
        )
