"""Every form the app has, with where it is posted, by whom, and how to tell
that a valid submission saved exactly what the form cleaned.

A Target builds its form as the view does (the oracle: valid or not, and the
cleaned data), names the request, and checks what was saved. The test in
test_registry.py fails when a form class exists that no target covers: a new
form is registered here with its target.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from functools import cached_property

from django.apps import apps
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.core.exceptions import FieldDoesNotExist
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from borrowers.accounts import forms as account_forms
from borrowers.accounts import throttle
from borrowers.accounts.lockout import AdminLoginForm, LoginForm
from borrowers.collection import complaint
from borrowers.collection import forms as collection_forms
from borrowers.counselors.forms import CounselorInviteForm, JoinForm, TransferForm
from borrowers.counselors.views import InviteCodeForm, NextActionForm, NoteForm
from borrowers.data_rights.views import DeleteAccountForm
from borrowers.debts import forms as debt_forms
from borrowers.models import AccessGrant, Counselor, CounselorInvite, Invite, Transfer, User
from repayment_plans.counselors.forms import DECISION_STATUS, ReviewForm
from repayment_plans.disputes.forms import DisputeForm
from repayment_plans.legal import services as legal_services
from repayment_plans.legal.forms import LegalMatterForm, LegalStageForm
from repayment_plans.models import LenderAnswer, NotificationPreference, Proposal
from repayment_plans.negotiation.forms import NegotiationContactForm
from repayment_plans.plans import forms as plan_forms
from repayment_plans.plans import services as plan_services
from repayment_plans.proposals import forms as proposal_forms
from repayment_plans.proposals import services as proposal_services
from repayment_plans.recovery.views import WhatIfForm
from repayment_plans.reminders.views import PreferencesForm
from repayment_plans.strategies import forms as strategy_forms
from repayment_plans.strategies.affordability import Strategy
from tests.factories import (
    PASSWORD,
    AgencyFactory,
    BorrowerFactory,
    CounselorFactory,
    DebtFactory,
    profile,
)

NEW_PASSWORD = "fresh passphrase 2026"

# Rows that change without any form data being saved: sessions and login
# bookkeeping (django-axes, last_login).
IGNORED_FIELDS = {"borrowers.User": {"last_login"}}


def user_models():
    return [
        m
        for m in apps.get_models()
        if m._meta.app_label in ("borrowers", "repayment_plans") and not m._meta.proxy
    ]


def snapshot() -> dict:
    """Every row of the app's tables (minus login bookkeeping), for before/after.

    Plain SQL: this runs twice per example."""
    from django.db import connection

    state = {}
    with connection.cursor() as cursor:
        for label, sql in _snapshot_queries(connection):
            cursor.execute(sql)
            state[label] = cursor.fetchall()
    return state


def _snapshot_queries(connection):
    quote = connection.ops.quote_name
    for model in user_models():
        ignored = IGNORED_FIELDS.get(model._meta.label, set())
        pk = model._meta.pk
        fields = [pk, *(f for f in model._meta.concrete_fields if f is not pk)]
        columns = ", ".join(quote(f.column) for f in fields if f.name not in ignored)
        table = quote(model._meta.db_table)
        yield (
            model._meta.label,
            f"SELECT {columns} FROM {table} ORDER BY {quote(model._meta.pk.column)}",
        )  # noqa: S608


def changed_tables(before: dict, after: dict) -> list[str]:
    return [label for label in before if before[label] != after[label]]


class World:
    """Alice (a borrower with a budget and two debts), Bob (another borrower),
    Charlie (Alice's counselor, allowed to edit) and Dana (a counselor with an
    unused invite code). Proposal, version and plan are made when a target
    asks for them."""

    def __init__(self):
        self.today = timezone.localdate()
        self.alice = BorrowerFactory(
            display_name="Alice",
            user__email="alice@example.com",
            monthly_net_income=Decimal("20000"),
        )
        self.bob = BorrowerFactory(display_name="Bob", user__email="bob@example.com")
        self.bob_debt = DebtFactory(borrower=self.bob)
        self.huabei = DebtFactory(
            borrower=self.alice,
            principal=Decimal("6000.00"),
            penalty_fees=Decimal("150.00"),
            first_missed_date=self.today - timedelta(days=45),
        )
        self.weilidai = DebtFactory(
            borrower=self.alice,
            profile=profile("weilidai"),
            principal=Decimal("18000.00"),
            interest=Decimal("1200.00"),
            first_missed_date=self.today - timedelta(days=75),
        )
        agency = AgencyFactory()
        self.charlie = CounselorFactory(
            display_name="Charlie", user__email="charlie@example.com", agency=agency
        )
        AccessGrant.objects.create(borrower=self.alice, counselor=self.charlie, can_edit=True)
        self.dana = CounselorFactory(display_name="Dana", user__email="dana@example.com")
        self.invite = Invite.objects.create(
            counselor=self.dana, expires_at=timezone.now() + timedelta(days=14)
        )
        self.staff = User.objects.create_user("staff@example.com", PASSWORD, is_staff=True)

    def persona(self, name):
        return {"alice": self.alice.user, "charlie": self.charlie.user}.get(name)

    @cached_property
    def proposal(self) -> Proposal:
        proposal = Proposal.objects.create(
            borrower=self.alice,
            lender_name=self.huabei.lender_name,
            months=12,
            first_due_date=plan_services.next_month_first(self.today),
        )
        proposal.debts.set([self.huabei])
        return proposal

    @cached_property
    def version(self):
        return proposal_services.finalise(self.proposal, self.today, "zh-hans")

    @cached_property
    def plan(self):
        return proposal_services.record_answer(
            self.proposal, LenderAnswer(kind="accepted", answered_on=self.today)
        )

    @cached_property
    def legal_matter(self):
        """A payment order about Alice's 微粒贷 debt, received a week ago."""
        LegalMatter = apps.get_model("repayment_plans", "LegalMatter")
        LegalStage = apps.get_model("repayment_plans", "LegalStage")
        return legal_services.start_matter(
            LegalMatter(borrower=self.alice, debt=self.weilidai),
            LegalStage(kind="payment_order", received_on=self.today - timedelta(days=7)),
        )

    def fresh(self, obj):
        return type(obj).objects.get(pk=obj.pk)


