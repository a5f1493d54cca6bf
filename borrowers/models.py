from datetime import date
from decimal import Decimal
from typing import ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from borrowers.collection import rules as collection
from borrowers.debts import tiers
from borrowers.debts.budget import monthly_capacity

MAX_AMOUNT = Decimal("10000000000")  # 10^10 yuan: anything above is a typo
MAX_ANNUAL_PERCENT = Decimal("100")


def money_field(verbose_name, **kwargs):
    kwargs.setdefault("max_digits", 14)
    kwargs.setdefault("decimal_places", 2)
    kwargs.setdefault(
        "validators", [MinValueValidator(Decimal("0")), MaxValueValidator(MAX_AMOUNT)]
    )
    return models.DecimalField(verbose_name, **kwargs)


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)

    def get_by_natural_key(self, username):
        return self.get(**{f"{self.model.USERNAME_FIELD}__iexact": username})


class User(AbstractUser):
    """A person who signs in: a borrower, a counselor or staff. Email is the login."""

    username = None  # type: ignore[assignment]  # no username: the email is the login
    email = models.EmailField(_("email address"), unique=True)
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []

    # Email-first create_user(), unlike AbstractUser's username-first UserManager.
    objects: ClassVar["UserManager[User]"] = UserManager()  # type: ignore[assignment]

    def __str__(self):
        return self.email


class Agency(models.Model):
    name = models.CharField(_("name"), max_length=120)
    code = models.SlugField(_("agency code"), max_length=32, unique=True)

    class Meta:
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")

    def __str__(self):
        return self.name


class Counselor(models.Model):
    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="counselor")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="counselors")
    display_name = models.CharField(_("display name"), max_length=60)

    class Meta:
        verbose_name = _("counselor")
        verbose_name_plural = _("counselors")

    def __str__(self):
        return f"{self.display_name} ({self.agency})"


class HardshipReason(models.TextChoices):
    UNEMPLOYMENT = "unemployment", _("Unemployment")
    ILLNESS = "illness", _("Serious illness")
    FAMILY_EMERGENCY = "family_emergency", _("Family emergency")
    BUSINESS_FAILURE = "business_failure", _("Business failure")
    INCOME_CUT = "income_cut", _("Income cut")
    OTHER = "other", _("Other")


EXPENSE_FIELDS = (
    "rent",
    "food",
    "transport",
    "medical",
    "dependants",
    "other_expenses",
)


class Borrower(models.Model):
    """A borrower's profile and monthly budget (yuan per month)."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="borrower")
    display_name = models.CharField(_("name"), max_length=60)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    monthly_net_income = money_field(_("monthly net income"), default=Decimal("0"))
    rent = money_field(_("rent and housing"), default=Decimal("0"))
    food = money_field(_("food"), default=Decimal("0"))
    transport = money_field(_("transport"), default=Decimal("0"))
    medical = money_field(_("medical"), default=Decimal("0"))
    dependants = money_field(_("dependants"), default=Decimal("0"))
    other_expenses = money_field(_("other fixed obligations"), default=Decimal("0"))
    hardship_reason = models.CharField(
        _("hardship reason"), max_length=20, choices=HardshipReason.choices, blank=True
    )
    hardship_detail = models.TextField(_("hardship in your own words"), max_length=2000, blank=True)
    commitment_percent = models.PositiveSmallIntegerField(
        _("share of what is left that goes to repayments (%)"),
        default=70,
        validators=[MinValueValidator(30), MaxValueValidator(100)],
        help_text=_("Usually seventy percent, so that a buffer remains for surprises."),
    )
    budget_updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("borrower")
        verbose_name_plural = _("borrowers")

    def __str__(self):
        return self.display_name or self.user.email

    @property
    def essential_expenses(self) -> Decimal:
        return sum((getattr(self, name) for name in EXPENSE_FIELDS), Decimal("0"))

    @property
    def disposable_income(self) -> Decimal:
        """Monthly net income minus essential expenses, yuan (may be negative)."""
        return self.monthly_net_income - self.essential_expenses

    @property
    def monthly_capacity(self) -> Decimal:
        """Yuan per month available for all repayment proposals together."""
        return monthly_capacity(self.disposable_income, Decimal(self.commitment_percent))

    @property
    def has_budget(self) -> bool:
        return self.budget_updated_at is not None


class ProductProfile(models.Model):
    """Typical terms of a kind of credit product. Seeded, editable by staff.

    Values here are "typical" (docs/domain.md §2: [practice] / [unsure]); the UI
    presents them as such, never as promises.
    """

    key = models.SlugField(_("key"), max_length=32, unique=True)
    name = models.CharField(_("name (Chinese)"), max_length=60)
    name_en = models.CharField(_("name (English)"), max_length=60)
    default_lender = models.CharField(_("typical lender"), max_length=120, blank=True)
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
    hotline = models.CharField(_("hotline"), max_length=20, blank=True)
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

    def penalty_terms(self, multiplier: Decimal | None = None) -> tiers.PenaltyTerms:
        return tiers.PenaltyTerms(
            rule=tiers.PenaltyRule(self.penalty_rule),
            multiplier=multiplier if multiplier is not None else self.penalty_multiplier,
            daily_percent=self.penalty_daily_percent,
            compounds=self.penalty_compounds,
            late_fee_percent=self.late_fee_percent,
        )


class OwnedQuerySet(models.QuerySet):
    """Rows that belong to one borrower. ``for_user`` is the only way views
    reach them: the signed-in user's own rows, nothing for anyone else (so
    another user's id is a 404). ``owner`` is the lookup from the row to the
    user."""

    owner = "borrower__user"

    def for_user(self, user):
        if not user.is_authenticated:
            return self.none()
        return self.filter(**{self.owner: user})


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


def _invite_code() -> str:
    import secrets

    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read over the phone
    return "".join(secrets.choice(alphabet) for _ in range(8))


class Invite(models.Model):
    """A single-use code a counselor gives a borrower to ask for access."""

    counselor = models.ForeignKey(Counselor, on_delete=models.CASCADE, related_name="invites")
    code = models.CharField(max_length=12, unique=True, default=_invite_code)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    used_by = models.ForeignKey(
        Borrower, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return self.code


class AccessGrantQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True)


class AccessGrant(models.Model):
    """A borrower's consent for one counselor to see (and maybe edit) their data."""

    borrower = models.ForeignKey(Borrower, on_delete=models.CASCADE, related_name="grants")
    counselor = models.ForeignKey(Counselor, on_delete=models.CASCADE, related_name="grants")
    can_edit = models.BooleanField(_("may also edit"), default=False)
    granted_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = AccessGrantQuerySet.as_manager()

    class Meta:
        ordering = ["-granted_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["borrower", "counselor"],
                condition=models.Q(revoked_at__isnull=True),
                name="one_active_grant",
            )
        ]

    def __str__(self):
        return f"{self.borrower} → {self.counselor}"


