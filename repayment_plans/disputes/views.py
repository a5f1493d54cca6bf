"""Disputes about inaccurate credit-report entries: the borrower's pages, the
application as a PDF, and a read-only view for a counselor with access."""

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from borrowers.access import AuthenticatedHttpRequest, borrower_required
from borrowers.counselors.caseload import granted_borrowers
from borrowers.counselors.views import counselor_required
from borrowers.models import AccessEvent, Debt
from borrowers.pdf import pdf_response, render_printable_pdf, unprintable_message
from repayment_plans.disputes import rules as disputes
from repayment_plans.disputes.forms import DisputeForm
from repayment_plans.models import Dispute

Stage = disputes.Stage

STAGE_LABELS = {
    Stage.DRAFT: gettext_lazy("Not submitted yet"),
    Stage.AWAITING_REPLY: gettext_lazy("Waiting for the written reply"),
    Stage.REPLY_OVERDUE: gettext_lazy("Reply overdue"),
    Stage.CORRECTED: gettext_lazy("Corrected"),
    Stage.UPHELD: gettext_lazy("Not corrected"),
    Stage.NO_REPLY: gettext_lazy("No reply"),
    Stage.COMPLAINT_PENDING: gettext_lazy("Complaint to the PBOC branch under way"),
    Stage.COMPLAINT_OVERDUE: gettext_lazy("The branch's reply is overdue"),
    Stage.COMPLAINT_ANSWERED: gettext_lazy("The branch has replied"),
}

# Language of the application: it goes to Chinese institutions, whatever the UI language.
APPLICATION_LANGUAGE = "zh-hans"


def _get_dispute_for_user(request: AuthenticatedHttpRequest, pk: int) -> Dispute:
    return get_object_or_404(
        Dispute.objects.for_user(request.user).select_related("debt__profile", "borrower__user"),
        pk=pk,
    )


def _get_dispute_for_counselor(
    request: AuthenticatedHttpRequest, pk: int, dispute_pk: int
) -> Dispute:
    """A dispute of a borrower who granted this counselor access, else 404."""
    borrower = get_object_or_404(granted_borrowers(request.user.counselor), pk=pk)
    return get_object_or_404(
        Dispute.objects.filter(borrower=borrower).select_related("debt__profile", "borrower__user"),
        pk=dispute_pk,
    )


def _detail_context(dispute: Dispute, today) -> dict:
    stage = dispute.stage(today)
    debt = dispute.debt
    return {
        "dispute": dispute,
        "debt": debt,
        "stage": stage,
        "stage_label": STAGE_LABELS[stage],
        "complaint_suggested": disputes.complaint_suggested(stage),
        "record_kept_until": disputes.record_kept_until(debt.cleared_on)
        if debt.cleared_on
        else None,
        "reply_days": disputes.REPLY_DAYS,
        "complaint_days": disputes.COMPLAINT_REPLY_DAYS,
        "law_name": disputes.LAW_NAME,
        "article_25": disputes.ARTICLE_25,
        "article_26": disputes.ARTICLE_26,
        "today": today,
    }


@borrower_required
@require_GET
def dispute_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    today = timezone.localdate()
    rows = [
        (dispute, stage, STAGE_LABELS[stage])
        for dispute in Dispute.objects.for_user(request.user).select_related("debt__profile")
        for stage in [dispute.stage(today)]
    ]
    return render(
        request,
        "repayment_plans/dispute_list.html",
        {"rows": rows, "has_debts": Debt.objects.for_user(request.user).exists()},
    )


def _form_response(
    request: AuthenticatedHttpRequest,
    form: DisputeForm,
    dispute: Dispute | None = None,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "repayment_plans/dispute_form.html",
        {"form": form, "dispute": dispute},
        status=status,
    )


