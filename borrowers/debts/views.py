"""The overview, the budget and each debt: where it stands and what happens next."""

import pickle
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache

from django.contrib import messages
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import reswap, retarget

from borrowers import pages, positions
from borrowers.access import AuthenticatedHttpRequest, borrower_required
from borrowers.debts import explanations, tiers
from borrowers.debts.forms import BudgetForm, DebtForm, DebtPreviewForm
from borrowers.models import Borrower, Debt, debt_facts
from config.compiled import CompiledQuery

# Every debt page and form reads the debt: compiled once (config/compiled.py).
# A debt of the signed-in borrower's only: another one is not found.
_owned_debt = CompiledQuery[Debt](
    lambda borrower_id, pk: Debt.objects.filter(borrower=borrower_id, pk=pk).select_related(
        "profile"
    )
)
# The debt's own page also shows its court matter and how many disputes it has.
_owned_debt_in_full = CompiledQuery[Debt](
    lambda borrower_id, pk: (
        Debt.objects.filter(borrower=borrower_id, pk=pk)
        .select_related("profile", "legal_matter__current_stage")
        .annotate(dispute_count=Count("disputes"))
    )
)


def _get_debt_for_user(
    request: AuthenticatedHttpRequest, pk: int, query: CompiledQuery[Debt] = _owned_debt
) -> Debt:
    borrower = request.user.borrower
    found = query(borrower.pk, pk)
    if not found:
        raise Http404
    debt = found[0]
    debt.borrower = borrower  # its owner, read with the user
    return debt


@dataclass
class DebtRow:
    """A debt and where it stands (repayment_plans.position.compute): what every page shows."""

    debt: Debt | None
    # repayment_plans.position.compute.DebtPosition, through borrowers.positions
    position: positions.DebtPositionLike

    @property
    def status(self) -> tiers.TierStatus:
        return self.position.status

    @property
    def tier_text(self):
        return explanations.TIER_TEXT[self.position.tier]

    @property
    def next_tier_text(self):
        tier = self.position.next_tier
        return explanations.TIER_TEXT[tier] if tier else None


@dataclass
class Overview:
    rows: list[DebtRow]
    position: positions.BorrowerPositionLike  # repayment_plans.position.compute.BorrowerPosition
    disposable_income: Decimal

    @property
    def total_owed(self) -> Decimal:
        return self.position.total_owed

    @property
    def total_overdue(self) -> Decimal:
        return self.position.total_overdue

    @property
    def penalty_to_date(self) -> Decimal:
        return self.position.penalty_to_date

    @property
    def worst_tier(self) -> tiers.Tier:
        return self.position.worst_tier

    @property
    def worst_tier_text(self):
        return explanations.TIER_TEXT[self.worst_tier]


def build_overview(borrower: Borrower, today: date) -> Overview:
    """Kept with the position: from the borrower's debts and position alone."""
    return positions.source().kept(
        borrower, today, "overview", lambda: _build_overview(borrower, today)
    )


def _build_overview(borrower: Borrower, today: date) -> Overview:
    current = positions.source().load(borrower, today)
    debts = {d.pk: d for d in positions.debts_of(borrower)}
    rows = [DebtRow(debts[p.debt_id], p) for p in current.debts if p.debt_id in debts]
    return Overview(rows=rows, position=current, disposable_income=borrower.disposable_income)


def debt_row(debt: Debt, today: date) -> DebtRow:
    current = positions.source().load(debt.borrower, today)
    return DebtRow(debt, current.by_debt(debt.pk))


class _Card:
    """A debt's card on the overview, and all its HTML is a function of: the
    language, the debt's own fields that the card prints and its position
    (pickled, so that amounts compare digit for digit)."""

    __slots__ = ("key", "row")

    def __init__(self, row: DebtRow):
        debt = row.debt
        assert debt is not None
        self.row: DebtRow | None = row
        profile = debt.profile
        self.key = (
            get_language(),
            debt.pk,
            debt.label,
            debt.lender_name,
            profile.display_name,
            profile.hotline,
            pickle.dumps(row.position, pickle.HIGHEST_PROTOCOL),
        )

    def __hash__(self) -> int:
        return hash(self.key)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Card) and self.key == other.key


@lru_cache(maxsize=2048)
def _card_html(card: _Card) -> str:
    """A card's HTML, rendered once per process for as long as it is used: after
    a write, the cards of the debts it did not touch are not rendered again. The
    cache keeps the card's key, not the row it was rendered from."""
    html = str(render_to_string("borrowers/dashboard.html#debt-card", {"row": card.row}))
    card.row = None
    return html


def debt_card(row: DebtRow) -> SafeString:
    return mark_safe(_card_html(_Card(row)))  # noqa: S308 (rendered from our template)


def debts_section(borrower: Borrower, today: date) -> SafeString:
    """The overview's debts section (the totals and a card per debt), as HTML.

    It shows the position, the day and the language, and nothing of the request
    (no form, no token, no message), so it is rendered once while none of them
    changes and kept with the position, as the timeline's body is; the
    dashboard and the inline edits answer with it. Its cards come from
    ``debt_card``, so that a write renders only the cards it changed."""

    def render_section() -> str:
        overview = build_overview(borrower, today)
        context = {
            "overview": overview,
            "borrower": borrower,
            "cards": [debt_card(row) for row in overview.rows],
        }
        return str(render_to_string("borrowers/dashboard.html#debts", context))

    html = positions.source().kept(borrower, today, "overview:debts-html", render_section)
    return mark_safe(html)  # noqa: S308 (rendered from our template above)


