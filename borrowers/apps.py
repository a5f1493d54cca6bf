from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BorrowersConfig(AppConfig):
    name = "borrowers"
    verbose_name = _("Borrowers and debts")

    def ready(self):
        from borrowers import signals  # noqa: F401
