"""Counselors and their agencies, invites, access grants and their history, notes
and the caseload figures."""

import secrets
from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from borrowers.accounts.models import Borrower, User


class Agency(models.Model):
    name = models.CharField(_("name"), max_length=120)
    code = models.SlugField(_("agency code"), max_length=32, unique=True)

    class Meta:
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")

    def __str__(self):
        return self.name


class CounselorQuerySet(models.QuerySet):
    def active(self):
        return self.filter(deactivated_at__isnull=True)


class Counselor(models.Model):
    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="counselor")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="counselors")
    display_name = models.CharField(_("display name"), max_length=60)
    # Runs the agency from the app: invites and deactivates counselors,
    # reassigns borrowers (docs/counselors.md).
    is_agency_admin = models.BooleanField(_("agency admin"), default=False)
    # A deactivated counselor keeps their notes and history but opens no page
    # of the counselor area.
    deactivated_at = models.DateTimeField(_("deactivated at"), null=True, blank=True)

    objects = CounselorQuerySet.as_manager()

    class Meta:
        verbose_name = _("counselor")
        verbose_name_plural = _("counselors")

    def __str__(self):
        return f"{self.display_name} ({self.agency})"

    @property
    def is_active(self) -> bool:
        return self.deactivated_at is None


def _invite_code() -> str:

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


def _join_token() -> str:
    return secrets.token_urlsafe(32)


class CounselorInvite(models.Model):
    """An agency admin's invitation of a counselor, by email: a single-use link
    (the token), valid for 14 days."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="counselor_invites")
    invited_by = models.ForeignKey(Counselor, on_delete=models.CASCADE, related_name="+")
    email = models.EmailField(_("email address"))
    display_name = models.CharField(_("display name"), max_length=60)
    token = models.CharField(max_length=64, unique=True, default=_join_token)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    used_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.email} → {self.agency}"


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
        TRANSFER = "transfer", _("Transfer to another counselor proposed")
        REFUSE = "refuse", _("Transfer refused")

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


class Transfer(models.Model):
    """An agency admin's proposal that another counselor of the agency follow a
    borrower: pending until the borrower accepts (the new counselor then gets
    the grant, the previous one loses it) or refuses (nothing changes)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        ACCEPTED = "accepted", _("Accepted")
        REFUSED = "refused", _("Refused")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    borrower = models.ForeignKey(Borrower, on_delete=models.CASCADE, related_name="transfers")
    from_counselor = models.ForeignKey(Counselor, on_delete=models.CASCADE, related_name="+")
    to_counselor = models.ForeignKey(Counselor, on_delete=models.CASCADE, related_name="+")
    requested_by = models.ForeignKey(Counselor, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["borrower"],
                condition=models.Q(status="pending"),
                name="one_pending_transfer",
            )
        ]

    def __str__(self):
        return f"{self.borrower}: {self.from_counselor} → {self.to_counselor} ({self.status})"


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
    # What the counselor will do next, in their own words, and when: the
    # caseload shows the latest one (docs/counselors.md, "The caseload").
    next_action = models.CharField(_("next action"), max_length=200, blank=True)
    next_action_on = models.DateField(_("next action on"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d} {self.get_kind_display()}"


class Triage(models.Model):
    """A borrower's caseload figures as of ``computed_on`` (Asia/Shanghai).

    Written from the live computation in borrowers/counselors/caseload.py whenever the
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
    # The next action, from the latest case note that has one or the latest
    # counselor review with a comment, whichever is later ("note" / "review"
    # in next_action_source, written at next_action_at; a review's section in
    # next_action_section).
    next_action = models.CharField(max_length=200, blank=True, default="")
    next_action_on = models.DateField(null=True)
    next_action_source = models.CharField(max_length=8, blank=True, default="")
    next_action_section = models.CharField(max_length=12, blank=True, default="")
    next_action_at = models.DateTimeField(null=True)
    # How many of the borrower's proposals are in each state of the caseload
    # (caseload.STATES; the position source sorts the statuses into them).
    n_draft = models.PositiveIntegerField(default=0)
    n_in_review = models.PositiveIntegerField(default=0)
    n_approved = models.PositiveIntegerField(default=0)
    n_sent = models.PositiveIntegerField(default=0)
    n_agreed = models.PositiveIntegerField(default=0)
    n_refused = models.PositiveIntegerField(default=0)
    # The oldest proposal awaiting review, linked from the row; a plain id,
    # since proposals belong to repayment_plans, which this app never imports.
    review_proposal_id = models.PositiveIntegerField(null=True)
    # The nearest court or arbitration deadline still open (today or later), from
    # the position source (repayment_plans' legal matters).
    legal_deadline_on = models.DateField(null=True)

    class Meta:
        indexes = [
            models.Index(fields=["-has_missed", "next_tier_on"], name="triage_urgency"),
            models.Index(fields=["computed_on"], name="triage_computed_on"),
        ]

    def __str__(self):
        return f"{self.borrower_id} @ {self.computed_on}"
