from django.apps import AppConfig


class ProgramsConfig(AppConfig):
    name = "programs"
    verbose_name = "Organizations and programs"

    def ready(self) -> None:
        from programs import adapters  # noqa: F401  (connects the sign-up signal receiver)
        from programs.dashboard import register_todos
        from programs.todos import todos

        register_todos(todos)

        from mentorship.mail import register_override
        from programs.services.messaging import find_override

        register_override(find_override)
