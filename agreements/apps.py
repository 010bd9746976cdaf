from django.apps import AppConfig


class AgreementsConfig(AppConfig):
    name = "agreements"

    def ready(self) -> None:
        from agreements import checks  # noqa: F401  (registers the seal key check)
        from agreements.pdf import seal_key_files
        from agreements.services.agreement import signed_goals
        from agreements.todos import todos
        from mentorship.backup import register_key_material
        from programs.dashboard import register_todos
        from relationships.services.record import register_agreed_goals

        # The pair's goal list imports the goals of the signed agreement (a floor above it).
        register_agreed_goals(signed_goals)
        register_todos(todos)
        # A backup's keys folder holds the seal key pair, next to the field-encryption keys.
        register_key_material("agreement-seal", seal_key_files)
