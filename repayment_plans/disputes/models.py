"""Disputes of credit-report entries."""

from datetime import date
from typing import TYPE_CHECKING

from django.db import models
from django.utils.translation import gettext_lazy as _

from borrowers.models import Borrower, Debt, OwnedQuerySet
from repayment_plans.disputes import rules as disputes

if TYPE_CHECKING:
    pass


class DisputeQuerySet(OwnedQuerySet):
    pass


class Dispute(models.Model):
    """A dispute (异议) about an inaccurate credit-report entry of one debt, and its course.

    Only inaccurate records can be corrected: the credit reference center or the
    lender must check and answer in writing within 20 days (征信业管理条例 Art.25);
    a complaint to the local PBOC branch follows if not (Art.26). See disputes.py.
    """

    class Addressee(models.TextChoices):
        CREDIT_CENTER = "credit_center", _("The PBOC Credit Reference Center or its local counter")
        LENDER = "lender", _("The lender that reported it")

    class Problem(models.TextChoices):
        PAID_ON_TIME = "paid_on_time", _("A month shows as overdue, but I paid on time")
        WRONG_AMOUNT = "wrong_amount", _("An amount is wrong")
        NOT_MINE = "not_mine", _("This account is not mine")
        TOO_OLD = "too_old", _("Still shown more than 5 years after the overdue ended")
        OTHER = "other", _("Other wrong or missing information")

    class Outcome(models.TextChoices):
        CORRECTED = "corrected", _("Corrected")
        UPHELD = "upheld", _("Not corrected: they say the record is right")
        NO_REPLY = "no_reply", _("No written reply by the due date")

    borrower = models.ForeignKey(Borrower, on_delete=models.CASCADE, related_name="disputes")
    debt = models.ForeignKey(
        Debt, on_delete=models.CASCADE, related_name="disputes", verbose_name=_("account")
    )
    addressee = models.CharField(_("send it to"), max_length=16, choices=Addressee.choices)
    addressee_detail = models.CharField(
        _("office or counter (optional)"), max_length=120, blank=True
    )
    problem = models.CharField(_("what is wrong"), max_length=16, choices=Problem.choices)
    entry_month = models.DateField(
        _("month of the entry"), null=True, blank=True, help_text="The first day of the month."
    )
    shown = models.CharField(_("what the report shows"), max_length=200)
    should_be = models.CharField(_("what it should show"), max_length=200, blank=True)
    reason = models.TextField(_("why it is wrong"), max_length=2000)
    evidence = models.TextField(_("evidence you attach"), max_length=1000, blank=True)
    filed_on = models.DateField(_("date you submitted it"), null=True, blank=True)
    reply_on = models.DateField(_("date of the written reply"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices, blank=True)
    reply_note = models.TextField(_("what the reply says"), max_length=1000, blank=True)
    complaint_on = models.DateField(
        _("date of your complaint to the PBOC branch"), null=True, blank=True
    )
    complaint_office = models.CharField(_("PBOC branch"), max_length=120, blank=True)
    complaint_reply_on = models.DateField(
        _("date of the branch's written reply"), null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = DisputeQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("credit-report dispute")
        verbose_name_plural = _("credit-report disputes")
        indexes = [
            models.Index(fields=["filed_on"]),
            models.Index(fields=["complaint_on"]),
        ]

    def __str__(self):
        return f"{self.debt} · {self.get_problem_display()}"

    @property
    def reply_due(self) -> date | None:
        return disputes.reply_due(self.filed_on) if self.filed_on else None

    @property
    def complaint_reply_due(self) -> date | None:
        return disputes.complaint_reply_due(self.complaint_on) if self.complaint_on else None

    def stage(self, today: date) -> disputes.Stage:
        return disputes.stage(
            filed_on=self.filed_on,
            reply_on=self.reply_on,
            outcome=self.outcome,
            complaint_on=self.complaint_on,
            complaint_reply_on=self.complaint_reply_on,
            today=today,
        )

    @property
    def addressee_name(self) -> str:
        """Who the application is addressed to, by name."""
        if self.addressee == self.Addressee.LENDER:
            name = self.debt.lender_name
        else:
            name = disputes.CREDIT_CENTER_NAME
        return f"{name}（{self.addressee_detail}）" if self.addressee_detail else name

    @property
    def evidence_items(self) -> list[str]:
        return [line.strip() for line in self.evidence.splitlines() if line.strip()]
