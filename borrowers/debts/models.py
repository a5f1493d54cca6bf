"""Product profiles and debts."""

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from borrowers.accounts.models import MAX_ANNUAL_PERCENT, Borrower, OwnedQuerySet, money_field
from borrowers.debts import tiers


class ProductProfile(models.Model):
    """Typical terms of a kind of credit product. Seeded, editable by staff.

    Values here are "typical" (docs/domain.md §2: [practice] / [unsure]); the UI
    presents them as such, never as promises.
    """

    key = models.SlugField(_("key"), max_length=32, unique=True)
    name = models.CharField(_("name (Chinese)"), max_length=60)
    name_en = models.CharField(_("name (English)"), max_length=60)
    default_lender = models.CharField(_("typical lender"), max_length=120, blank=True)
    # Used when the borrower leaves the contract rate blank, and labelled typical.
    typical_annual_percent = models.DecimalField(
        _("typical contract rate (percent per year)"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    reports_to_credit = models.BooleanField(_("reports to the PBOC credit system"), default=True)
    reporting_note = models.CharField(_("reporting note"), max_length=200, blank=True)
    grace_days = models.PositiveSmallIntegerField(
        _("grace days"), default=0, validators=[MaxValueValidator(30)]
    )
    grace_note = models.CharField(_("grace note"), max_length=200, blank=True)
    penalty_rule = models.CharField(
        _("penalty rule"),
        max_length=24,
        choices=[
            (tiers.PenaltyRule.CONTRACT_MULTIPLIER, _("contract daily rate × multiplier")),
            (tiers.PenaltyRule.DAILY_RATE, _("fixed daily rate")),
        ],
        default=tiers.PenaltyRule.CONTRACT_MULTIPLIER,
    )
    penalty_multiplier = models.DecimalField(
        _("penalty multiplier"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("1.5"),
        validators=[MinValueValidator(Decimal("1")), MaxValueValidator(Decimal("5"))],
    )
    penalty_daily_percent = models.DecimalField(
        _("penalty percent per day"),
        max_digits=7,
        decimal_places=4,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
    )
    penalty_compounds = models.BooleanField(_("penalty compounds daily"), default=False)
    late_fee_percent = models.DecimalField(
        _("late charge, percent of the unpaid minimum"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    # Where this kind of lender negotiates (docs/domain.md §7, [practice]): shown
    # as the first step on the debt, lender and proposal pages, labelled typical.
    hotline = models.CharField(_("hotline"), max_length=20, blank=True)
    hotline_hours = models.CharField(_("hotline hours"), max_length=60, blank=True)
    app_path = models.CharField(_("in-app path (Chinese)"), max_length=200, blank=True)
    app_path_en = models.CharField(_("in-app path (English)"), max_length=200, blank=True)
    postal_address = models.CharField(_("postal address for letters"), max_length=200, blank=True)
    letter_email = models.EmailField(_("email address for letters"), blank=True)
    max_term_months = models.PositiveSmallIntegerField(
        _("typical maximum negotiated term (months)"),
        default=24,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
    )
    is_credit_card = models.BooleanField(_("credit card"), default=False)
    lender_is_user_entered = models.BooleanField(_("lender entered by the borrower"), default=False)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "pk"]
        verbose_name = _("product profile")
        verbose_name_plural = _("product profiles")

    def __str__(self):
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.name_en if (get_language() or "").startswith("en") else self.name

    @property
    def display_app_path(self) -> str:
        if (get_language() or "").startswith("en") and self.app_path_en:
            return self.app_path_en
        return self.app_path

    def penalty_terms(self, multiplier: Decimal | None = None) -> tiers.PenaltyTerms:
        return tiers.PenaltyTerms(
            rule=tiers.PenaltyRule(self.penalty_rule),
            multiplier=multiplier if multiplier is not None else self.penalty_multiplier,
            daily_percent=self.penalty_daily_percent,
            compounds=self.penalty_compounds,
            late_fee_percent=self.late_fee_percent,
        )


class DebtQuerySet(OwnedQuerySet):
    pass


class Debt(models.Model):
    borrower = models.ForeignKey(Borrower, on_delete=models.CASCADE, related_name="debts")
    profile = models.ForeignKey(
        ProductProfile, on_delete=models.PROTECT, related_name="debts", verbose_name=_("product")
    )
    lender_name = models.CharField(_("lender"), max_length=120)
    nickname = models.CharField(_("nickname"), max_length=60, blank=True)
    principal = money_field(_("outstanding principal"))
    interest = money_field(_("outstanding interest"), default=Decimal("0"))
    penalty_fees = money_field(_("penalty and fees already charged"), default=Decimal("0"))
    annual_rate_percent = models.DecimalField(
        _("contract rate (percent per year)"),
        max_digits=9,
        decimal_places=6,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(MAX_ANNUAL_PERCENT)],
    )
    first_missed_date = models.DateField(
        _("date of the first missed payment"), null=True, blank=True
    )
    overdue_amount = money_field(_("overdue amount (minimum now due)"), null=True, blank=True)
    contract_number = models.CharField(_("contract number"), max_length=64, blank=True)
    account_digits = models.CharField(
        _("last 4 digits of the card or account"),
        max_length=4,
        blank=True,
        validators=[RegexValidator(r"^\d{4}$", _("Enter the last 4 digits, for example 8021."))],
    )
    cleared_on = models.DateField(
        _("repaid in full on"),
        null=True,
        blank=True,
        help_text=_("Only when the whole debt has been repaid."),
    )
    grace_days_override = models.PositiveSmallIntegerField(
        _("grace days (if different)"), null=True, blank=True, validators=[MaxValueValidator(30)]
    )
    penalty_multiplier_override = models.DecimalField(
        _("penalty multiplier (if different)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("1")), MaxValueValidator(Decimal("5"))],
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = DebtQuerySet.as_manager()

    class Meta:
        ordering = ["first_missed_date", "pk"]
        verbose_name = _("debt")
        verbose_name_plural = _("debts")

    def __str__(self):
        return self.label

    @property
    def label(self) -> str:
        return self.nickname or f"{self.lender_name} · {self.profile.display_name}"

    @property
    def total_owed(self) -> Decimal:
        return self.principal + self.interest + self.penalty_fees

    @property
    def grace_days(self) -> int:
        if self.grace_days_override is not None:
            return self.grace_days_override
        return self.profile.grace_days

    def facts(self) -> tiers.DebtFacts:
        return debt_facts(
            self.profile,
            first_missed=self.first_missed_date,
            principal=self.principal,
            overdue_amount=self.overdue_amount,
            annual_rate_percent=self.annual_rate_percent,
            grace_days_override=self.grace_days_override,
            penalty_multiplier_override=self.penalty_multiplier_override,
            cleared_on=self.cleared_on,
        )

    def status(self, today: date) -> tiers.TierStatus:
        return tiers.assess(self.facts(), today, Decimal(settings.COST_WARNING_ANNUAL_PERCENT))


def debt_facts(
    profile: ProductProfile,
    *,
    first_missed: date | None,
    principal: Decimal,
    overdue_amount: Decimal | None,
    annual_rate_percent: Decimal,
    grace_days_override: int | None = None,
    penalty_multiplier_override: Decimal | None = None,
    cleared_on: date | None = None,
) -> tiers.DebtFacts:
    """Combine a debt's entries with its product profile for the tier engine.

    Penalty accrues on the overdue amount when the borrower knows it, else on
    the outstanding principal (online loans usually fall due in full).
    """
    return tiers.DebtFacts(
        first_missed=first_missed,
        grace_days=grace_days_override if grace_days_override is not None else profile.grace_days,
        overdue_amount=overdue_amount if overdue_amount is not None else principal,
        contract_annual_percent=annual_rate_percent,
        penalty_terms=profile.penalty_terms(penalty_multiplier_override),
        is_credit_card=profile.is_credit_card,
        cleared_on=cleared_on,
    )
