from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "integrations"
    verbose_name = "Webhooks and calendar feeds"

    def ready(self) -> None:
        from integrations.services.webhooks import on_domain_event
        from mentorship.domain_events import register_listener

        register_listener(on_domain_event)

        from integrations.privacy import calendar_eraser, calendar_part
        from privacy.registry import register_eraser, register_exporter

        register_exporter("calendar", calendar_part)
        register_eraser(calendar_eraser)
