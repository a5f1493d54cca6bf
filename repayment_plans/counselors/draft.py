"""The letter of a proposal under review, as a PDF: what the lender would
receive if the borrower finalised it now. A counselor reviews a proposal
before it has any finalised version, so the review page offers this draft
beside the stored versions; it is rendered on request and never stored."""

from django.http import Http404, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from borrowers.access import AuthenticatedHttpRequest
from borrowers.counselors.views import _get_borrower_for_counselor, counselor_required
from borrowers.models import AccessEvent
from borrowers.pdf import pdf_response, render_printable_pdf
from repayment_plans.models import Proposal
from repayment_plans.proposals import services as proposal_services
from repayment_plans.web import letter_language


@counselor_required
@require_GET
def counselor_draft_pdf(
    request: AuthenticatedHttpRequest, pk: int, proposal_pk: int
) -> HttpResponse:
    borrower = _get_borrower_for_counselor(request, pk)
    proposal = Proposal.objects.filter(borrower=borrower, pk=proposal_pk).first()
    if proposal is None:
        raise Http404
    try:
        html = proposal_services.render_letter_html(
            proposal, timezone.localdate(), letter_language()
        )
    except proposal_services.NothingToPropose:
        raise Http404 from None
    rendered = render_printable_pdf(html)
    AccessEvent.record(
        borrower, request.user.counselor, AccessEvent.Action.VIEW, f"proposal {proposal.pk} draft"
    )
    return pdf_response(request, rendered.pdf, f"proposal-{proposal.pk}-draft.pdf")
