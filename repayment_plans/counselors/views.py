"""A counselor's page about one borrower of the caseload: debts, proposals,
plans, the timeline and case notes, and the review of a proposal. The caseload
itself and the access rules are in borrowers/counselor_views.py."""

from django import forms
from django.contrib import messages
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
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
from borrowers.inputs import plain_text
from borrowers.models import AccessEvent, Borrower
from repayment_plans.models import LegalMatter, Plan, Proposal, ProposalEvent
from repayment_plans.proposals import services as proposal_services
from repayment_plans.recovery.timeline import WhatIf
from repayment_plans.recovery.views import timeline_context


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


REVIEW_DECISIONS = {"approve": "approved", "changes": "changes"}


def _plain(text: str) -> bool:
    """No markup and no control characters (PostgreSQL refuses NUL)."""
    try:
        plain_text(text)
    except forms.ValidationError:
        return False
    return True


@counselor_required
@require_POST
def proposal_review(
    request: AuthenticatedHttpRequest, pk: int, proposal_pk: int
) -> HttpResponseRedirect:
    """Approve, or ask for changes with a comment, a proposal sent for review."""
    borrower = _get_borrower_for_counselor(request, pk)
    proposal = get_object_or_404(
        Proposal.objects.filter(borrower=borrower, status=Proposal.Status.IN_REVIEW),
        pk=proposal_pk,
    )
    decision = REVIEW_DECISIONS.get(request.POST.get("decision", ""))
    comment = request.POST.get("comment", "").strip()[:2000]
    if decision is None or (decision == "changes" and not comment) or not _plain(comment):
        messages.error(request, _("Approve, or request changes with a comment (no markup)."))
        return redirect("counselor_borrower", pk=borrower.pk)
    proposal_services.change_status(proposal, decision, request.user, comment)
    AccessEvent.record(
        borrower, request.user.counselor, AccessEvent.Action.EDIT, f"review {proposal.pk}"
    )
    messages.success(request, _("Review recorded."))
    return redirect("counselor_borrower", pk=borrower.pk)