@dataclass
class Target:
    """One form at one endpoint."""

    form: type
    name: str
    url: Callable[[World], str]
    oracle: Callable[[World, dict], object]
    persona: str | None = "alice"  # None: anonymous
    method: str = "post"
    # What a valid submission must have done: (world, cleaned form, response, before, after).
    saved: Callable | None = None
    # Values that are valid and hard to guess, per field name.
    hints: Callable[[World], dict] = field(default=lambda world: {})
    # Field strategies that replace the generated ones, per field name.
    strategies: Callable[[World], dict] = field(default=lambda world: {})
    # Parameters the view reads besides the form's fields, with their valid values.
    params: Callable[[World], dict] = field(default=lambda world: {})
    headers: dict = field(default_factory=dict)
    setup: Callable[[World], object] | None = None  # what the page needs first
    prepare: Callable[[World, object], str] | None = None  # per example: the URL to use
    examples: int = 200
    # At most this many valid submissions per run (the rest lose a required
    # field): for a form whose valid path is slow and the same each time.
    max_valid: int | None = None

    @property
    def saves(self) -> bool:
        return self.saved is not None


# Checks of what was saved -----------------------------------------------------


def assert_instance_matches(obj, cleaned, skip=()):
    """Each model field the form cleaned has that value in the database, and
    the row passes the model's own validation."""
    obj = type(obj).objects.get(pk=obj.pk)
    for name, value in cleaned.items():
        if name in skip:
            continue
        try:
            model_field = obj._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        if model_field.many_to_many:
            assert set(getattr(obj, name).all()) == set(value), name
        else:
            assert getattr(obj, name) == value, (name, getattr(obj, name), value)
    obj.full_clean(validate_unique=False, validate_constraints=False)
    return obj


def created(model, before):
    pks = {row[0] for row in before[model._meta.label]}
    new = list(model.objects.exclude(pk__in=pks))
    assert len(new) == 1, f"expected one new {model.__name__}, found {len(new)}"
    return new[0]


def saved_new(model, owner: Callable[[World], object], owner_field="borrower"):
    def check(world, form, response, before, after):
        obj = created(model, before)
        assert getattr(obj, owner_field) == owner(world), "saved for someone else"
        assert_instance_matches(obj, form.cleaned_data)

    return check


def saved_instance(get: Callable[[World], object]):
    def check(world, form, response, before, after):
        assert_instance_matches(get(world), form.cleaned_data)

    return check


