from django.apps import AppConfig


class MatchingConfig(AppConfig):
    name = "matching"

    def ready(self) -> None:
        from matching.todos import todos
        from programs.dashboard import register_todos

        register_todos(todos)
