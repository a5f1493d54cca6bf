"""Agreed plans, their changes, installments and payments."""

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from borrowers.models import OwnedQuerySet, money_field
from repayment_plans.plans import adherence
from repayment_plans.proposals.models import METHOD_CHOICES, Proposal

if TYPE_CHECKING:
    pass


class PlanQuerySet(OwnedQuerySet):
    owner = "proposal__borrower__user"


class Plan(models.Model):
    """Terms a lender agreed to, with their installments."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        COMPLETED = "completed", _("Completed")

    proposal = models.OneToOneField(Proposal, on_delete=models.CASCADE, related_name="plan")
    principal = money_field(_("amount to repay"))
    method = models.CharField(max_length=20, choices=METHOD_CHOICES)
    annual_percent = models.DecimalField(max_digits=7, decimal_places=4, default=Decimal("0"))
    months = models.PositiveSmallIntegerField()
    first_due_date = models.DateField()
    agreed_on = models.DateField(
        _("agreed on"), help_text="The day the lender agreed: reporting follows the plan from then."
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    # 1 as agreed; each change the lender agrees to later adds one (see PlanChange).
    version = models.PositiveSmallIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PlanQuerySet.as_manager()

    class Meta:
        ordering = ["first_due_date", "pk"]

    def __str__(self):
        return f"{self.proposal.lender_name}: {self.months} × {self.method}"

    @property
    def total_due(self) -> Decimal:
        return sum((i.amount for i in self.installments.all()), Decimal("0"))

    @property
    def total_paid(self) -> Decimal:
        return sum((p.amount for p in self.payments.all()), Decimal("0"))

    @property
    def outstanding(self) -> Decimal:
        return self.total_due - self.total_paid


class PlanChange(models.Model):
    """The audit of a change to an agreed plan: who changed it, when the lender
    agreed, why, and the terms and installments it replaced. The plan row keeps
    its payments; the installments already paid stay, the rest are replaced."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="changes")
    version = models.PositiveSmallIntegerField(help_text="The plan version this change made.")
    agreed_on = models.DateField(_("the lender agreed on"))
    reason = models.TextField(_("why the plan changed"), max_length=500)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # The replaced version: terms and installments as they stood, for the record.
    previous = models.JSONField()

    class Meta:
        ordering = ["plan", "version"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "version"], name="one_change_per_version")
        ]

    def __str__(self):
        return f"{self.plan_id} v{self.version} {self.agreed_on}"


class Installment(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="installments")
    number = models.PositiveSmallIntegerField()
    due_date = models.DateField()
    amount = money_field("amount")
    principal = money_field("principal")
    interest = money_field("interest")
    paid_amount = money_field("paid", default=Decimal("0"))
    paid_on = models.DateField(null=True, blank=True, help_text="When it was paid in full.")

    class Meta:
        ordering = ["plan", "number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="unique_installment_number")
        ]

    def __str__(self):
        return f"#{self.number} {self.due_date} {self.amount}"

    def status(self, today: date) -> adherence.InstallmentStatus:
        return adherence.installment_status(
            self.due_date, self.amount, self.paid_amount, self.paid_on, today
        )


class Payment(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="payments")
    amount = money_field(_("amount paid"))
    paid_on = models.DateField(_("date paid"))
    created_at = models.DateTimeField(auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    # From the payment form: a second submission of the same form records nothing more.
    idempotency_key = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["paid_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="one_payment_per_form",
            )
        ]

    def __str__(self):
        return f"{self.paid_on} {self.amount}"