@borrower_required
@require_http_methods(["GET", "POST"])
def dispute_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    today = timezone.localdate()
    if request.method == "POST":
        form = DisputeForm(request.POST, user=request.user, today=today)
        if form.is_valid():
            dispute = form.save(commit=False)
            dispute.borrower = request.user.borrower
            dispute.save()
            messages.success(request, _("Dispute saved. Download the application below."))
            return redirect("dispute_detail", pk=dispute.pk)
        return _form_response(request, form, status=422)
    initial = {}
    if "debt" in request.GET:
        try:
            debt_pk = int(request.GET["debt"])
        except ValueError:
            raise Http404 from None
        initial["debt"] = get_object_or_404(Debt.objects.for_user(request.user), pk=debt_pk)
    form = DisputeForm(initial=initial, user=request.user, today=today)
    return _form_response(request, form)


@borrower_required
@require_http_methods(["GET", "POST"])
def dispute_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    dispute = _get_dispute_for_user(request, pk)
    today = timezone.localdate()
    form = DisputeForm(request.POST or None, instance=dispute, user=request.user, today=today)
    if request.method == "POST":
        if form.is_valid():
            form.save()
            messages.success(request, _("Dispute saved."))
            return redirect("dispute_detail", pk=dispute.pk)
        # The invalid form wrote its values onto the instance: show the saved one.
        dispute = _get_dispute_for_user(request, pk)
        return _form_response(request, form, dispute, status=422)
    return _form_response(request, form, dispute)


@borrower_required
@require_GET
def dispute_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    dispute = _get_dispute_for_user(request, pk)
    context = _detail_context(dispute, timezone.localdate())
    return render(request, "repayment_plans/dispute_detail.html", context)


def application_html(dispute: Dispute) -> str:
    """The application (征信异议申请书) as HTML for the PDF, always in Chinese."""
    with translation.override(APPLICATION_LANGUAGE):
        return render_to_string(
            "pdf/dispute.html",
            {
                "dispute": dispute,
                "debt": dispute.debt,
                "borrower": dispute.borrower,
                "law_name": disputes.LAW_NAME,
                "article_16": disputes.ARTICLE_16,
                "article_25": disputes.ARTICLE_25,
                "article_26": disputes.ARTICLE_26,
                "reply_days": disputes.REPLY_DAYS,
                "complaint_days": disputes.COMPLAINT_REPLY_DAYS,
            },
        )


def _pdf_response(
    request: AuthenticatedHttpRequest, dispute: Dispute, edit_url: str | None
) -> HttpResponseBase:
    pdf, unprintable = render_printable_pdf(application_html(dispute))
    if unprintable:
        # Shown on the next page: the PDF itself is a download.
        messages.warning(request, unprintable_message(unprintable))
    return pdf_response(request, pdf, f"dispute-{dispute.pk}.pdf")


@borrower_required
@require_GET
def dispute_pdf(request: AuthenticatedHttpRequest, pk: int) -> HttpResponseBase:
    dispute = _get_dispute_for_user(request, pk)
    return _pdf_response(request, dispute, reverse("dispute_edit", args=[dispute.pk]))


@counselor_required
@require_GET
def counselor_dispute(request: AuthenticatedHttpRequest, pk: int, dispute_pk: int) -> HttpResponse:
    """Read-only, for a counselor the borrower granted access to."""
    dispute = _get_dispute_for_counselor(request, pk, dispute_pk)
    AccessEvent.record(
        dispute.borrower, request.user.counselor, AccessEvent.Action.VIEW, f"dispute {dispute.pk}"
    )
    context = _detail_context(dispute, timezone.localdate())
    context["counselor_view"] = True
    return render(request, "repayment_plans/dispute_detail.html", context)


@counselor_required
@require_GET
def counselor_dispute_pdf(
    request: AuthenticatedHttpRequest, pk: int, dispute_pk: int
) -> HttpResponseBase:
    dispute = _get_dispute_for_counselor(request, pk, dispute_pk)
    AccessEvent.record(
        dispute.borrower,
        request.user.counselor,
        AccessEvent.Action.VIEW,
        f"dispute {dispute.pk} PDF",
    )
    return _pdf_response(request, dispute, None)
