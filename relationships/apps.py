from django.apps import AppConfig


class RelationshipsConfig(AppConfig):
    name = "relationships"

    def ready(self) -> None:
        from programs.dashboard import register_dashboard_context, register_todos
        from relationships import todos
        from relationships.selectors import dashboard_context

        # The organization's dashboard lists the person's mentorships and what waits for them.
        register_dashboard_context(dashboard_context)
        register_todos(todos.todos)
