"""The project's own system checks.

Registered when the app registry loads this module (INSTALLED_APPS names
:class:`ChecksConfig`). ``manage.py check --deploy`` runs the deployment ones.
"""

from django.apps import AppConfig
from django.conf import settings
from django.core.checks import Error, Tags, register
from django.core.mail.backends import console, dummy, locmem
from django.utils.module_loading import import_string

# Backends that only pretend to deliver: the file backend (a console backend
# writing to files), the console, memory and the dummy. A message "sent" through
# them is marked sent and reaches nobody.
UNDELIVERED = (console.EmailBackend, locmem.EmailBackend, dummy.EmailBackend)


class ChecksConfig(AppConfig):
    name = "config"
    label = "project_checks"
    verbose_name = "Project checks"


def default_mail_backend() -> str:
    mailers = getattr(settings, "MAILERS", None)
    if mailers:
        return mailers.get("default", {}).get("BACKEND", "")
    return getattr(settings, "EMAIL_BACKEND", "")


@register(Tags.security, deploy=True)
def email_is_delivered(app_configs, **kwargs):
    """With DEBUG off, email must leave the machine: password resets, proposals
    to lenders and reminders would otherwise be written to files (the default
    without EMAIL_URL) and marked sent."""
    if settings.DEBUG:
        return []
    path = default_mail_backend()
    try:
        backend = import_string(path)
    except ImportError:
        return []  # Django reports a backend that cannot be imported when it is used
    if isinstance(backend, type) and issubclass(backend, UNDELIVERED):
        return [
            Error(
                f"DEBUG is off and email goes to {path}: nothing is delivered.",
                hint="Set EMAIL_URL, e.g. smtp+tls://user:password@smtp.example.org:587.",
                obj="MAILERS['default']",
                id="config.E001",
            )
        ]
    return []
