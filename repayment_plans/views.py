import uuid

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from borrowers.pdf import unprintable_message
from borrowers.views import AuthenticatedHttpRequest, borrower_required
from repayment_plans import services
from repayment_plans.forms import (
    AnswerForm,
    DisclosureForm,
    PaymentForm,
    PlanChangeForm,
    ProposalForm,
    SendForm,
    StrategyForm,
)
from repayment_plans.models import EmailDelivery, Plan, Proposal, ProposalVersion
from repayment_plans.position import compute as position
from repayment_plans.position import load as position_load
from repayment_plans.strategies import affordability

EDITABLE = (
    Proposal.Status.DRAFT,
    Proposal.Status.CHANGES_REQUESTED,
    Proposal.Status.APPROVED,
    Proposal.Status.FINALISED,
    Proposal.Status.COUNTERED,
)


def _get_proposal_for_user(request: AuthenticatedHttpRequest, pk: int) -> Proposal:
    return get_object_or_404(
        Proposal.objects.for_user(request.user).select_related("borrower__user"), pk=pk
    )


def _get_plan_for_user(request: AuthenticatedHttpRequest, pk: int) -> Plan:
    return get_object_or_404(
        Plan.objects.for_user(request.user).select_related("proposal__borrower__user"), pk=pk
    )


def new_form_key() -> str:
    """A key for one rendering of a form that moves money or sends mail: the
    same submission twice (a double click, a resent request) has one effect."""
    return uuid.uuid4().hex


def _form_key(request: HttpRequest) -> str:
    key = request.POST.get("form_key", "")
    return key if key.replace("-", "").isalnum() else ""