def nothing_saved_but(*labels):
    """A valid submission of a form that saves nothing (a filter, a preview)."""

    def check(world, form, response, before, after):
        assert set(changed_tables(before, after)) <= set(labels)

    return check


def saved_signup(world, form, response, before, after):
    user = created(User, before)
    assert user.email == form.cleaned_data["email"]
    assert user.borrower.display_name == form.cleaned_data["display_name"]
    assert user.check_password(form.cleaned_data["password1"])
    user.full_clean(validate_unique=False)
    user.borrower.full_clean(validate_unique=False, validate_constraints=False)


def saved_debt(world, form, response, before, after):
    debt = created(form._meta.model, before)
    assert debt.borrower == world.alice
    assert_instance_matches(debt, form.cleaned_data)


def saved_proposal(world, form, response, before, after):
    assert_instance_matches(world.proposal, form.cleaned_data, skip=("monthly",))


def saved_version(world, form, response, before, after):
    assert world.proposal.versions.count() == 1


def saved_delivery(world, form, response, before, after):
    delivery = created(apps.get_model("repayment_plans", "EmailDelivery"), before)
    email = form.cleaned_data["lender_email"]
    assert delivery.to_email == email and delivery.version == world.version
    assert world.fresh(world.proposal).lender_email == email
    delivery.full_clean(validate_unique=False)


def saved_answer(world, form, response, before, after):
    answer = created(LenderAnswer, before)
    assert answer.proposal == world.proposal
    assert_instance_matches(answer, form.cleaned_data)


def saved_payment(world, form, response, before, after):
    payment = created(apps.get_model("repayment_plans", "Payment"), before)
    assert payment.plan == world.plan
    assert payment.amount == form.cleaned_data["amount"]
    assert payment.paid_on == form.cleaned_data["paid_on"]
    payment.full_clean()


def saved_plan_change(world, form, response, before, after):
    PlanChange = apps.get_model("repayment_plans", "PlanChange")
    plan = world.fresh(world.plan)
    if not PlanChange.objects.filter(plan=plan).exists():
        # Refused under the lock (the new installments start too early): a
        # message on the form, nothing changed.
        assert response.status_code == 200
        assert response.context["form"].non_field_errors()
        assert not changed_tables(before, after)
        return
    assert response.status_code == 302
    change = PlanChange.objects.get(plan=plan)
    assert change.version == plan.version == 2
    assert change.reason == form.cleaned_data["reason"]
    assert "repayment_plans.Payment" not in changed_tables(before, after)  # payments kept
    amount = form.cleaned_data["amount"]
    interest_free = (
        form.cleaned_data["method"] == "interest_free" or not form.cleaned_data["annual_percent"]
    )
    assert plan.outstanding == amount if interest_free else plan.outstanding >= amount
    change.full_clean()


def saved_strategy(world, form, response, before, after):
    if form.data.get("strategy") not in set(Strategy):
        assert not changed_tables(before, after)
        return
    first = form.cleaned_data["first_due_date"]
    proposals = Proposal.objects.for_user(world.alice.user)
    assert proposals.exists()
    assert {p.first_due_date for p in proposals} == {first}
    for proposal in proposals:
        proposal.full_clean(validate_unique=False)


def saved_grant(world, form, response, before, after):
    assert AccessGrant.objects.active().filter(borrower=world.alice, counselor=world.dana).exists()
    assert Invite.objects.get(pk=world.invite.pk).used_by == world.alice


def saved_preferences(world, form, response, before, after):
    from repayment_plans.reminders import engine as reminders

    for name, enabled in form.cleaned_data.items():
        channel, kind = name.split(":")
        assert reminders.channel_enabled(world.alice.user.pk, channel, kind) == enabled, name
    for preference in NotificationPreference.objects.all():
        preference.full_clean(validate_unique=False)


def saved_note(world, form, response, before, after):
    note = created(apps.get_model("borrowers", "CaseNote"), before)
    assert note.borrower == world.alice and note.author == world.charlie
    assert_instance_matches(note, form.cleaned_data)


