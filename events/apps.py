from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "events"
    verbose_name = "Speed-mentoring events"

    def ready(self) -> None:
        from events.todos import todos
        from programs.dashboard import register_todos

        register_todos(todos)
