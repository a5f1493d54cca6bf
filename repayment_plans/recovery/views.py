from decimal import Decimal

from django import forms
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from borrowers.access import AuthenticatedHttpRequest, borrower_required
from borrowers.inputs import amount_field
from config.compiled import CompiledQuery
from repayment_plans.models import LegalMatter
from repayment_plans.position.load import kept
from repayment_plans.recovery import charts
from repayment_plans.recovery import inputs as recovery_inputs
from repayment_plans.recovery import timeline as recovery
from repayment_plans.recovery.text import milestone_card


class WhatIfForm(forms.Form):
    miss_next = forms.BooleanField(label=_("Miss next month's installment"), required=False)
    extra = amount_field(_("Pay this much extra now"), required=False)


def _cards(timeline, labels):
    shown = (
        recovery.MilestoneKind.CLEARED,
        recovery.MilestoneKind.RELIEF,
        recovery.MilestoneKind.SIX_ON_TIME,
    )
    overall = [m for m in timeline.milestones if m.account is None]
    per_account = [m for m in timeline.milestones if m.account is not None and m.kind in shown]
    return (
        [milestone_card(m, labels) for m in overall],
        [milestone_card(m, labels) for m in per_account],
    )


def _chart_marks(timeline) -> int:
    """How many overall milestones the chart marks (those inside its months)."""
    months = {row.month for row in timeline.months}
    return sum(
        1
        for m in timeline.milestones
        if m.account is None and recovery.month_start(m.day) in months
    )


def timeline_context(borrower, today, what_if: recovery.WhatIf):
    inputs = recovery_inputs.timeline_inputs(borrower, today)
    timeline = recovery.recovery_timeline(inputs.accounts, today, what_if)
    has_plan = any(a.plan is not None for a in inputs.accounts)
    # What the record would be if nothing more were paid: shown for debts under a plan.
    without = (
        recovery.recovery_timeline(recovery.nothing_paid(inputs.accounts), today)
        if has_plan
        else None
    )
    labels = timeline.labels
    overall_cards, account_cards = _cards(timeline, labels)
    scenario = None
    if inputs.scenario is not None:
        if_accepted = recovery.recovery_timeline(inputs.scenario, today)
        scenario_overall, scenario_accounts = _cards(if_accepted, labels)
        scenario = {
            "timeline": if_accepted,
            "overall_cards": scenario_overall,
            "account_cards": scenario_accounts,
            "grids": [(labels[key], cells) for key, cells in if_accepted.grids.items()],
            "pending_lenders": inputs.pending_lenders,
            "suggested_lenders": inputs.suggested_lenders,
        }
    return {
        "position": inputs.position,
        "has_plan": has_plan,
        "has_debts": bool(inputs.accounts),
        "scenario": scenario,
        "timeline": timeline,
        "blockers": [
            {"label": labels[key], "kind": str(kind), "debt_id": int(key)}
            for key, kind in timeline.blockers.items()
        ],
        "hidden": [(labels[key], day) for key, day in timeline.hidden_from.items()],
        "overall_cards": overall_cards,
        "account_cards": account_cards,
        "chart": charts.balance_chart(timeline, str(_("Remaining balance by month"))),
        "chart_marks": _chart_marks(timeline),
        "grids": [(labels[key], cells) for key, cells in timeline.grids.items()],
        "without_grids": [
            (labels[a.key], without.grids[a.key])
            for a in inputs.accounts
            if without is not None and a.plan is not None
        ],
        "months": [
            {
                "row": row,
                "accounts": [(labels[key], state) for key, state in row.accounts.items()],
                "cards": [milestone_card(m, labels) for m in row.milestones],
            }
            for row in timeline.months
        ],
        "this_month": recovery.month_start(today),
    }


@borrower_required
@require_GET
def timeline(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Month by month to the last milestone, with a what-if control (htmx)."""
    borrower = request.user.borrower
    today = timezone.localdate()
    form = WhatIfForm(request.GET or None)
    what_if = recovery.WhatIf()
    if form.is_bound and form.is_valid():
        what_if = recovery.WhatIf(
            miss_next=form.cleaned_data["miss_next"],
            extra=form.cleaned_data["extra"] or Decimal("0"),
        )

    def body() -> tuple[bool, str]:
        context = timeline_context(borrower, today, what_if)
        html = render_to_string(BODY, {"borrower": borrower, **context}, request)
        return context["has_plan"], str(html)

    # The body depends on the borrower's data, the day and the what-if alone: it is
    # rendered once while none of them changes (repayment_plans/position/load.py).
    what_if_key = f"timeline:{int(what_if.miss_next)}:{what_if.extra}"
    has_plan, html = kept(borrower, today, what_if_key, body)
    if request.htmx:
        return HttpResponse(html)
    context = {
        "form": form,
        "borrower": borrower,
        "has_plan": has_plan,
        "timeline_body": mark_safe(html),  # noqa: S308 (rendered from our template above)
        "legal_matters": _legal_matters(borrower.pk),
    }
    return render(request, "repayment_plans/timeline.html", context)


# A court matter changes the path: the full page lists them first, with each one's
# stage and debt. Compiled once (config/compiled.py).
_legal_matters = CompiledQuery[LegalMatter](
    lambda borrower_id: LegalMatter.objects.filter(borrower=borrower_id).select_related(
        "current_stage", "debt__profile"
    )
)


BODY = "repayment_plans/timeline.html#timeline-body"