def saved_next_action(world, form, response, before, after):
    """A case note of kind "other" whose text is the action, and the caseload row
    showing it (the row itself with htmx, the caseload without)."""
    assert set(changed_tables(before, after)) <= {"borrowers.CaseNote", "borrowers.Triage"}
    note = created(apps.get_model("borrowers", "CaseNote"), before)
    assert note.borrower == world.alice and note.author == world.charlie
    assert (note.kind, note.text) == ("other", form.cleaned_data["next_action"])
    assert_instance_matches(note, form.cleaned_data)
    row = apps.get_model("borrowers", "Triage").objects.get(borrower=world.alice)
    assert (row.next_action, row.next_action_on, row.next_action_source) == (
        note.next_action,
        note.next_action_on,
        "note",
    )
    if response.status_code == 302:
        assert response["Location"] == reverse("caseload")
    else:
        assert response.content.decode().startswith(f'<tr id="case-{world.alice.pk}"')


def saved_counselor_debt(world, form, response, before, after):
    assert_instance_matches(world.huabei, form.cleaned_data)


def account_deleted(world, form, response, before, after):
    assert not User.objects.filter(pk=world.alice.user.pk).exists()


def logged_in(world, form, response, before, after):
    assert response.status_code == 302
    assert response.wsgi_request.user == form.get_user()
    assert not changed_tables(before, after)


def queued_account_emails() -> list[tuple[str, int]]:
    """The account emails waiting for the test's transaction to commit
    (borrowers.accounts.mail queues them on commit): (kind, user id). Taken off
    the list, as the example's savepoint rollback does not drop them."""
    import inspect

    from django.db import connection

    queued, kept = [], []
    for entry in connection.run_on_commit:
        callback = entry[1]
        if callback.__module__ == "borrowers.accounts.mail":
            names = inspect.getclosurevars(callback).nonlocals
            queued.append((names["kind"], names["user"].pk))
        else:
            kept.append(entry)
    connection.run_on_commit[:] = kept
    return queued


def reset_mail_sent(world, form, response, before, after):
    assert not changed_tables(before, after)
    assert not mail.outbox  # never sent inside the request
    email = form.cleaned_data["email"].casefold()
    expected = (
        [("password_reset", world.alice.user.pk)]
        if email == world.alice.user.email.casefold()
        else []
    )
    assert queued_account_emails() == expected, email


def password_set(world, form, response, before, after):
    user = User.objects.get(pk=world.alice.user.pk)
    assert user.check_password(form.cleaned_data["new_password1"])


def saved_negotiation_contact(world, form, response, before, after):
    contact = created(apps.get_model("repayment_plans", "NegotiationContact"), before)
    assert contact.borrower == world.alice and contact.lender_name == world.huabei.lender_name
    assert_instance_matches(contact, form.cleaned_data)
    plans = apps.get_model("repayment_plans", "Plan").objects.filter(proposal__borrower=world.alice)
    if contact.outcome == "agreed":  # the agreement became exactly one plan
        plan = plans.get()
        assert contact.proposal_id == plan.proposal_id
        assert plan.principal == contact.offer_monthly * contact.offer_months
    else:
        assert not plans.exists()


def saved_legal_matter(world, form, response, before, after):
    LegalMatter = apps.get_model("repayment_plans", "LegalMatter")
    LegalStage = apps.get_model("repayment_plans", "LegalStage")
    matter = created(LegalMatter, before)
    assert matter.borrower == world.alice and matter.debt == form.cleaned_data["debt"]
    stage = created(LegalStage, before)
    assert stage.matter == matter and matter.current_stage == stage
    assert_instance_matches(stage, form.cleaned_data)


def saved_legal_stage(world, form, response, before, after):
    stage = created(apps.get_model("repayment_plans", "LegalStage"), before)
    assert stage.matter == world.legal_matter
    assert_instance_matches(stage, form.cleaned_data)


def _in_review(world):
    proposal_services.change_status(world.proposal, Proposal.Status.IN_REVIEW, world.alice.user)


def saved_review(world, form, response, before, after):
    proposal = world.fresh(world.proposal)
    assert proposal.status == DECISION_STATUS[form.cleaned_data["decision"]]
    event = proposal.events.latest("pk")
    assert event.comment == form.cleaned_data["comment"]
    expected = "" if form.cleaned_data["decision"] == "approve" else form.cleaned_data["section"]
    assert event.section == expected
    event.full_clean()


def _agency_admin(world):
    Counselor.objects.filter(pk=world.charlie.pk).update(is_agency_admin=True)
    world.erin = CounselorFactory(display_name="Erin", agency=world.charlie.agency)
    world.join_invite = CounselorInvite.objects.create(
        agency=world.charlie.agency,
        invited_by=world.charlie,
        email="joining@agency.example",
        display_name="Joining",
        expires_at=timezone.now() + timedelta(days=14),
    )


