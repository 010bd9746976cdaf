from django.apps import AppConfig


class MentorshipConfig(AppConfig):
    name = "mentorship"
    verbose_name = "Accounts and platform"

    def ready(self) -> None:
        from mentorship import adapters  # noqa: F401  (connects the sign-up signal receiver)
