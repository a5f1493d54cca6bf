"""The app's models, defined in each feature's models.py; importable from here, the Django way."""

from repayment_plans.disputes.models import (
    Dispute,
    DisputeQuerySet,
)
from repayment_plans.legal.models import (
    HolidayDate,
    HolidayYear,
    LegalDocument,
    LegalMatter,
    LegalMatterQuerySet,
    LegalStage,
    document_upload_to,
)
from repayment_plans.negotiation.models import (
    NegotiationAttachment,
    NegotiationContact,
    NegotiationContactQuerySet,
    attachment_upload_to,
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
    ReviewSection,
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
    "ReviewSection",
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
    "NegotiationContactQuerySet",
    "NegotiationContact",
    "attachment_upload_to",
    "NegotiationAttachment",
    "HolidayYear",
    "HolidayDate",
    "LegalMatterQuerySet",
    "LegalMatter",
    "LegalStage",
    "document_upload_to",
    "LegalDocument",
]