def _language() -> str:
    return translation.get_language() or "zh-hans"


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
        else services.next_month_first(today)
    )
    if not form.is_bound:
        form = StrategyForm(initial={"first_due_date": first_due}, today=today)
    inputs = services.strategy_inputs(borrower, today)
    groups, capacity = inputs.groups, inputs.capacity
    context = {
        "borrower": borrower,
        "form": form,
        "first_due": first_due,
        "groups": groups,
        "inputs": inputs,
        "capacity": capacity,
        "agreed_plans": inputs.position.active_plans,
        "required": affordability.required_capacity(groups),
        "shortfall": affordability.shortfall(groups, capacity),
        "outcomes": affordability.compare_strategies(groups, capacity, first_due, today),
        "proposals": Proposal.objects.for_user(request.user).prefetch_related("versions"),
        "plans": Plan.objects.for_user(request.user).select_related("proposal"),
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
    inputs = services.strategy_inputs(borrower, today)
    outcome = affordability.plan_strategy(
        inputs.groups, inputs.capacity, strategy, form.cleaned_data["first_due_date"], today
    )
    proposals = services.adopt_strategy(borrower, outcome, today)
    if not proposals:
        messages.error(request, _("Your budget leaves nothing for repayments yet."))
    else:
        messages.success(request, _("Proposals prepared for each lender. Check each one."))
    return redirect("plan_overview")


def _builder_context(
    request: AuthenticatedHttpRequest, proposal: Proposal, form: ProposalForm | None
) -> dict[str, object]:
    today = timezone.localdate()
    schedule = getattr(form, "schedule", None)
    if schedule is None:
        schedule = services.proposal_schedule(proposal)
    capacity = getattr(form, "capacity", None)
    if capacity is None and schedule is not None:
        capacity = services.capacity_check(proposal.borrower, proposal, schedule, today)
    return {
        "schedule": schedule,
        "capacity": capacity,
        "proposal": proposal,
        "form": form,
        "editable": proposal.status in EDITABLE,
        "versions": proposal.versions.all(),
        "deliveries": EmailDelivery.objects.filter(version__proposal=proposal).select_related(
            "version"
        ),
        "send_form": SendForm(initial={"lender_email": proposal.lender_email}),
        "answers": proposal.answers.all(),
        "plan": getattr(proposal, "plan", None),
        "today": today,
        "events": proposal.events.all(),
        "has_counselor": proposal.borrower.grants.active().exists(),
        "form_key": new_form_key(),
    }


@borrower_required
@require_POST
def request_review(request: AuthenticatedHttpRequest, pk: int) -> HttpResponseRedirect:
    """Ask the counselor(s) with access to review the proposal before finalising."""
    proposal = _get_proposal_for_user(request, pk)
    if not proposal.borrower.grants.active().exists() or proposal.status not in (
        Proposal.Status.DRAFT,
        Proposal.Status.CHANGES_REQUESTED,
    ):
        messages.error(
            request, _("Only a draft can be sent for review, to a counselor with access.")
        )
    else:
        services.change_status(proposal, Proposal.Status.IN_REVIEW, request.user)
        messages.success(request, _("Your counselor has been asked to review it."))
    return redirect("proposal_detail", pk=proposal.pk)


@borrower_required
@require_http_methods(["GET", "POST"])
def proposal_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    proposal = _get_proposal_for_user(request, pk)
    borrower = request.user.borrower
    today = timezone.localdate()
    drive = request.POST.get("drive", "months")
    if request.method == "POST":
        if proposal.status not in EDITABLE:
            return HttpResponse(status=409)
        form = ProposalForm(
            request.POST, instance=proposal, borrower=borrower, today=today, drive=drive
        )
        if form.is_valid():
            proposal = form.save()
            if proposal.status != Proposal.Status.DRAFT:
                services.change_status(proposal, Proposal.Status.DRAFT, request.user)
            messages.success(request, _("Proposal saved."))
            return redirect("proposal_detail", pk=proposal.pk)
    else:
        schedule = services.proposal_schedule(proposal)
        monthly = schedule.first_regular_payment if schedule else None
        form = ProposalForm(
            instance=proposal, borrower=borrower, today=today, initial={"monthly": monthly}
        )
    # An invalid form has written its values onto the instance: show the saved terms.
    saved = Proposal.objects.select_related("borrower__user").get(pk=proposal.pk)
    return render(
        request, "repayment_plans/proposal_detail.html", _builder_context(request, saved, form)
    )


@borrower_required
@require_GET
def proposal_preview(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Live schedule and capacity check while the terms are changed (htmx)."""
    proposal = _get_proposal_for_user(request, pk)
    drive = request.GET.get("drive", "months")
    form = ProposalForm(
        request.GET,
        instance=Proposal(
            pk=proposal.pk, borrower=proposal.borrower, lender_name=proposal.lender_name
        ),
        borrower=request.user.borrower,
        today=timezone.localdate(),
        drive=drive,
    )
    form.is_valid()
    context = {"form": form, "drive": drive, "schedule": form.schedule, "capacity": form.capacity}
    return render(request, "repayment_plans/_schedule_preview.html", context)


@borrower_required
@require_GET
def letter_preview(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    proposal = _get_proposal_for_user(request, pk)
    try:
        html = services.render_letter_html(
            proposal, timezone.localdate(), _language(), request=request
        )
    except services.NothingToPropose:
        raise Http404 from None
    return HttpResponse(html)


@borrower_required
@require_http_methods(["GET", "POST"])
def proposal_finalise(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    proposal = _get_proposal_for_user(request, pk)
    if proposal.status not in EDITABLE or not proposal.has_unfinalised_changes:
        messages.info(request, _("Nothing has changed since the last version."))
        return redirect("proposal_detail", pk=proposal.pk)
    form = DisclosureForm(request.POST or None)
    if services.proposal_schedule(proposal) is None:
        messages.error(request, _("Choose at least one debt with something left to repay."))
        return redirect("proposal_detail", pk=proposal.pk)
    if request.method == "POST" and form.is_valid():
        try:
            version = services.finalise(proposal, timezone.localdate(), _language(), request.user)
        except services.NothingChanged as refused:
            messages.info(request, str(refused))
            return redirect("proposal_detail", pk=proposal.pk)
        messages.success(
            request,
            _("Version %(number)s is ready to download or send.") % {"number": version.number},
        )
        if version.unprintable:
            messages.warning(request, unprintable_message(version.unprintable))
        return redirect("proposal_detail", pk=proposal.pk)
    return render(
        request, "repayment_plans/proposal_finalise.html", {"proposal": proposal, "form": form}
    )


@borrower_required
@require_GET
def version_download(request: AuthenticatedHttpRequest, pk: int, number: int) -> FileResponse:
    proposal = _get_proposal_for_user(request, pk)
    version = get_object_or_404(ProposalVersion, proposal=proposal, number=number)
    return FileResponse(
        version.pdf.open("rb"),
        as_attachment=request.GET.get("inline") != "1",
        filename=version.filename,
        content_type="application/pdf",
    )


@borrower_required
@require_POST
def proposal_send(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    proposal = _get_proposal_for_user(request, pk)
    version = proposal.latest_version
    form = SendForm(request.POST)
    if version is None:
        messages.error(request, _("Finalise the proposal before sending it."))
        return redirect("proposal_detail", pk=proposal.pk)
    if not form.is_valid():
        context = _builder_context(request, proposal, None)
        context["send_form"] = form
        template = "repayment_plans/proposal_detail.html#sending"
        if not request.htmx:
            template = "repayment_plans/proposal_send_error.html"
        return render(request, template, context)
    Proposal.objects.filter(pk=proposal.pk).update(lender_email=form.cleaned_data["lender_email"])
    try:
        services.queue_delivery(version, form.cleaned_data["lender_email"], _form_key(request))
    except services.Refused as refused:
        messages.info(request, str(refused))
    else:
        messages.success(request, _("Queued: the email goes out in a moment."))
    return redirect("proposal_detail", pk=proposal.pk)


@borrower_required
@require_POST
def delivery_resend(request: AuthenticatedHttpRequest, pk: int) -> HttpResponseRedirect:
    delivery = get_object_or_404(
        EmailDelivery.objects.filter(version__proposal__borrower__user=request.user), pk=pk
    )
    try:
        services.queue_delivery(
            delivery.version, delivery.to_email, _form_key(request), resend=True
        )
    except services.Refused as refused:
        messages.info(request, str(refused))
    else:
        messages.success(request, _("Queued again."))
    return redirect("proposal_detail", pk=delivery.version.proposal_id)


@borrower_required
@require_http_methods(["GET", "POST"])
def proposal_answer(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    proposal = _get_proposal_for_user(request, pk)
    if proposal.latest_version is None or proposal.status in (
        Proposal.Status.ACCEPTED,
        Proposal.Status.REJECTED,
    ):
        raise Http404
    today = timezone.localdate()
    form = AnswerForm(request.POST or None, proposal=proposal, today=today)
    if request.method == "POST" and form.is_valid():
        try:
            plan = services.record_answer(
                proposal,
                form.save(commit=False),
                form.cleaned_data.get("accept_counter", False),
                request.user,
            )
        except services.Refused as refused:
            messages.info(request, str(refused))
            return redirect("proposal_detail", pk=proposal.pk)
        messages.success(request, _("Answer recorded."))
        if plan is not None:
            return redirect("plan_detail", pk=plan.pk)
        return redirect("proposal_detail", pk=proposal.pk)
    return render(
        request, "repayment_plans/proposal_answer.html", {"proposal": proposal, "form": form}
    )


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
    plan = _get_plan_for_user(request, pk)
    return render(
        request, "repayment_plans/plan_detail.html", _plan_context(plan, _payment_form(plan))
    )


@borrower_required
@require_POST
def payment_create(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    plan = _get_plan_for_user(request, pk)
    form = _payment_form(plan, request.POST)
    if form.is_valid():
        try:
            services.record_payment(
                plan,
                form.cleaned_data["amount"],
                form.cleaned_data["paid_on"],
                request.user,
                _form_key(request),
            )
        except services.Refused as refused:
            form.add_error("amount", str(refused))
    if form.is_valid():
        if not request.htmx:
            messages.success(request, _("Payment recorded."))
            return redirect("plan_detail", pk=plan.pk)
        plan.refresh_from_db()
        form = _payment_form(plan)
    template = "repayment_plans/plan_detail.html"
    if request.htmx:
        template += "#plan-body"
    return render(request, template, _plan_context(plan, form))


@borrower_required
@require_http_methods(["GET", "POST"])
def plan_change(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The lender agreed to new terms: the plan's next version, payments kept."""
    plan = _get_plan_for_user(request, pk)
    if plan.status != Plan.Status.ACTIVE:
        messages.info(request, _("This plan is paid off; there is nothing left to change."))
        return redirect("plan_detail", pk=plan.pk)
    today = timezone.localdate()
    form = PlanChangeForm(
        request.POST or None, plan=plan, outstanding=plan.outstanding, today=today
    )
    if request.method == "POST" and form.is_valid():
        try:
            change = services.change_plan(
                plan,
                form.terms(),
                based_on_version=form.cleaned_data["version"],
                agreed_on=form.cleaned_data["agreed_on"],
                reason=form.cleaned_data["reason"],
                actor=request.user,
            )
        except services.Refused as refused:
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
