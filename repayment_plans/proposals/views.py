"""A proposal's pages: the builder, the letter, finalising, sending, the answer, the review."""

from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from borrowers.access import AuthenticatedHttpRequest, borrower_required
from borrowers.pdf import unprintable_message
from repayment_plans import refusals
from repayment_plans.models import (
    EmailDelivery,
    Proposal,
    ProposalEvent,
    ProposalVersion,
    ReminderKind,
)
from repayment_plans.negotiation import judging
from repayment_plans.proposals import services as proposal_services
from repayment_plans.proposals.forms import AnswerForm, DisclosureForm, ProposalForm, SendForm
from repayment_plans.reminders.notify import notify_counselors
from repayment_plans.strategies import services as strategy_services
from repayment_plans.web import form_key_from, get_proposal_for_user, letter_language, new_form_key

EDITABLE = (
    Proposal.Status.DRAFT,
    Proposal.Status.CHANGES_REQUESTED,
    Proposal.Status.APPROVED,
    Proposal.Status.FINALISED,
    Proposal.Status.COUNTERED,
)


def _builder_context(
    request: AuthenticatedHttpRequest, proposal: Proposal, form: ProposalForm | None
) -> dict[str, object]:
    today = timezone.localdate()
    schedule = getattr(form, "schedule", None)
    if schedule is None:
        schedule = proposal_services.proposal_schedule(proposal)
    capacity = getattr(form, "capacity", None)
    if capacity is None and schedule is not None:
        capacity = strategy_services.capacity_check(proposal.borrower, proposal, schedule, today)
    debts = proposal_services.proposal_debts(proposal)
    return {
        "channel_profile": debts[0].profile if debts else None,
        # For the borrower, not in the letter: what the plan does for the record.
        "record": proposal_services.record_section(debts, schedule, today)
        if schedule is not None and debts
        else None,
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
        "answers": [
            {"answer": a, "evaluation": judging.judge_answer(a, today)}
            for a in proposal.answers.all()
        ],
        "plan": getattr(proposal, "plan", None),
        "today": today,
        "events": proposal.events.all(),
        "review_comments": proposal_services.open_review_comments(proposal),
        "has_counselor": proposal.borrower.grants.active().exists(),
        "form_key": new_form_key(),
    }


@borrower_required
@require_POST
def request_review(request: AuthenticatedHttpRequest, pk: int) -> HttpResponseRedirect:
    """Ask the counselor(s) with access to review the proposal before finalising."""
    proposal = get_proposal_for_user(request, pk)
    if not proposal.borrower.grants.active().exists() or proposal.status not in (
        Proposal.Status.DRAFT,
        Proposal.Status.CHANGES_REQUESTED,
    ):
        messages.error(
            request, _("Only a draft can be sent for review, to a counselor with access.")
        )
    else:
        event = proposal_services.change_status(proposal, Proposal.Status.IN_REVIEW, request.user)
        if event is not None:
            _notify_counselors(proposal, event)
        messages.success(request, _("Your counselor has been asked to review it."))
    return redirect("proposal_detail", pk=proposal.pk)


def _notify_counselors(proposal: Proposal, event: ProposalEvent) -> None:
    """One notification per counselor following the borrower, for this request."""
    borrower = proposal.borrower
    notify_counselors(
        borrower.pk,
        ReminderKind.REVIEW_ASKED,
        f"ask:{event.pk}",
        {"borrower": borrower.display_name, "lender": proposal.lender_name},
        reverse("counselor_review", args=[borrower.pk, proposal.pk]),
    )


@borrower_required
@require_http_methods(["GET", "POST"])
def proposal_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    proposal = get_proposal_for_user(request, pk)
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
                proposal_services.change_status(proposal, Proposal.Status.DRAFT, request.user)
            messages.success(request, _("Proposal saved."))
            return redirect("proposal_detail", pk=proposal.pk)
    else:
        schedule = proposal_services.proposal_schedule(proposal)
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
    proposal = get_proposal_for_user(request, pk)
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
    proposal = get_proposal_for_user(request, pk)
    try:
        html = proposal_services.render_letter_html(
            proposal, timezone.localdate(), letter_language(), request=request
        )
    except proposal_services.NothingToPropose:
        raise Http404 from None
    return HttpResponse(html)


@borrower_required
@require_http_methods(["GET", "POST"])
def proposal_finalise(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    proposal = get_proposal_for_user(request, pk)
    if proposal.status not in EDITABLE or not proposal.has_unfinalised_changes:
        messages.info(request, _("Nothing has changed since the last version."))
        return redirect("proposal_detail", pk=proposal.pk)
    form = DisclosureForm(request.POST or None)
    if proposal_services.proposal_schedule(proposal) is None:
        messages.error(request, _("Choose at least one debt with something left to repay."))
        return redirect("proposal_detail", pk=proposal.pk)
    if request.method == "POST" and form.is_valid():
        try:
            version = proposal_services.finalise(
                proposal, timezone.localdate(), letter_language(), request.user
            )
        except refusals.NothingChanged as refused:
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
    proposal = get_proposal_for_user(request, pk)
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
    proposal = get_proposal_for_user(request, pk)
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
        proposal_services.queue_delivery(
            version, form.cleaned_data["lender_email"], form_key_from(request)
        )
    except refusals.Refused as refused:
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
        proposal_services.queue_delivery(
            delivery.version, delivery.to_email, form_key_from(request), resend=True
        )
    except refusals.Refused as refused:
        messages.info(request, str(refused))
    else:
        messages.success(request, _("Queued again."))
    return redirect("proposal_detail", pk=delivery.version.proposal_id)


@borrower_required
@require_http_methods(["GET", "POST"])
def proposal_answer(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    proposal = get_proposal_for_user(request, pk)
    if proposal.latest_version is None or proposal.status in (
        Proposal.Status.ACCEPTED,
        Proposal.Status.REJECTED,
    ):
        raise Http404
    today = timezone.localdate()
    form = AnswerForm(request.POST or None, proposal=proposal, today=today)
    evaluation = None
    if request.method == "POST" and "check" in request.POST:
        # "Check this offer": the verdict on the counter-offer, nothing saved.
        if form.is_valid():
            answer = form.save(commit=False)
            answer.proposal = proposal
            evaluation = judging.judge_answer(answer, today)
    elif request.method == "POST" and form.is_valid():
        try:
            plan = proposal_services.record_answer(
                proposal,
                form.save(commit=False),
                form.cleaned_data.get("accept_counter", False),
                request.user,
            )
        except refusals.Refused as refused:
            messages.info(request, str(refused))
            return redirect("proposal_detail", pk=proposal.pk)
        messages.success(request, _("Answer recorded."))
        if plan is not None:
            return redirect("plan_detail", pk=plan.pk)
        return redirect("proposal_detail", pk=proposal.pk)
    context = {"proposal": proposal, "form": form, "evaluation": evaluation}
    return render(request, "repayment_plans/proposal_answer.html", context)
