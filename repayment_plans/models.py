"""The app's models, defined in each feature's models.py; importable from here, the Django way."""

from repayment_plans.disputes.models import (
    Dispute,
    DisputeQuerySet,
)
from repayment_plans.plans.models import (
    Installment,
    Payment,
    Plan,
    PlanChange,
    PlanQuerySet,
)
from repayment_plans.proposals.models import (
    METHOD_CHOICES,
    EmailDelivery,
    LenderAnswer,
    Proposal,
    ProposalEvent,
    ProposalQuerySet,
    ProposalVersion,
    version_upload_to,
)
from repayment_plans.reminders.models import (
    CalendarFeed,
    Channel,
    NotificationPreference,
    Reminder,
    ReminderKind,
)

__all__ = [
    "METHOD_CHOICES",
    "ProposalQuerySet",
    "Proposal",
    "version_upload_to",
    "ProposalVersion",
    "EmailDelivery",
    "LenderAnswer",
    "ProposalEvent",
    "PlanQuerySet",
    "Plan",
    "PlanChange",
    "Installment",
    "Payment",
    "CalendarFeed",
    "ReminderKind",
    "Channel",
    "Reminder",
    "NotificationPreference",
    "DisputeQuerySet",
    "Dispute",
]
