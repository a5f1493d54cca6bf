from decimal import Decimal

from django import forms
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from borrowers.forms import amount_field
from borrowers.views import borrower_required

from . import charts, recovery, services
from .recovery_text import milestone_card


class WhatIfForm(forms.Form):
    miss_next = forms.BooleanField(label=_("Miss next month's installment"), required=False)
    extra = amount_field(_("Pay this much extra now"), required=False)


def timeline_context(borrower, today, what_if: recovery.WhatIf):
    accounts, scenario = services.recovery_inputs(borrower, today)
    timeline = recovery.recovery_timeline(accounts, today, what_if)
    without = recovery.recovery_timeline(recovery.nothing_paid(accounts), today)
    labels = timeline.labels
    shown = (recovery.MilestoneKind.CLEARED, recovery.MilestoneKind.RELIEF)
    overall = [m for m in timeline.milestones if m.account is None]
    per_account = [
        m
        for m in timeline.milestones
        if m.account is not None
        and (m.kind in shown or (m.kind == recovery.MilestoneKind.SIX_ON_TIME))
    ]
    return {
        "scenario": scenario,
        "timeline": timeline,
        "overall_cards": [milestone_card(m, labels) for m in overall],
        "account_cards": [milestone_card(m, labels) for m in per_account],
        "chart": charts.balance_chart(timeline, str(_("Remaining balance by month"))),
        "grids": [(labels[key], cells) for key, cells in timeline.grids.items()],
        "without_grids": [(labels[key], cells) for key, cells in without.grids.items()],
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
def timeline(request):
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
    context = {"form": form, "borrower": borrower, **timeline_context(borrower, today, what_if)}
    template = "repayment_plans/timeline.html"
    if request.htmx:
        template += "#timeline-body"
    return render(request, template, context)