def saved_counselor_invite(world, form, response, before, after):
    invite = created(CounselorInvite, before)
    assert (invite.agency, invite.invited_by) == (world.charlie.agency, world.charlie)
    assert invite.email == form.cleaned_data["email"]
    assert invite.display_name == form.cleaned_data["display_name"]
    invite.full_clean(validate_unique=False)


def saved_transfer(world, form, response, before, after):
    transfer = created(Transfer, before)
    assert transfer.borrower == form.cleaned_data["borrower"]
    assert transfer.to_counselor == form.cleaned_data["to_counselor"]
    assert transfer.status == Transfer.Status.PENDING
    assert not AccessGrant.objects.filter(counselor=transfer.to_counselor).exists()


def saved_join(world, form, response, before, after):
    counselor = Counselor.objects.get(user__email="joining@agency.example")
    assert counselor.display_name == form.cleaned_data["display_name"]
    assert counselor.agency == world.charlie.agency
    assert counselor.user.check_password(form.cleaned_data["password1"])
    assert CounselorInvite.objects.get(pk=world.join_invite.pk).used_at is not None


# Hints: valid values the generic strategies rarely hit --------------------------


def debt_hints(world):
    past = [(world.today - timedelta(days=d)).isoformat() for d in (0, 40, 200)]
    return {
        "first_missed_date": ["", *past],
        "cleared_on": ["", world.today.isoformat()],
        "rate_value": ["0", "18.25", "0.05"],
        "grace_days_override": ["", "0", "30"],
        "penalty_multiplier_override": ["", "1", "1.5", "5"],
        "overdue_amount": ["", "100.00"],
    }


def negotiation_hints(world):
    first = plan_services.next_month_first(world.today).isoformat()
    return {
        "offer_monthly": ["", "500", "¥1,200", "1万"],
        "offer_months": ["", "12", "36"],
        "offer_first_due": ["", first],
        "outcome": ["no_offer", "offer", "agreed"],
    }


def _negotiation_form(world, data):
    return NegotiationContactForm(
        data, borrower=world.alice, lender=world.huabei.lender_name, now=timezone.now()
    )


def legal_hints(world):
    days = [(world.today - timedelta(days=d)).isoformat() for d in (0, 1, 30)]
    return {
        "kind": ["payment_order", "suit", "judgment", "ruling", "award", "paid"],
        "received_on": days,
        "acted_on": ["", *days],
        "event_on": ["", world.today.isoformat()],
        "debt": [str(world.huabei.pk), str(world.weilidai.pk)],
    }


def proposal_hints(world):
    return {
        "months": ["", "6", "12"],
        "monthly": ["", "300", "500.50"],
        "annual_percent": ["0", "3.5"],
        "good_faith_amount": ["", "0", "100"],
        "lender_email": ["", "collect@lender.example"],
    }


# Oracles: the form as the view builds it --------------------------------------


def _login_request():
    # Another address than the test client's, so that the oracle's failures
    # do not count towards the client's lockout.
    return RequestFactory().post(reverse("login"), REMOTE_ADDR="10.99.99.99")


def _reset_url(world, client):
    """Open the emailed link (the token goes to the session), return the form's URL."""
    uid = urlsafe_base64_encode(force_bytes(world.alice.user.pk))
    token = default_token_generator.make_token(world.alice.user)
    response = client.get(reverse("password_reset_confirm", args=[uid, token]))
    assert response.status_code == 302
    return response["Location"]


def _complaint_parties(world):
    from borrowers.models import CollectionContact

    log = complaint.build_log(CollectionContact.objects.for_user(world.alice.user))
    return complaint.party_choices(log)


def _payment_form(world, data):
    from repayment_plans.plans.views import _payment_form as payment_form

    return payment_form(world.fresh(world.plan), data)


