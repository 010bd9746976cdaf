from django.apps import AppConfig


class RelationshipsConfig(AppConfig):
    name = "relationships"

    def ready(self) -> None:
        from programs.dashboard import register_dashboard_context
        from relationships.selectors import dashboard_context

        # The organization's home page lists the person's mentorships.
        register_dashboard_context(dashboard_context)
