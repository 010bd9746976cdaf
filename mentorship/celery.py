"""The Celery application: Redis in production, a filesystem broker without servers."""

import os
from pathlib import Path

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mentorship.settings")

# DjangoTask adds delay_on_commit(): enqueue only once the surrounding transaction commits.
app = Celery("mentorship", task_cls="celery.contrib.django.task:DjangoTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def registered_task(name: str):
    """The task registered under ``name``, for code that queues work: it need not import the
    module that does the work (a tasks module imports its service, never the reverse). The
    apps' tasks modules are imported on first use, as a worker does when it starts."""
    if name not in app.tasks:
        app.loader.import_default_modules()
    return app.tasks[name]


@app.on_after_configure.connect
def _create_broker_folders(sender: Celery, **kwargs) -> None:
    # The embedded filesystem broker needs its folders before the first message.
    options = sender.conf.broker_transport_options or {}
    for key in ("data_folder_in", "data_folder_out", "control_folder", "processed_folder"):
        if options.get(key):
            Path(options[key]).mkdir(parents=True, exist_ok=True)
