"""When the lender goes to court: a legal matter per debt, its stages with their
deadlines, the documents the borrower kept, and the holiday calendar the deadlines
are counted with (docs/legal.md, docs/domain.md §8)."""

from __future__ import annotations

import posixpath
import uuid
from datetime import date

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from borrowers.models import Borrower, Debt, OwnedQuerySet
from repayment_plans.legal import deadlines

# Holiday calendar (data staff edit in the admin) ----------------------------------------


class HolidayYear(models.Model):
    """One year of the State Council's holiday arrangement (部分节假日安排的通知)."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    provisional = models.BooleanField(
        _("provisional"),
        default=False,
        help_text=_(
            "Tick while the State Council's notice for this year is not entered: only the "
            "statutory holidays are known, not the bridge days or adjusted working days."
        ),
    )
    source = models.CharField(_("source"), max_length=200)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["year"]
        verbose_name = _("holiday calendar year")
        verbose_name_plural = _("holiday calendar years")

    def __str__(self):
        return f"{self.year}{' (provisional)' if self.provisional else ''}"


class HolidayDate(models.Model):
    """A day off (放假) or a weekend day made a working day (调休上班)."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("Public holiday (day off)")
        WORKDAY = "workday", _("Adjusted working day (weekend day worked)")

    year = models.ForeignKey(HolidayYear, on_delete=models.CASCADE, related_name="dates")
    day = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    name = models.CharField(_("holiday"), max_length=40, help_text=_("e.g. 国庆节"))

    class Meta:
        ordering = ["day"]
        verbose_name = _("holiday calendar date")
        verbose_name_plural = _("holiday calendar dates")

    def __str__(self):
        return f"{self.day} {self.name} ({self.kind})"


# The legal matter ---------------------------------------------------------------------


class LegalMatterQuerySet(OwnedQuerySet):
    pass


class LegalMatter(models.Model):
    """What a lender started in court or arbitration about one debt, stage by stage."""

    borrower = models.ForeignKey(Borrower, on_delete=models.CASCADE, related_name="legal_matters")
    debt = models.OneToOneField(
        Debt, on_delete=models.CASCADE, related_name="legal_matter", verbose_name=_("account")
    )
    # The latest stage (by date of receipt): the one whose deadline counts.
    current_stage = models.ForeignKey(
        "LegalStage",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="current_of",
        editable=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = LegalMatterQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at", "-pk"]
        verbose_name = _("legal matter")
        verbose_name_plural = _("legal matters")

    def __str__(self):
        return f"{self.debt} · {self.current_stage or '—'}"

    @property
    def open_deadline(self) -> LegalStage | None:
        """The current stage, while its deadline is waiting for the borrower."""
        stage = self.current_stage
        if stage is None or stage.deadline_on is None or stage.acted_on is not None:
            return None
        return stage

    @property
    def deadline_state(self) -> deadlines.DeadlineState | None:
        """The current stage's deadline as of today (Asia/Shanghai), for pages."""
        stage = self.open_deadline
        if stage is None or stage.deadline_on is None:
            return None
        return deadlines.state(stage.deadline_on, timezone.localdate())


class LegalStage(models.Model):
    """One step: a document received from a court or an arbitration commission."""

    class Kind(models.TextChoices):
        MEDIATION = "mediation", _("Pre-suit mediation (诉前调解)")
        PAYMENT_ORDER = "payment_order", _("Payment order (支付令)")
        SUIT = "suit", _("Lawsuit: summons and complaint received (起诉)")
        HEARING = "hearing", _("Hearing (开庭)")
        JUDGMENT = "judgment", _("Judgment (判决)")
        RULING = "ruling", _("Ruling (裁定)")
        APPEAL = "appeal", _("Appeal (上诉)")
        ARBITRATION = "arbitration", _("Arbitration started (仲裁)")
        AWARD = "award", _("Arbitration award (仲裁裁决)")
        ENFORCEMENT = "enforcement", _("Enforcement (执行)")
        LISTED = "listed", _("Listed as a dishonest judgment debtor (失信)")
        RESTRICTED = "restricted", _("Restricted in consumption (限制消费)")
        SETTLEMENT = "settlement", _("Enforcement settlement (执行和解)")
        PAID = "paid", _("Paid in full: obligation performed")

    matter = models.ForeignKey(LegalMatter, on_delete=models.CASCADE, related_name="stages")
    kind = models.CharField(_("what you received"), max_length=16, choices=Kind.choices)
    court = models.CharField(
        _("court or arbitration commission"),
        max_length=120,
        blank=True,
        help_text=_("As written on the document, e.g. 上海市浦东新区人民法院."),
    )
    case_number = models.CharField(
        _("case number"),
        max_length=64,
        blank=True,
        help_text=_("As written on the document, e.g. （2026）沪0115民督123号."),
    )
    received_on = models.DateField(
        _("date you received it"),
        help_text=_(
            "The day it was served on you (by hand, post, SMS or the court's app). "
            "Deadlines count from the day after."
        ),
    )
    event_on = models.DateField(
        _("date of the hearing or of the payment"),
        null=True,
        blank=True,
        help_text=_("For a hearing, the day it is held; for a payment in full, the day you paid."),
    )
    acted_on = models.DateField(
        _("date you acted"),
        null=True,
        blank=True,
        help_text=_(
            "The day you handed in the objection, defence, appeal or application. "
            "Reminders stop once it is entered."
        ),
    )
    statement = models.TextField(
        _("your reasons, in your own words"),
        max_length=3000,
        blank=True,
        help_text=_(
            "Printed in the objection or application. Only facts: what you borrowed, what "
            "you repaid, what you dispute."
        ),
    )
    notes = models.TextField(_("notes"), max_length=2000, blank=True)
    # Written by repayment_plans/legal/services.py from the holiday calendar, so the
    # reminder sweep and the caseload can select on it.
    deadline_on = models.DateField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["received_on", "pk"]
        verbose_name = _("legal stage")
        verbose_name_plural = _("legal stages")
        indexes = [models.Index(fields=["deadline_on"])]

    def __str__(self):
        return f"{self.get_kind_display()} {self.received_on}"

    @property
    def action(self) -> deadlines.Action | None:
        found = deadlines.period_for(self.kind, self.received_on)
        return found[1] if found else None

    def state(self, today: date) -> deadlines.DeadlineState | None:
        if self.deadline_on is None:
            return None
        return deadlines.state(self.deadline_on, today, self.acted_on)


def document_upload_to(instance: LegalDocument, filename: str) -> str:
    """legal/<borrower id>/<matter id>/<random>.<ext>: never the uploaded name
    (kept in original_name), never a public URL."""
    extension = posixpath.splitext(filename)[1].lower()[:8]
    matter = instance.stage.matter
    return f"legal/{matter.borrower_id}/{matter.pk}/{uuid.uuid4().hex}{extension}"


class LegalDocument(models.Model):
    """A photo or PDF of a court or arbitration document, kept privately."""

    class Kind(models.TextChoices):
        PICTURE = "screenshot", _("Photo")
        DOCUMENT = "document", _("PDF")

    stage = models.ForeignKey(LegalStage, on_delete=models.CASCADE, related_name="documents")
    file = models.FileField(upload_to=document_upload_to, max_length=255)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "pk"]
        verbose_name = _("court document")
        verbose_name_plural = _("court documents")

    def __str__(self):
        return f"{self.original_name} ({self.get_kind_display()})"

    @property
    def export_name(self) -> str:
        """Its path in the My data zip."""
        return f"legal/{self.stage_id}/{posixpath.basename(self.file.name or '')}"
