from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RepaymentPlansConfig(AppConfig):
    name = "repayment_plans"
    verbose_name = _("Repayment plans")

    def ready(self):
        # This app's sections of a person's data, its signals, the position of
        # each debt that the borrowers' pages and the caseload read, and the
        # bell's count, read with the signed-in user.
        from borrowers import positions
        from borrowers.accounts.backends import read_with_user
        from repayment_plans import data_rights, signals  # noqa: F401
        from repayment_plans.position.source import PositionSource
        from repayment_plans.reminders.views import UNREAD, unread_with_user

        positions.provide(PositionSource())
        read_with_user(UNREAD, unread_with_user)
