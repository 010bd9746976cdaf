from django.apps import AppConfig


class MatchingConfig(AppConfig):
    name = "matching"

    def ready(self) -> None:
        from matching.selectors.rankings import dashboard_context
        from matching.todos import todos
        from programs.dashboard import register_dashboard_context, register_todos

        register_todos(todos)
        register_dashboard_context(dashboard_context)