class AccessEvent(models.Model):
    """Audit: every grant, revoke and counselor view or edit of a borrower's data."""

    class Action(models.TextChoices):
        GRANT = "grant", _("Access granted")
        REVOKE = "revoke", _("Access revoked")
        VIEW = "view", _("Viewed")
        EDIT = "edit", _("Edited")

    borrower = models.ForeignKey(Borrower, on_delete=models.CASCADE, related_name="access_events")
    counselor = models.ForeignKey(Counselor, on_delete=models.CASCADE, related_name="+")
    action = models.CharField(max_length=8, choices=Action.choices)
    detail = models.CharField(max_length=200, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.counselor} {self.action} {self.borrower}"

    @classmethod
    def record(cls, borrower, counselor, action: str, detail: str = "") -> "AccessEvent":
        """The one way an entry of the borrower's access history is written."""
        return cls.objects.create(
            borrower=borrower, counselor=counselor, action=action, detail=detail[:200]
        )


class CaseNote(models.Model):
    class Kind(models.TextChoices):
        CALL = "call", _("Call")
        MEETING = "meeting", _("Meeting")
        LENDER = "lender", _("Lender contact")
        OTHER = "other", _("Other")

    borrower = models.ForeignKey(Borrower, on_delete=models.CASCADE, related_name="case_notes")
    author = models.ForeignKey(Counselor, on_delete=models.PROTECT, related_name="notes")
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.CALL)
    text = models.TextField(_("note"), max_length=4000)
    next_action_on = models.DateField(_("next action on"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d} {self.get_kind_display()}"


class Triage(models.Model):
    """A borrower's caseload figures as of ``computed_on`` (Asia/Shanghai).

    Written from the live computation in borrowers/caseload.py whenever the
    borrower's data changes, and for every borrower whose row is older than
    today when a caseload is read, so that sorting 10,000 borrowers is a
    plain indexed query.
    """

    borrower = models.OneToOneField(
        Borrower, on_delete=models.CASCADE, primary_key=True, related_name="triage"
    )
    computed_on = models.DateField()
    worst_rank = models.PositiveSmallIntegerField(default=0)
    next_tier_on = models.DateField(null=True)
    oldest_missed = models.DateField(null=True)
    total_overdue = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0"))
    missed_n = models.PositiveIntegerField(default=0)
    has_missed = models.BooleanField(default=False)
    next_installment_on = models.DateField(null=True)
    next_installment_amount = models.DecimalField(max_digits=14, decimal_places=2, null=True)
    last_contact = models.DateTimeField(null=True)
    next_action_on = models.DateField(null=True)
    proposal_status = models.CharField(max_length=12, default="none")

    class Meta:
        indexes = [
            models.Index(fields=["-has_missed", "next_tier_on"], name="triage_urgency"),
            models.Index(fields=["computed_on"], name="triage_computed_on"),
        ]

    def __str__(self):
        return f"{self.borrower_id} @ {self.computed_on}"


class CollectionRule(models.Model):
    """A rule of conduct for debt collection, as data, with its source named.

    Seeded by a data migration from docs/domain.md §6 and editable by staff. ``kind``
    says how borrowers/collection.py checks a contact against the rule;
    ``parameters`` hold its figures (times as "HH:MM" local Asia/Shanghai time).
    Titles and explanations are stored in both languages because the complaint
    letter quotes the Chinese ones whatever the reader's language.
    """

    class Kind(models.TextChoices):
        QUIET_HOURS = collection.QUIET_HOURS, _("Contact during quiet hours")
        CONNECTED_CALLS = collection.CONNECTED_CALLS, _("Too many connected calls in one day")
        THIRD_PARTY = collection.THIRD_PARTY, _("Contact of a third party")
        THREATS = collection.THREATS, _("Threats or insults")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    parameters = models.JSONField(
        _("parameters"),
        default=dict,
        blank=True,
        help_text=_(
            'For quiet hours {"quiet_start": "22:00", "quiet_end": "08:00"} (local time); '
            'for connected calls {"max_connected_calls_per_day": 3}.'
        ),
    )
    title_zh = models.CharField(_("title (Chinese)"), max_length=120)
    title_en = models.CharField(_("title (English)"), max_length=120)
    explanation_zh = models.TextField(_("explanation (Chinese)"), max_length=1000)
    explanation_en = models.TextField(_("explanation (English)"), max_length=1000)
    source = models.TextField(
        _("source"), max_length=500, help_text=_("The standard or guideline, as it is cited.")
    )
    active = models.BooleanField(_("active"), default=True)
    effective_from = models.DateField(
        _("effective from"), help_text=_("Contacts before this day are not checked.")
    )
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "pk"]
        verbose_name = _("collection rule")
        verbose_name_plural = _("collection rules")

    def __str__(self):
        return self.title

    @property
    def title(self) -> str:
        return self.title_en if (get_language() or "").startswith("en") else self.title_zh

    @property
    def explanation(self) -> str:
        return (
            self.explanation_en if (get_language() or "").startswith("en") else self.explanation_zh
        )

    def clean(self):
        if self.kind:
            errors = collection.parameter_errors(self.kind, self.parameters)
            if errors:
                raise ValidationError({"parameters": errors})


