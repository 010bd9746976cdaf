from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "privacy"
    verbose_name = "Personal data"

    def ready(self) -> None:
        from privacy import erasers, exporters
        from privacy.registry import register_eraser, register_exporter
        from privacy.todos import todos
        from programs.dashboard import register_todos

        for name, fn in exporters.BUILTIN.items():
            register_exporter(name, fn)
        for fn in erasers.BUILTIN:
            register_eraser(fn)
        register_todos(todos)
