"""An agency that runs without the Django admin: its admin invites counselors
by email, deactivates them, sees each one's caseload size and waiting reviews,
and proposes to move a borrower to another counselor (the borrower decides).
Staff create agencies and their first admin in the Django admin."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import wraps
from typing import Any

from django.contrib import messages
from django.db.models import Count, Q
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from borrowers.access import AuthenticatedHttpRequest
from borrowers.accounts.mail import queue_counselor_invite
from borrowers.counselors import transfers
from borrowers.counselors.forms import CounselorInviteForm, TransferForm
from borrowers.counselors.views import counselor_required
from borrowers.models import AccessGrant, Counselor, CounselorInvite, Transfer
from repayment_plans.models import Proposal, ReminderKind
from repayment_plans.reminders.notify import notify

INVITE_DAYS = 14


def agency_admin_required(
    view: Callable[..., HttpResponseBase],
) -> Callable[..., HttpResponseBase]:
    """An active counselor who is their agency's admin; anyone else gets a 404."""

    @counselor_required
    @wraps(view)
    def wrapped(request: AuthenticatedHttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.counselor.is_agency_admin:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped


@dataclass(frozen=True)
class CounselorRow:
    counselor: Counselor
    caseload_size: int
    waiting_reviews: int


def counselor_rows(agency) -> list[CounselorRow]:
    """The agency's counselors with their caseload size and the proposals
    waiting for their review (two grouped queries, whatever the size)."""
    counselors = list(
        Counselor.objects.filter(agency=agency)
        .select_related("user")
        .annotate(
            caseload_size=Count("grants", filter=Q(grants__revoked_at__isnull=True), distinct=True)
        )
        .order_by("deactivated_at", "display_name", "pk")
    )
    waiting = dict(
        AccessGrant.objects.active()
        .filter(counselor__agency=agency, borrower__proposals__status=Proposal.Status.IN_REVIEW)
        .values_list("counselor_id")
        .annotate(n=Count("borrower__proposals", distinct=True))
        .values_list("counselor_id", "n")
    )
    return [CounselorRow(c, c.caseload_size, waiting.get(c.pk, 0)) for c in counselors]


def _page(
    request: AuthenticatedHttpRequest,
    invite_form: CounselorInviteForm | None = None,
    transfer_form: TransferForm | None = None,
) -> HttpResponse:
    admin = request.user.counselor
    agency = admin.agency
    context = {
        "agency": agency,
        "admin": admin,
        "counselors": counselor_rows(agency),
        "invites": CounselorInvite.objects.filter(
            agency=agency, used_at__isnull=True, expires_at__gt=timezone.now()
        ),
        "transfers": Transfer.objects.filter(to_counselor__agency=agency)
        .select_related("borrower", "from_counselor", "to_counselor")
        .order_by("-created_at", "-pk")[:20],
        "invite_form": invite_form or CounselorInviteForm(),
        "transfer_form": transfer_form or TransferForm(agency=agency),
    }
    return render(request, "repayment_plans/counselor/agency.html", context)


@agency_admin_required
@require_GET
def agency_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _page(request)


@agency_admin_required
@require_POST
def agency_invite(request: AuthenticatedHttpRequest) -> HttpResponse:
    """A single-use link by email, valid 14 days; a new one for the same
    address replaces the one still open."""
    form = CounselorInviteForm(request.POST)
    if not form.is_valid():
        return _page(request, invite_form=form)
    admin = request.user.counselor
    now = timezone.now()
    email = form.cleaned_data["email"]
    CounselorInvite.objects.filter(
        agency=admin.agency, email=email, used_at__isnull=True, expires_at__gt=now
    ).update(expires_at=now)
    invite = CounselorInvite.objects.create(
        agency=admin.agency,
        invited_by=admin,
        email=email,
        display_name=form.cleaned_data["display_name"],
        expires_at=now + timedelta(days=INVITE_DAYS),
    )
    queue_counselor_invite(invite)
    messages.success(
        request,
        _("Invitation sent to %(email)s. The link works once, for 14 days.") % {"email": email},
    )
    return redirect("agency")


@agency_admin_required
@require_POST
def counselor_deactivate(request: AuthenticatedHttpRequest, pk: int) -> HttpResponseRedirect:
    """The counselor opens no page of the counselor area any more; their notes
    and the borrowers' history stay. An admin cannot deactivate themselves."""
    admin = request.user.counselor
    counselor = get_object_or_404(
        Counselor.objects.active().filter(agency=admin.agency).exclude(pk=admin.pk), pk=pk
    )
    Counselor.objects.filter(pk=counselor.pk).update(deactivated_at=timezone.now())
    Transfer.objects.filter(to_counselor=counselor, status=Transfer.Status.PENDING).update(
        status=Transfer.Status.WITHDRAWN, decided_at=timezone.now()
    )
    messages.success(
        request,
        _("%(name)s is deactivated. Move their borrowers to another counselor.")
        % {"name": counselor.display_name},
    )
    return redirect("agency")


@agency_admin_required
@require_POST
def transfer_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Propose that another counselor follow a borrower: nothing changes in who
    sees the borrower's data until the borrower accepts."""
    admin = request.user.counselor
    form = TransferForm(request.POST, agency=admin.agency)
    if not form.is_valid():
        return _page(request, transfer_form=form)
    borrower = form.cleaned_data["borrower"]
    to = form.cleaned_data["to_counselor"]
    transfer = transfers.propose(borrower, form.grant, to, admin)
    notify(
        borrower.user_id,
        ReminderKind.TRANSFER,
        f"transfer:{transfer.pk}",
        {
            "agency": admin.agency.name,
            "to": to.display_name,
            "from": form.grant.counselor.display_name,
        },
        reverse("access"),
    )
    messages.success(
        request,
        _("%(borrower)s is asked to accept %(name)s as their counselor.")
        % {"borrower": borrower.display_name, "name": to.display_name},
    )
    return redirect("agency")
