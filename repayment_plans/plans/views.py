"""An agreed plan's page: installments, payments and changing the terms."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from borrowers import pages
from borrowers.access import AuthenticatedHttpRequest, borrower_required
from repayment_plans import refusals
from repayment_plans.models import Plan
from repayment_plans.plans import services as plan_services
from repayment_plans.plans.forms import PaymentForm, PlanChangeForm
from repayment_plans.position import compute as position
from repayment_plans.position import load as position_load
from repayment_plans.web import form_key_from, get_plan_for_user, new_form_key


def _plan_context(plan, form):
    today = timezone.localdate()
    state = position.plan_state(position_load.plan_input(plan, plan.proposal), today)
    return {
        "plan": plan,
        "proposal": plan.proposal,
        "state": state,
        "rows": state.installments,
        "payments": plan.payments.all(),
        "changes": plan.changes.select_related("changed_by"),
        "streak": state.streak,
        "adherence": state.adherence,
        "outstanding": state.outstanding,
        "form": form,
        "today": today,
        "form_key": new_form_key(),
    }


def _payment_form(plan, data=None):
    first_version = plan.proposal.versions.order_by("number").first()
    since = first_version.created_at if first_version else plan.created_at
    return PaymentForm(
        data,
        outstanding=plan.outstanding,
        today=timezone.localdate(),
        earliest=timezone.localdate(since),
    )


@borrower_required
@require_GET
def plan_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    plan = get_plan_for_user(request, pk)
    return render(
        request, "repayment_plans/plan_detail.html", _plan_context(plan, _payment_form(plan))
    )


@borrower_required
@require_http_methods(["GET", "POST"])
def payment_create(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    plan = get_plan_for_user(request, pk)
    if request.method == "GET":  # a reload of the page a refused payment left open
        return redirect("plan_detail", pk=plan.pk)
    form = _payment_form(plan, request.POST)
    if form.is_valid():
        try:
            plan_services.record_payment(
                plan,
                form.cleaned_data["amount"],
                form.cleaned_data["paid_on"],
                request.user,
                form_key_from(request),
            )
        except refusals.Refused as refused:
            form.add_error("amount", str(refused))
    if form.is_valid():
        plan.refresh_from_db()
        return pages.saved(
            request,
            message=_("Payment recorded."),
            page_url=reverse("plan_detail", args=[plan.pk]),
            fragment=lambda: render(
                request,
                "repayment_plans/plan_detail.html#plan-body",
                _plan_context(plan, _payment_form(plan)),
            ),
        )
    template = "repayment_plans/plan_detail.html"
    if request.htmx:
        template += "#plan-body"
    return render(request, template, _plan_context(plan, form))


@borrower_required
@require_http_methods(["GET", "POST"])
def plan_change(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The lender agreed to new terms: the plan's next version, payments kept."""
    plan = get_plan_for_user(request, pk)
    if plan.status != Plan.Status.ACTIVE:
        messages.info(request, _("This plan is paid off; there is nothing left to change."))
        return redirect("plan_detail", pk=plan.pk)
    today = timezone.localdate()
    form = PlanChangeForm(
        request.POST or None, plan=plan, outstanding=plan.outstanding, today=today
    )
    if request.method == "POST" and form.is_valid():
        try:
            change = plan_services.change_plan(
                plan,
                form.terms(),
                based_on_version=form.cleaned_data["version"],
                agreed_on=form.cleaned_data["agreed_on"],
                reason=form.cleaned_data["reason"],
                actor=request.user,
            )
        except refusals.Refused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(
                request,
                _("The plan is now version %(version)s. The payments already made are kept.")
                % {"version": change.version},
            )
            return redirect("plan_detail", pk=plan.pk)
    return render(
        request,
        "repayment_plans/plan_change.html",
        {"plan": plan, "proposal": plan.proposal, "form": form, "outstanding": plan.outstanding},
    )
