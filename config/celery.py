import os

from celery import Celery
from celery.signals import after_setup_logger, after_setup_task_logger

from config.logging import redact_handlers

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("config")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@after_setup_logger.connect
@after_setup_task_logger.connect
def redact_worker_logs(logger=None, **kwargs):
    """The worker replaces the root logger's handlers with its own: they get
    the same redaction as settings.LOGGING's."""
    redact_handlers(logger)
