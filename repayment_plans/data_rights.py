"""This app's part of a person's data (borrowers/data_rights.py): its sections
of the export and the deletion, registered when the app is ready."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from borrowers.data_rights.sections import Section, on_delete, register
from borrowers.models import AccessGrant, Borrower
from repayment_plans.models import (
    CalendarFeed,
    Dispute,
    EmailDelivery,
    Installment,
    LegalDocument,
    LegalMatter,
    LegalStage,
    LenderAnswer,
    NegotiationAttachment,
    NegotiationContact,
    NotificationPreference,
    Payment,
    Plan,
    PlanChange,
    Proposal,
    ProposalEvent,
    ProposalVersion,
    Reminder,
    ReminderKind,
)
from repayment_plans.reminders.models import COUNSELOR_RECIPIENT_KINDS


def _pdf_path(version: ProposalVersion) -> str:
    return f"pdfs/{version.filename}"


register(
    Section(
        "proposals",
        Proposal,
        _("Proposals to lenders"),
        lambda user: Proposal.objects.for_user(user).prefetch_related("debts"),
        additions=lambda p: {"debt_ids": [d.pk for d in p.debts.all()]},
    )
)

register(
    Section(
        "proposal_versions",
        ProposalVersion,
        _("Finalised proposal versions, with their PDFs"),
        lambda user: ProposalVersion.objects.filter(proposal__borrower__user=user),
        exclude=("pdf",),
        additions=lambda v: {"pdf_file": _pdf_path(v)},
        files=lambda v: [(_pdf_path(v), v.pdf)] if v.pdf else [],
    )
)

register(
    Section(
        "proposal_events",
        ProposalEvent,
        _("Proposal history: who changed what, when"),
        lambda user: ProposalEvent.objects.filter(proposal__borrower__user=user),
        exclude=("actor",),
    )
)

register(
    Section(
        "email_deliveries",
        EmailDelivery,
        _("Emails of proposals to lenders"),
        lambda user: EmailDelivery.objects.filter(version__proposal__borrower__user=user),
    )
)

register(
    Section(
        "lender_answers",
        LenderAnswer,
        _("Lenders' answers"),
        lambda user: LenderAnswer.objects.filter(proposal__borrower__user=user),
    )
)

register(
    Section(
        "plans",
        Plan,
        _("Agreed plans"),
        lambda user: Plan.objects.for_user(user),
    )
)

register(
    Section(
        "plan_changes",
        PlanChange,
        _("Changes to agreed plans"),
        lambda user: PlanChange.objects.filter(plan__proposal__borrower__user=user),
        exclude=("changed_by",),
    )
)

register(
    Section(
        "installments",
        Installment,
        _("Installments"),
        lambda user: Installment.objects.filter(plan__proposal__borrower__user=user),
    )
)

register(
    Section(
        "payments",
        Payment,
        _("Payments"),
        lambda user: Payment.objects.filter(plan__proposal__borrower__user=user).select_related(
            "plan__proposal__borrower"
        ),
        exclude=("recorded_by",),
        additions=lambda p: {
            "recorded_by_you": p.recorded_by_id == p.plan.proposal.borrower.user_id
        },
    )
)

register(
    Section(
        "reminders",
        Reminder,
        _("Reminders"),
        lambda user: Reminder.objects.filter(user=user),
    )
)

register(
    Section(
        "notification_preferences",
        NotificationPreference,
        _("Reminder settings"),
        lambda user: NotificationPreference.objects.filter(user=user),
    )
)

register(
    Section(
        "calendar_feed",
        CalendarFeed,
        _("Calendar subscription (whether one exists, not its secret address)"),
        lambda user: CalendarFeed.objects.filter(borrower__user=user),
        exclude=("token",),
        additions=lambda feed: {"active": feed.is_active},
    )
)

register(
    Section(
        "disputes",
        Dispute,
        _("Credit-report disputes"),
        lambda user: Dispute.objects.for_user(user),
    )
)


register(
    Section(
        "negotiation_contacts",
        NegotiationContact,
        _("Your negotiation log: calls and messages with lenders"),
        lambda user: NegotiationContact.objects.for_user(user),
        exclude=("idempotency_key",),
    )
)

register(
    Section(
        "negotiation_attachments",
        NegotiationAttachment,
        _("Screenshots, recordings and documents kept in the negotiation log"),
        lambda user: NegotiationAttachment.objects.filter(contact__borrower__user=user),
        exclude=("file",),
        additions=lambda a: {"file_in_export": a.export_name},
        files=lambda a: [(a.export_name, a.file)] if a.file else [],
    )
)

register(
    Section(
        "legal_matters",
        LegalMatter,
        _("Court and arbitration matters"),
        lambda user: LegalMatter.objects.for_user(user),
    )
)

register(
    Section(
        "legal_stages",
        LegalStage,
        _("Stages of court and arbitration matters, with their deadlines"),
        lambda user: LegalStage.objects.filter(matter__borrower__user=user),
    )
)

register(
    Section(
        "legal_documents",
        LegalDocument,
        _("Photos and PDFs of court and arbitration documents"),
        lambda user: LegalDocument.objects.filter(stage__matter__borrower__user=user),
        exclude=("file",),
        additions=lambda d: {"file_in_export": d.export_name},
        files=lambda d: [(d.export_name, d.file)] if d.file else [],
    )
)


@on_delete
def forget_in_digests(borrower: Borrower) -> None:
    """Counselors' weekly digests list caseload members by name: take this one out.

    The lists hold names, not ids, so an entry of someone else with the very
    same name in the same digest goes too; the digest stays correct otherwise.
    """
    counselor_users = AccessGrant.objects.filter(borrower=borrower).values("counselor__user")
    digests = Reminder.objects.filter(kind=ReminderKind.COUNSELOR_DIGEST, user__in=counselor_users)
    name = borrower.display_name
    for digest in digests:
        context = {
            key: [entry for entry in value if not (entry and entry[0] == name)]
            if isinstance(value, list)
            else value
            for key, value in digest.context.items()
        }
        if context != digest.context:
            Reminder.objects.filter(pk=digest.pk).update(context=context)


@on_delete
def forget_in_counselor_notifications(borrower: Borrower) -> None:
    """A counselor's notifications about this borrower (review asked, lender
    answered, payment missed, tier reached) name them and link to their pages:
    they go with the account. Each links under the borrower's counselor page."""
    Reminder.objects.filter(
        kind__in=COUNSELOR_RECIPIENT_KINDS,
        link__startswith=reverse("counselor_borrower", args=[borrower.pk]),
    ).delete()
