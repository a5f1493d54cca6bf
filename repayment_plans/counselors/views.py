"""A counselor's page about one borrower of the caseload: debts, proposals,
plans, the timeline and case notes, and the review of a proposal with
everything needed to decide (read-only). The caseload itself and the access
rules are in borrowers/counselors/views.py."""

from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from borrowers.access import AuthenticatedHttpRequest
from borrowers.counselors.views import (
    NoteForm,
    _get_borrower_for_counselor,
    counselor_required,
)
from borrowers.debts.views import build_overview
from borrowers.models import AccessEvent, Borrower
from repayment_plans.counselors import outcomes
from repayment_plans.counselors.forms import APPROVE, DECISION_STATUS, ReviewForm
from repayment_plans.models import (
    EmailDelivery,
    LegalMatter,
    Plan,
    Proposal,
    ProposalEvent,
    ProposalVersion,
    ReminderKind,
)
from repayment_plans.position.load import amount_to_repay, load_position
from repayment_plans.proposals import services as proposal_services
from repayment_plans.recovery.timeline import WhatIf
from repayment_plans.recovery.views import timeline_context
from repayment_plans.reminders.notify import notify
from repayment_plans.strategies import services as strategy_services
from repayment_plans.web import letter_language


def _borrower_context(
    request: AuthenticatedHttpRequest, borrower: Borrower, note_form: NoteForm
) -> dict[str, object]:
    today = timezone.localdate()
    return {
        "borrower": borrower,
        "grant": borrower.grants.active().get(counselor=request.user.counselor),
        "rows": build_overview(borrower, today).rows,
        "proposals": Proposal.objects.filter(borrower=borrower).prefetch_related("versions"),
        "plans": Plan.objects.filter(proposal__borrower=borrower).select_related("proposal"),
        "events": ProposalEvent.objects.filter(proposal__borrower=borrower).select_related(
            "proposal"
        ),
        "notes": borrower.case_notes.select_related("author"),
        "legal_matters": LegalMatter.objects.filter(borrower=borrower).select_related(
            "debt__profile", "current_stage"
        ),
        "note_form": note_form,
        "timeline": timeline_context(borrower, today, WhatIf()),
    }


@counselor_required
@require_GET
def borrower_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    borrower = _get_borrower_for_counselor(request, pk)
    AccessEvent.record(borrower, request.user.counselor, AccessEvent.Action.VIEW)
    note_form = NoteForm(today=timezone.localdate())
    return render(
        request,
        "borrowers/counselor/borrower.html",
        _borrower_context(request, borrower, note_form),
    )


