from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RepaymentPlansConfig(AppConfig):
    name = "repayment_plans"
    verbose_name = _("Repayment plans")

    def ready(self):
        # This app's sections of a person's data, its signals, and the position
        # of each debt that the borrowers' pages and the caseload read.
        from borrowers import positions
        from repayment_plans import data_rights, signals  # noqa: F401
        from repayment_plans.position.source import PositionSource

        positions.provide(PositionSource())
