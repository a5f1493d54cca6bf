"""Django for a bench process: bench settings, a database given by URL, media
and files under a temporary folder, enqueueing on kombu's in-memory transport."""

import os
from pathlib import Path


def configure(database_url: str, workdir: Path) -> None:
    """Set up Django in this process on ``database_url`` and migrate it."""
    os.environ["DATABASE_URL"] = database_url
    os.environ["MEDIA_ROOT"] = str(workdir / "media")
    os.environ.setdefault("DEBUG", "false")
    os.environ.setdefault("SECRET_KEY", "bench-only")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    os.environ.setdefault("STATIC_MANIFEST", "false")
    os.environ.setdefault("SECURE_HTTPS", "false")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    # Enqueueing is measured against kombu's in-memory transport: no server needed.
    os.environ["CELERY_BROKER_URL"] = "memory://"
    # Not setdefault: the Makefile exports config.settings for every target.
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
