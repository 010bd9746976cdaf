from django.apps import AppConfig


class MentorshipConfig(AppConfig):
    name = "mentorship"
    verbose_name = "Accounts and platform"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from mentorship import checks, freshness, observability, second_factor  # noqa: F401  (checks: registers the bucket check)
        from mentorship.middleware import stamp_session_on_login

        user_logged_in.connect(stamp_session_on_login, dispatch_uid="mentorship.stamp_session_on_login")
        second_factor.connect_signals()
        observability.connect_task_signals()
        freshness.connect()
