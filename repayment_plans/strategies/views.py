"""The plan overview: strategies for what the budget allows, and adopting one."""

from django.contrib import messages
from django.db.models import Max
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from borrowers.access import AuthenticatedHttpRequest, borrower_required
from config.compiled import CompiledQuery
from repayment_plans.models import Plan, Proposal
from repayment_plans.plans import services as plan_services
from repayment_plans.position.load import kept
from repayment_plans.strategies import affordability
from repayment_plans.strategies import services as strategy_services
from repayment_plans.strategies.forms import StrategyForm

# The plan page lists the borrower's proposals (with their latest finalised
# version's number) and plans: compiled once (config/compiled.py).
_proposals = CompiledQuery[Proposal](
    lambda borrower_id: Proposal.objects.filter(borrower=borrower_id).annotate(
        latest_version_number=Max("versions__number")
    )
)
_plans = CompiledQuery[Plan](
    lambda borrower_id: Plan.objects.filter(proposal__borrower=borrower_id).select_related(
        "proposal"
    )
)


@borrower_required
@require_GET
def plan_overview(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Capacity, the four strategies side by side, and the proposals per lender."""
    borrower = request.user.borrower
    today = timezone.localdate()
    form = StrategyForm(request.GET or None, today=today)
    first_due = (
        form.cleaned_data["first_due_date"]
        if form.is_bound and form.is_valid()
        else plan_services.next_month_first(today)
    )
    if not form.is_bound:
        form = StrategyForm(initial={"first_due_date": first_due}, today=today)

    def strategies() -> dict:
        inputs = strategy_services.strategy_inputs(borrower, today)
        groups, capacity = inputs.groups, inputs.capacity
        return {
            "groups": groups,
            "inputs": inputs,
            "capacity": capacity,
            "agreed_plans": inputs.position.active_plans,
            "required": affordability.required_capacity(groups),
            "shortfall": affordability.shortfall(groups, capacity),
            "outcomes": affordability.compare_strategies(groups, capacity, first_due, today),
        }

    context = {
        "borrower": borrower,
        "form": form,
        "first_due": first_due,
        # From the borrower's data, the day and the first due date alone: computed
        # once while none of them changes (repayment_plans/position/load.py).
        **kept(borrower, today, f"strategies:{first_due.isoformat()}", strategies),
        "proposals": _proposals(borrower.pk),
        "plans": _plans(borrower.pk),
    }
    return render(request, "repayment_plans/plan_overview.html", context)


@borrower_required
@require_POST
def adopt_strategy(request: AuthenticatedHttpRequest) -> HttpResponseRedirect:
    borrower = request.user.borrower
    today = timezone.localdate()
    form = StrategyForm(request.POST, today=today)
    try:
        strategy = affordability.Strategy(request.POST.get("strategy", ""))
    except ValueError:
        strategy = None
    if strategy is None or not form.is_valid():
        messages.error(request, _("Pick a strategy and a first installment date from today on."))
        return redirect("plan_overview")
    inputs = strategy_services.strategy_inputs(borrower, today)
    outcome = affordability.plan_strategy(
        inputs.groups, inputs.capacity, strategy, form.cleaned_data["first_due_date"], today
    )
    proposals = strategy_services.adopt_strategy(borrower, outcome, today)
    if not proposals:
        messages.error(request, _("Your budget leaves nothing for repayments yet."))
    else:
        messages.success(request, _("Proposals prepared for each lender. Check each one."))
    return redirect("plan_overview")
