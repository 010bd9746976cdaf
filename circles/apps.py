from django.apps import AppConfig


class CirclesConfig(AppConfig):
    name = "circles"
    verbose_name = "Group circles"

    def ready(self) -> None:
        from circles.todos import todos
        from programs.dashboard import register_todos

        register_todos(todos)