@borrower_required
def dashboard(request: AuthenticatedHttpRequest) -> HttpResponse:
    borrower = request.user.borrower
    context = {"debts_section": debts_section(borrower, timezone.localdate()), "borrower": borrower}
    return render(request, "borrowers/dashboard.html", context)


@borrower_required
@require_http_methods(["GET", "POST"])
def budget(request: AuthenticatedHttpRequest) -> HttpResponse:
    borrower = request.user.borrower
    form = BudgetForm(request.POST or None, instance=borrower)
    if request.method == "POST" and form.is_valid():
        borrower = form.save(commit=False)
        borrower.budget_updated_at = timezone.now()
        borrower.save()
        messages.success(request, _("Budget saved."))
        return redirect("dashboard")
    return render(request, "borrowers/budget.html", {"form": form, "borrower": borrower})


def _debts_partial(request: AuthenticatedHttpRequest, status: int = 200) -> HttpResponse:
    """The debts section of the dashboard, re-rendered after an inline change."""
    response = HttpResponse(
        debts_section(request.user.borrower, timezone.localdate()), status=status
    )
    return reswap(retarget(response, "#debts"), "outerHTML")


def _debt_form_response(
    request: AuthenticatedHttpRequest, form: DebtForm, debt: Debt | None = None
) -> HttpResponse:
    template = "borrowers/debt_form.html#debt-form" if request.htmx else "borrowers/debt_form.html"
    preview = _preview_context(form.data if form.is_bound else None, debt)
    context = {"form": form, "debt": debt, "inline": pages.embedded(request), **preview}
    return render(request, template, context)


@borrower_required
@require_http_methods(["GET", "POST"])
def debt_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    today = timezone.localdate()
    form = DebtForm(request.POST or None, today=today)
    if request.method == "POST" and form.is_valid():
        debt = form.save(commit=False)
        debt.borrower = request.user.borrower
        debt.save()
        return pages.saved(
            request,
            message=_("Debt added."),
            page_url=reverse("debt_detail", args=[debt.pk]),
            fragment=lambda: _debts_partial(request),
        )
    return _debt_form_response(request, form)


@borrower_required
@require_http_methods(["GET", "POST"])
def debt_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    debt = _get_debt_for_user(request, pk)
    form = DebtForm(request.POST or None, instance=debt, today=timezone.localdate())
    if request.method == "POST" and form.is_valid():
        form.save()
        return pages.saved(
            request,
            message=_("Debt updated."),
            page_url=reverse("debt_detail", args=[debt.pk]),
            fragment=lambda: _debts_partial(request),
        )
    return _debt_form_response(request, form, debt)


@borrower_required
@require_http_methods(["GET", "POST"])
def debt_delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    debt = _get_debt_for_user(request, pk)
    if request.method == "POST":
        debt.delete()
        if request.htmx:
            return _debts_partial(request)
        messages.success(request, _("Debt deleted."))
        return redirect("dashboard")
    return render(request, "borrowers/debt_confirm_delete.html", {"debt": debt})


@borrower_required
@require_GET
def debt_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    debt = _get_debt_for_user(request, pk, _owned_debt_in_full)
    row = debt_row(debt, timezone.localdate())
    context = {
        "row": row,
        "debt": debt,
        "explanations": explanations,
        "all_tiers": [(t, explanations.TIER_TEXT[t]) for t in tiers.Tier],
        "report_code_text": explanations.REPORT_CODE_TEXT[row.position.report_code],
        "card_risk_text": explanations.CARD_RISK_CLASS_TEXT.get(row.status.card_risk_class or ""),
    }
    return render(request, "borrowers/debt_detail.html", context)


def preview_row(facts: tiers.DebtFacts, principal: Decimal, today: date) -> DebtRow:
    """Where a debt not saved yet would stand (the form's preview, the front page's check)."""
    return DebtRow(debt=None, position=positions.source().preview(facts, principal, today))


def _preview_context(data, debt=None):
    """Tier preview for the debt form, from whatever part of the form is valid."""
    if data is None:
        if debt is None:
            return {"preview": None}
        return {"preview": debt_row(debt, timezone.localdate()), "preview_profile": debt.profile}
    today = timezone.localdate()
    values = DebtPreviewForm(data, today=today).preview_values()
    profile = values["profile"]
    if profile is None:
        return {"preview": None}
    facts = debt_facts(
        profile,
        first_missed=values["first_missed"],
        principal=values["principal"],
        overdue_amount=values["overdue_amount"],
        annual_rate_percent=values["annual_rate_percent"],
        grace_days_override=values["grace_days_override"],
        penalty_multiplier_override=values["penalty_multiplier_override"],
    )
    return {
        "preview": preview_row(facts, values["principal"], today),
        "preview_profile": profile,
        "preview_profiles": values["profiles"],
        "preview_date_error": values["date_error"],
    }


@borrower_required
@require_GET
def debt_preview(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The live tier preview beside the debt form (htmx, before saving)."""
    context = _preview_context(request.GET)
    profile = context.get("preview_profile")
    # Offer the product's typical lender when the lender field is still empty
    # or still shows another product's typical lender.
    typed = request.GET.get("lender_name", "").strip()
    # The products' typical lenders, from the profiles the form read.
    defaults = {p.default_lender for p in context.get("preview_profiles", ())}
    context["lender_suggestion"] = (
        profile.default_lender
        if profile and (not typed or typed in defaults) and not profile.lender_is_user_entered
        else None
    )
    context["lender_clear"] = bool(
        profile and profile.lender_is_user_entered and typed in defaults and typed
    )
    return render(request, "borrowers/_tier_preview.html", context)