TARGETS: list[Target] = [
    Target(
        account_forms.SignUpForm,
        "signup",
        url=lambda w: reverse("signup"),
        oracle=lambda w, data: account_forms.SignUpForm(data),
        persona=None,
        saved=saved_signup,
        hints=lambda w: {"password1": [NEW_PASSWORD], "password2": [NEW_PASSWORD]},
    ),
    Target(
        debt_forms.TierCheckForm,
        "tier_check",
        url=lambda w: reverse("tier_check"),
        oracle=lambda w, data: debt_forms.TierCheckForm(data, today=w.today),
        persona=None,
        method="get",
    ),
    Target(
        debt_forms.BudgetForm,
        "budget",
        url=lambda w: reverse("budget"),
        oracle=lambda w, data: debt_forms.BudgetForm(data, instance=w.fresh(w.alice)),
        saved=saved_instance(lambda w: w.alice),
        hints=lambda w: {
            "phone": ["13812345678", "+86 138-0013-8000"],
            "commitment_percent": ["30", "70", "100"],
        },
    ),
    Target(
        debt_forms.DebtForm,
        "debt_create",
        url=lambda w: reverse("debt_create"),
        oracle=lambda w, data: debt_forms.DebtForm(data, today=w.today),
        saved=saved_debt,
        hints=debt_hints,
    ),
    Target(
        debt_forms.DebtForm,
        "counselor_debt_edit",
        url=lambda w: reverse("counselor_debt_edit", args=[w.alice.pk, w.huabei.pk]),
        oracle=lambda w, data: debt_forms.DebtForm(data, instance=w.fresh(w.huabei), today=w.today),
        persona="charlie",
        saved=saved_counselor_debt,
        hints=debt_hints,
        examples=100,
    ),
    Target(
        debt_forms.DebtPreviewForm,
        "debt_preview",
        url=lambda w: reverse("debt_preview"),
        oracle=lambda w, data: debt_forms.DebtPreviewForm(data, today=w.today),
        hints=debt_hints,
        method="get",
        headers={"HTTP_HX_REQUEST": "true"},
    ),
    Target(
        NoteForm,
        "note_create",
        url=lambda w: reverse("note_create", args=[w.alice.pk]),
        oracle=lambda w, data: NoteForm(data, today=w.today),
        persona="charlie",
        saved=saved_note,
    ),
    Target(
        NextActionForm,
        "counselor_next_action",
        url=lambda w: reverse("counselor_next_action", args=[w.alice.pk]),
        oracle=lambda w, data: NextActionForm(data, today=w.today),
        persona="charlie",
        saved=saved_next_action,
        hints=lambda w: {"next_action": ["Call the lender", "周五前电话确认"]},
    ),
    Target(
        NextActionForm,
        "counselor_next_action_inline",
        url=lambda w: reverse("counselor_next_action", args=[w.alice.pk]),
        oracle=lambda w, data: NextActionForm(data, today=w.today),
        persona="charlie",
        saved=saved_next_action,
        hints=lambda w: {"next_action": ["Call the lender", "周五前电话确认"]},
        headers={"HTTP_HX_REQUEST": "true"},
        examples=100,
    ),
    Target(
        ReviewForm,
        "proposal_review",
        url=lambda w: reverse("proposal_review", args=[w.alice.pk, w.proposal.pk]),
        setup=_in_review,
        oracle=lambda w, data: ReviewForm(data),
        persona="charlie",
        saved=saved_review,
        hints=lambda w: {
            "decision": ["approve", "changes"],
            "section": ["", "term", "amount"],
            "comment": ["", "Make it 24 months."],
        },
    ),
    Target(
        CounselorInviteForm,
        "agency_invite",
        url=lambda w: reverse("agency_invite"),
        setup=_agency_admin,
        oracle=lambda w, data: CounselorInviteForm(data),
        persona="charlie",
        saved=saved_counselor_invite,
        hints=lambda w: {
            "email": ["new@agency.example", "alice@example.com"],
            "display_name": ["New"],
        },
    ),
    Target(
        TransferForm,
        "transfer_create",
        url=lambda w: reverse("transfer_create"),
        setup=_agency_admin,
        oracle=lambda w, data: TransferForm(data, agency=w.charlie.agency),
        persona="charlie",
        saved=saved_transfer,
        hints=lambda w: {
            "borrower": [str(w.alice.pk), str(w.bob.pk)],
            "to_counselor": [str(w.erin.pk), str(w.charlie.pk), str(w.dana.pk)],
        },
    ),
    Target(
        JoinForm,
        "counselor_join",
        url=lambda w: reverse("counselor_join", args=[w.join_invite.token]),
        setup=_agency_admin,
        oracle=lambda w, data: JoinForm(data, email="joining@agency.example"),
        persona=None,
        saved=saved_join,
        hints=lambda w: {"password1": [NEW_PASSWORD], "password2": [NEW_PASSWORD]},
    ),
    Target(
        InviteCodeForm,
        "access",
        url=lambda w: reverse("access"),
        oracle=lambda w, data: InviteCodeForm(data),
        saved=saved_grant,
        hints=lambda w: {"code": [w.invite.code, w.invite.code.lower(), f" {w.invite.code} "]},
    ),
    Target(
        collection_forms.CollectionContactForm,
        "collection_contact_create",
        url=lambda w: reverse("collection_contact_create"),
        oracle=lambda w, data: collection_forms.CollectionContactForm(
            data, borrower=w.alice, now=timezone.now()
        ),
        saved=saved_new(apps.get_model("borrowers", "CollectionContact"), lambda w: w.alice),
    ),
    Target(
        NegotiationContactForm,
        "negotiation_create",
        url=lambda w: reverse("negotiation_create", args=[w.huabei.lender_name]),
        oracle=_negotiation_form,
        saved=saved_negotiation_contact,
        hints=negotiation_hints,
    ),
    Target(
        NegotiationContactForm,
        "negotiation_preview",
        url=lambda w: reverse("negotiation_preview", args=[w.huabei.lender_name]),
        oracle=_negotiation_form,
        hints=negotiation_hints,
        method="get",
        headers={"HTTP_HX_REQUEST": "true"},
        examples=100,
    ),
    Target(
        collection_forms.ComplaintFilterForm,
        "collection_complaint",
        url=lambda w: reverse("collection_complaint"),
        oracle=lambda w, data: collection_forms.ComplaintFilterForm(
            data, parties=_complaint_parties(w)
        ),
        method="get",
    ),
    Target(
        DeleteAccountForm,
        "account_delete",
        url=lambda w: reverse("account_delete"),
        oracle=lambda w, data: DeleteAccountForm(data, user=w.fresh(w.alice.user)),
        saved=account_deleted,
        hints=lambda w: {"password": [PASSWORD], "confirm": ["DELETE", "delete", "删除"]},
    ),
    Target(
        proposal_forms.ProposalForm,
        "proposal_detail",
        url=lambda w: reverse("proposal_detail", args=[w.proposal.pk]),
        oracle=lambda w, data: proposal_forms.ProposalForm(
            data,
            instance=w.fresh(w.proposal),
            borrower=w.fresh(w.alice),
            today=w.today,
            drive=data.get("drive", "months"),
        ),
        saved=saved_proposal,
        hints=proposal_hints,
        params=lambda w: {"drive": ["months", "monthly"]},
    ),
    Target(
        proposal_forms.ProposalForm,
        "proposal_preview",
        url=lambda w: reverse("proposal_preview", args=[w.proposal.pk]),
        oracle=lambda w, data: proposal_forms.ProposalForm(
            data,
            instance=Proposal(
                pk=w.proposal.pk, borrower=w.alice, lender_name=w.proposal.lender_name
            ),
            borrower=w.fresh(w.alice),
            today=w.today,
            drive=data.get("drive", "months"),
        ),
        params=lambda w: {"drive": ["months", "monthly"]},
        hints=proposal_hints,
        method="get",
        headers={"HTTP_HX_REQUEST": "true"},
        examples=100,
    ),
    Target(
        proposal_forms.DisclosureForm,
        "proposal_finalise",
        url=lambda w: reverse("proposal_finalise", args=[w.proposal.pk]),
        oracle=lambda w, data: proposal_forms.DisclosureForm(data),
        saved=saved_version,
        max_valid=10,  # each renders the letter PDF
    ),
    Target(
        proposal_forms.SendForm,
        "proposal_send",
        url=lambda w: reverse("proposal_send", args=[w.proposal.pk]),
        setup=lambda w: w.version,
        oracle=lambda w, data: proposal_forms.SendForm(data),
        saved=saved_delivery,
    ),
    Target(
        proposal_forms.AnswerForm,
        "proposal_answer",
        url=lambda w: reverse("proposal_answer", args=[w.proposal.pk]),
        setup=lambda w: w.version,
        oracle=lambda w, data: proposal_forms.AnswerForm(
            data, proposal=w.fresh(w.proposal), today=w.today
        ),
        saved=saved_answer,
    ),
    Target(
        plan_forms.PaymentForm,
        "payment_create",
        url=lambda w: reverse("payment_create", args=[w.plan.pk]),
        oracle=_payment_form,
        saved=saved_payment,
    ),
    Target(
        plan_forms.PlanChangeForm,
        "plan_change",
        url=lambda w: reverse("plan_change", args=[w.plan.pk]),
        oracle=lambda w, data: plan_forms.PlanChangeForm(
            data, plan=w.fresh(w.plan), outstanding=w.fresh(w.plan).outstanding, today=w.today
        ),
        saved=saved_plan_change,
        hints=lambda w: {"version": [str(w.fresh(w.plan).version)]},
        max_valid=20,
    ),
    Target(
        strategy_forms.StrategyForm,
        "adopt_strategy",
        url=lambda w: reverse("adopt_strategy"),
        oracle=lambda w, data: strategy_forms.StrategyForm(data, today=w.today),
        saved=saved_strategy,
        params=lambda w: {"strategy": [s.value for s in Strategy]},
        examples=100,
    ),
    Target(
        strategy_forms.StrategyForm,
        "plan_overview",
        url=lambda w: reverse("plan_overview"),
        oracle=lambda w, data: strategy_forms.StrategyForm(data, today=w.today),
        method="get",
        examples=100,
    ),
    Target(
        PreferencesForm,
        "notification_preferences",
        url=lambda w: reverse("notification_preferences"),
        oracle=lambda w, data: PreferencesForm(data, user=w.alice.user),
        saved=saved_preferences,
    ),
    Target(
        WhatIfForm,
        "timeline",
        url=lambda w: reverse("timeline"),
        oracle=lambda w, data: WhatIfForm(data),
        method="get",
        headers={"HTTP_HX_REQUEST": "true"},
    ),
    Target(
        DisputeForm,
        "dispute_create",
        url=lambda w: reverse("dispute_create"),
        oracle=lambda w, data: DisputeForm(data, user=w.alice.user, today=w.today),
        saved=saved_new(apps.get_model("repayment_plans", "Dispute"), lambda w: w.alice),
    ),
    Target(
        LegalMatterForm,
        "legal_matter_create",
        url=lambda w: reverse("legal_matter_create"),
        oracle=lambda w, data: LegalMatterForm(data, user=w.alice.user, today=w.today),
        saved=saved_legal_matter,
        hints=legal_hints,
    ),
    Target(
        LegalStageForm,
        "legal_stage_create",
        url=lambda w: reverse("legal_stage_create", args=[w.legal_matter.pk]),
        oracle=lambda w, data: LegalStageForm(data, today=w.today),
        saved=saved_legal_stage,
        hints=legal_hints,
        setup=lambda w: w.legal_matter,
    ),
    Target(
        LoginForm,
        "login",
        url=lambda w: reverse("login"),
        oracle=lambda w, data: LoginForm(_login_request(), data),
        persona=None,
        saved=logged_in,
        hints=lambda w: {
            "username": ["alice@example.com", "ALICE@example.com"],
            "password": [PASSWORD],
        },
    ),
    Target(
        AdminLoginForm,
        "admin_login",
        url=lambda w: reverse("admin:login"),
        oracle=lambda w, data: AdminLoginForm(_login_request(), data),
        persona=None,
        saved=logged_in,
        hints=lambda w: {
            "username": ["staff@example.com", "alice@example.com"],
            "password": [PASSWORD],
        },
    ),
    Target(
        throttle.PasswordResetForm,
        "password_reset",
        url=lambda w: reverse("password_reset"),
        oracle=lambda w, data: throttle.PasswordResetForm(data),
        persona=None,
        saved=reset_mail_sent,
        hints=lambda w: {"email": ["alice@example.com", "Alice@Example.com"]},
    ),
    Target(
        account_forms.SetPasswordForm,
        "password_reset_confirm",
        url=lambda w: "",
        prepare=_reset_url,
        oracle=lambda w, data: account_forms.SetPasswordForm(w.fresh(w.alice.user), data),
        persona=None,
        saved=password_set,
        hints=lambda w: {"new_password1": [NEW_PASSWORD], "new_password2": [NEW_PASSWORD]},
    ),
    Target(
        account_forms.PasswordChangeForm,
        "password_change",
        url=lambda w: reverse("password_change"),
        oracle=lambda w, data: account_forms.PasswordChangeForm(w.fresh(w.alice.user), data),
        saved=password_set,
        hints=lambda w: {
            "old_password": [PASSWORD],
            "new_password1": [NEW_PASSWORD],
            "new_password2": [NEW_PASSWORD],
        },
    ),
]

BY_NAME = {target.name: target for target in TARGETS}
COVERED = {target.form for target in TARGETS}