class CollectionContactQuerySet(OwnedQuerySet):
    pass


class CollectionContact(models.Model):
    """One contact by a collector, as the borrower recorded it."""

    class Channel(models.TextChoices):
        CALL = collection.CALL, _("Phone call")
        SMS = collection.SMS, _("SMS or message")
        VISIT = collection.VISIT, _("Visit")
        THIRD_PARTY = (
            collection.THIRD_PARTY_CHANNEL,
            _("Contacted someone else (family, colleague, contacts)"),
        )

    borrower = models.ForeignKey(
        Borrower, on_delete=models.CASCADE, related_name="collection_contacts"
    )
    occurred_at = models.DateTimeField(_("date and time"))
    channel = models.CharField(_("how"), max_length=12, choices=Channel.choices)
    connected = models.BooleanField(_("the call was connected"), default=False)
    who = models.CharField(
        _("who contacted you"),
        max_length=120,
        help_text=_("Collector's name, company or phone number."),
    )
    debt = models.ForeignKey(
        Debt,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="collection_contacts",
        verbose_name=_("which debt"),
    )
    notes = models.TextField(_("what happened"), max_length=2000, blank=True)
    threats = models.BooleanField(_("threats or insults"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CollectionContactQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at", "-pk"]
        verbose_name = _("collection contact")
        verbose_name_plural = _("collection contacts")
        indexes = [models.Index(fields=["borrower", "-occurred_at"], name="contact_borrower_time")]

    def __str__(self):
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.get_channel_display()} {self.who}"

    @property
    def party(self) -> str:
        """Who collects: the debt's lender when the debt is known, else who called."""
        return self.debt.lender_name if self.debt is not None else self.who

    def as_contact(self) -> collection.Contact:
        return collection.Contact(
            key=self.pk,
            at=self.occurred_at,
            channel=self.channel,
            connected=self.connected,
            party=self.party,
            threats=self.threats,
        )
