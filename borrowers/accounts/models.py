"""People: the login account, the borrower's profile and budget, and what every owned row shares."""

import threading
import uuid
from decimal import Decimal
from typing import ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from borrowers.debts.budget import monthly_capacity
from borrowers.identity import masked, validate_resident_id

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

    @property
    def nav_role(self) -> str:
        """What the navigation offers this user: "borrower", "counselor", "agency
        admin" or "" (staff). Read in Python: in a template, the profile a user does
        not have raises on each lookup (templates/_nav.html asked four times a page)."""
        if getattr(self, "borrower", None) is not None:
            return "borrower"
        counselor = getattr(self, "counselor", None)
        if counselor is None:
            return ""
        return "agency admin" if counselor.is_agency_admin else "counselor"


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


# Where borrowers.positions keeps a request's debts on a Borrower object.
POSITION_DEBTS = "_position_debts"


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
    # Optional; shown masked in the app, printed in full only in the letter (PDF).
    id_number = models.CharField(
        _("ID number (身份证号)"), max_length=18, blank=True, validators=[validate_resident_id]
    )
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

    def __getstate__(self):
        # The debts a request keeps on this object (borrowers.positions.debts_of)
        # stay in that request: never in a pickled copy (a cached page).
        state = super().__getstate__()
        state.pop(POSITION_DEBTS, None)
        return state

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

    @property
    def id_number_masked(self) -> str:
        return masked(self.id_number)


# Per thread: the stamps the thread's current request knows (borrowers/signals.py
# starts it empty), or None outside a request. Within a request, a borrower's
# stamp is the one renewed last in it, else the one read with the signed-in user,
# else the first one read from the database (PositionStamp.of).
_known = threading.local()


class PositionStamp(models.Model):
    """The version of what a borrower's position is computed from: debts, proposals,
    plans, payments and the budget. Every write to them gives the borrower a new
    random stamp (borrowers/signals.py, ``position_changed``), so that a position
    kept in the cache under the old stamp is never read again
    (repayment_plans/position/load.py; docs/architecture.md, "The position cache").
    A table of its own, so that saving a Borrower never writes an old stamp back."""

    borrower = models.OneToOneField(
        Borrower, on_delete=models.CASCADE, primary_key=True, related_name="position_stamp"
    )
    stamp = models.UUIDField(default=uuid.uuid4)

    def __str__(self):
        return f"{self.borrower_id}: {self.stamp}"

    @classmethod
    def renew(cls, borrower_ids) -> None:
        """A new stamp for these borrowers, in one UPDATE. A borrower without a row
        gets one on the first read (``for_borrower``); the row is never created
        here, so that a change seen while an account is being deleted adds nothing."""
        ids = list(borrower_ids)
        stamp = uuid.uuid4()
        cls.objects.filter(borrower_id__in=ids).update(stamp=stamp)
        known = getattr(_known, "stamps", None)
        if known is not None:
            known.update(dict.fromkeys(ids, stamp))

    @staticmethod
    def request_started() -> None:
        _known.stamps = {}

    @staticmethod
    def request_finished() -> None:
        _known.stamps = None

    @classmethod
    def of(cls, borrower: Borrower) -> uuid.UUID:
        """The borrower's current stamp. In a request: the one this request renewed
        it to last, else the one read with the borrower (the signed-in user's,
        borrowers/accounts/backends.py), else the first one this request read
        (a counselor's page reads each borrower's once). Outside a request, read
        now (``for_borrower``)."""
        known = getattr(_known, "stamps", None)
        if known is None:
            return cls.for_borrower(borrower.pk)
        if borrower.pk not in known:
            try:
                cached = Borrower.position_stamp.is_cached(borrower) and borrower.position_stamp
            except cls.DoesNotExist:
                cached = None
            known[borrower.pk] = cached.stamp if cached else cls.for_borrower(borrower.pk)
        return known[borrower.pk]

    @classmethod
    def for_borrower(cls, borrower_id: int) -> uuid.UUID:
        """The borrower's current stamp, read from the database (one query), or a new
        one for a borrower who has none yet."""
        stamp = cls.objects.filter(borrower_id=borrower_id).values_list("stamp", flat=True)
        for found in stamp:
            return found
        PositionStamp.objects.bulk_create(
            [PositionStamp(borrower_id=borrower_id)], ignore_conflicts=True
        )
        return cls.objects.get(borrower_id=borrower_id).stamp


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