@counselor_required
@require_POST
def note_create(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    borrower = _get_borrower_for_counselor(request, pk)
    form = NoteForm(request.POST, today=timezone.localdate())
    if form.is_valid():
        note = form.save(commit=False)
        note.borrower = borrower
        note.author = request.user.counselor
        note.save()
        messages.success(request, _("Note saved."))
        return redirect("counselor_borrower", pk=borrower.pk)
    return render(
        request, "borrowers/counselor/borrower.html", _borrower_context(request, borrower, form)
    )


def _proposal_for_counselor(borrower: Borrower, proposal_pk: int, **filters) -> Proposal:
    """A proposal of a borrower who granted this counselor access, else 404."""
    return get_object_or_404(
        Proposal.objects.filter(borrower=borrower, **filters).select_related("borrower__user"),
        pk=proposal_pk,
    )


def _review_context(
    request: AuthenticatedHttpRequest, borrower: Borrower, proposal: Proposal, form: ReviewForm
) -> dict[str, object]:
    """What the review page shows, with the agency's outcomes with this lender
    (anonymised: docs/outcomes.md) next to the decision."""
    today = timezone.localdate()
    debts = proposal_services.proposal_debts(proposal)
    schedule = proposal_services.proposal_schedule(proposal, debts)
    current = load_position(borrower, today)
    agency = request.user.counselor.agency
    return {
        "borrower": borrower,
        "proposal": proposal,
        "debts": [(debt, current.by_debt(debt.pk)) for debt in debts],
        "amount": amount_to_repay(debts, proposal.ask_waive_penalty) if debts else None,
        "schedule": schedule,
        "capacity": (
            strategy_services.capacity_check(borrower, proposal, schedule, today)
            if schedule is not None
            else None
        ),
        "versions": proposal.versions.all(),
        "deliveries": EmailDelivery.objects.filter(version__proposal=proposal).select_related(
            "version"
        ),
        "answers": proposal.answers.all(),
        "events": proposal.events.all(),
        "open_comments": proposal_services.open_review_comments(proposal),
        "form": form,
        "can_review": proposal.status == Proposal.Status.IN_REVIEW,
        "agency": agency,
        "outcomes": outcomes.lender_outcomes(agency, proposal.lender_name, today),
        "min_cases": outcomes.MIN_CASES,
    }


@counselor_required
@require_GET
def proposal_review_page(
    request: AuthenticatedHttpRequest, pk: int, proposal_pk: int
) -> HttpResponse:
    """Everything needed to decide, read-only: debts, figures, schedule,
    strategy and capacity check, letter and PDFs, versions and the audit trail."""
    borrower = _get_borrower_for_counselor(request, pk)
    proposal = _proposal_for_counselor(borrower, proposal_pk)
    AccessEvent.record(
        borrower, request.user.counselor, AccessEvent.Action.VIEW, f"proposal {proposal.pk}"
    )
    return render(
        request,
        "repayment_plans/counselor/review.html",
        _review_context(request, borrower, proposal, ReviewForm()),
    )


@counselor_required
@require_GET
def counselor_letter(request: AuthenticatedHttpRequest, pk: int, proposal_pk: int) -> HttpResponse:
    """The letter as the borrower previews it."""
    borrower = _get_borrower_for_counselor(request, pk)
    proposal = _proposal_for_counselor(borrower, proposal_pk)
    try:
        html = proposal_services.render_letter_html(
            proposal, timezone.localdate(), letter_language(), request=request
        )
    except proposal_services.NothingToPropose:
        raise Http404 from None
    AccessEvent.record(
        borrower, request.user.counselor, AccessEvent.Action.VIEW, f"letter {proposal.pk}"
    )
    return HttpResponse(html)


@counselor_required
@require_GET
def counselor_version_download(
    request: AuthenticatedHttpRequest, pk: int, proposal_pk: int, number: int
) -> FileResponse:
    borrower = _get_borrower_for_counselor(request, pk)
    proposal = _proposal_for_counselor(borrower, proposal_pk)
    version = get_object_or_404(ProposalVersion, proposal=proposal, number=number)
    AccessEvent.record(
        borrower,
        request.user.counselor,
        AccessEvent.Action.VIEW,
        f"proposal {proposal.pk} v{version.number} PDF",
    )
    return FileResponse(
        version.pdf.open("rb"),
        as_attachment=request.GET.get("inline") != "1",
        filename=version.filename,
        content_type="application/pdf",
    )


@counselor_required
@require_POST
def proposal_review(request: AuthenticatedHttpRequest, pk: int, proposal_pk: int) -> HttpResponse:
    """Approve, or ask for changes with a comment on one part, a proposal sent
    for review; bad input is answered next to the field, nothing saved."""
    borrower = _get_borrower_for_counselor(request, pk)
    proposal = _proposal_for_counselor(borrower, proposal_pk, status=Proposal.Status.IN_REVIEW)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        context = _review_context(request, borrower, proposal, form)
        return render(request, "repayment_plans/counselor/review.html", context, status=200)
    approved = form.cleaned_data["decision"] == APPROVE
    section = "" if approved else form.cleaned_data["section"]
    event = proposal_services.change_status(
        proposal,
        DECISION_STATUS[form.cleaned_data["decision"]],
        request.user,
        form.cleaned_data["comment"],
        section,
    )
    counselor = request.user.counselor
    AccessEvent.record(borrower, counselor, AccessEvent.Action.EDIT, f"review {proposal.pk}")
    if event is not None:
        notify(
            borrower.user_id,
            ReminderKind.REVIEWED,
            f"review:{event.pk}",
            {
                "counselor": counselor.display_name,
                "lender": proposal.lender_name,
                "decision": "approved" if approved else "changes",
                "section": section,
            },
            reverse("proposal_detail", args=[proposal.pk])
            + (f"#review-{section}" if section else ""),
        )
    messages.success(request, _("Review recorded. The borrower is notified."))
    return redirect("counselor_review", pk=borrower.pk, proposal_pk=proposal.pk)
