"""The agency's outcome statistics, for every active counselor of the agency
(its admin included): each sees their own agency's figures only. Borrowers and
deactivated counselors get a 404 (``counselor_required``)."""

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from borrowers.access import AuthenticatedHttpRequest
from borrowers.counselors.views import counselor_required
from repayment_plans.counselors import outcomes


@counselor_required
@require_GET
def agency_outcomes(request: AuthenticatedHttpRequest) -> HttpResponse:
    counselor = request.user.counselor
    today = timezone.localdate()
    context = {
        "agency": counselor.agency,
        "counselor": counselor,
        "outcomes": outcomes.agency_outcomes(counselor.agency, today),
        "min_cases": outcomes.MIN_CASES,
        "today": today,
    }
    return render(request, "repayment_plans/counselor/outcomes.html", context)
