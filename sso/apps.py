from django.apps import AppConfig


class SsoConfig(AppConfig):
    name = "sso"
    verbose_name = "Single sign-on"

    def ready(self) -> None:
        # The user_logged_in receiver that adds a member on their first SSO sign-in.
        from sso import adapters  # noqa: F401
