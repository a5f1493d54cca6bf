"""The rules of collection conduct and the contacts a borrower logs."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from borrowers.accounts.models import Borrower, OwnedQuerySet
from borrowers.collection import rules as collection
from borrowers.debts.models import Debt


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
