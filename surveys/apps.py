from django.apps import AppConfig


class SurveysConfig(AppConfig):
    name = "surveys"

    def ready(self) -> None:
        from programs.dashboard import register_todos
        from surveys import metrics
        from surveys.todos import todos

        register_todos(todos)
        metrics.register()
