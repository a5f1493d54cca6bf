from django.contrib import admin

from repayment_plans.legal import admin as legal_admin  # noqa: F401  (the holiday calendar)
from repayment_plans.models import (
    Dispute,
    EmailDelivery,
    Installment,
    LenderAnswer,
    NotificationPreference,
    Payment,
    Plan,
    PlanChange,
    Proposal,
    ProposalVersion,
    Reminder,
)


class VersionInline(admin.TabularInline):
    model = ProposalVersion
    extra = 0
    readonly_fields = ("number", "pdf", "sha256", "language", "created_at")
    exclude = ("terms",)
    can_delete = False


@admin.register(Proposal)
class ProposalAdmin(admin.ModelAdmin):
    list_display = ("lender_name", "borrower", "status", "months", "first_due_date", "updated_at")
    list_filter = ("status",)
    list_select_related = ("borrower",)
    inlines = [VersionInline]


@admin.register(EmailDelivery)
class EmailDeliveryAdmin(admin.ModelAdmin):
    list_display = ("version", "to_email", "status", "attempts", "failure_reason", "created_at")
    list_filter = ("status",)
    readonly_fields = ("version", "to_email", "cc_email", "attempts", "sent_at", "created_at")


class InstallmentInline(admin.TabularInline):
    model = Installment
    extra = 0


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = ("proposal", "status", "months", "first_due_date")
    inlines = [InstallmentInline]
    readonly_fields = ("version",)


@admin.register(PlanChange)
class PlanChangeAdmin(admin.ModelAdmin):
    list_display = ("plan", "version", "agreed_on", "changed_by", "created_at")
    readonly_fields = ("plan", "version", "agreed_on", "reason", "changed_by", "previous")


admin.site.register(LenderAnswer)
admin.site.register(Payment)


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin):
    """Failed reminders are listed here: nothing is lost silently."""

    list_display = ("on_date", "kind", "user", "status", "emailed", "attempts", "failure_reason")
    list_filter = ("status", "kind", "on_date")
    search_fields = ("user__email", "subject")
    list_select_related = ("user",)
    readonly_fields = ("created_at", "sent_at")


admin.site.register(NotificationPreference)


@admin.register(Dispute)
class DisputeAdmin(admin.ModelAdmin):
    list_display = ("debt", "borrower", "problem", "addressee", "filed_on", "outcome")
    list_filter = ("problem", "addressee", "outcome")
    list_select_related = ("debt__profile", "borrower")
    raw_id_fields = ("borrower", "debt")
