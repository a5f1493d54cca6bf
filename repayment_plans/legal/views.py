"""When the lender goes to court: the borrower's pages for a legal matter, the
documents they print (always in Chinese), the court documents they kept, and a
read-only view for a counselor with the borrower's grant."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from borrowers.access import AuthenticatedHttpRequest, borrower_required
from borrowers.counselors.views import _get_borrower_for_counselor, counselor_required
from borrowers.models import AccessEvent, Borrower, Debt
from borrowers.numerals import capital_yuan
from borrowers.pdf import pdf_response, render_printable_pdf, unprintable_message
from repayment_plans.legal import services, texts
from repayment_plans.legal.calendar import holiday_calendar
from repayment_plans.legal.forms import LegalMatterForm, LegalStageForm
from repayment_plans.legal.labels import ACTION_LABELS, URGENCY_LABELS
from repayment_plans.legal.mediation import mediation_plan
from repayment_plans.legal.models import LegalDocument, LegalMatter, LegalStage
from repayment_plans.negotiation import attachments
from repayment_plans.refusals import Refused

Kind = LegalStage.Kind

# Documents for a court go in Chinese, whatever the UI language.
DOCUMENT_LANGUAGE = "zh-hans"
LISTING_KINDS = (Kind.ENFORCEMENT, Kind.LISTED, Kind.RESTRICTED, Kind.SETTLEMENT, Kind.PAID)


def _matters():
    return LegalMatter.objects.select_related(
        "debt__profile", "borrower__user", "current_stage"
    ).prefetch_related("stages__documents")


def _get_matter_for_user(request: AuthenticatedHttpRequest, pk: int) -> LegalMatter:
    return get_object_or_404(_matters().filter(borrower__user=request.user), pk=pk)


def _get_matter_for_counselor(
    request: AuthenticatedHttpRequest, pk: int, matter_pk: int
) -> LegalMatter:
    borrower = _get_borrower_for_counselor(request, pk)
    return get_object_or_404(_matters().filter(borrower=borrower), pk=matter_pk)


def latest_of(matter: LegalMatter, kinds) -> LegalStage | None:
    found = [s for s in matter.stages.all() if s.kind in kinds]
    return found[-1] if found else None


def matter_context(matter: LegalMatter, today: date, *, owner: bool = True) -> dict:
    """What the matter's page shows: each stage with its deadline, the current one
    with how the deadline was counted, and what the borrower may print."""
    calendar = holiday_calendar()
    stages = list(matter.stages.all())
    rows = []
    for stage in stages:
        state = stage.state(today)
        rows.append(
            {
                "stage": stage,
                "state": state,
                "urgency_label": URGENCY_LABELS[state.urgency] if state else "",
                "action_label": ACTION_LABELS[stage.action] if stage.action else "",
            }
        )
    current = matter.current_stage
    counted = services.compute_deadline(current, calendar) if current else None
    current_state = current.state(today) if current else None
    return {
        "matter": matter,
        "debt": matter.debt,
        "rows": rows,
        "current": current,
        "counted": counted,
        "current_state": current_state,
        "current_action": ACTION_LABELS[current.action] if current and current.action else "",
        "current_urgency": URGENCY_LABELS[current_state.urgency] if current_state else "",
        "has_payment_order": latest_of(matter, (Kind.PAYMENT_ORDER,)) is not None,
        "has_listing": latest_of(matter, LISTING_KINDS) is not None,
        "owner": owner,
        "today": today,
        "texts": texts,
    }


# The borrower's pages -----------------------------------------------------------------


@borrower_required
@require_GET
def legal_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    today = timezone.localdate()
    matters = _matters().filter(borrower__user=request.user)
    rows = [(m, m.current_stage.state(today) if m.current_stage else None) for m in matters]
    free_debts = Debt.objects.for_user(request.user).filter(legal_matter__isnull=True).exists()
    return render(
        request,
        "repayment_plans/legal/list.html",
        {"rows": rows, "free_debts": free_debts, "urgency_labels": URGENCY_LABELS},
    )


def _keep_document(request, form: LegalStageForm, stage: LegalStage) -> None:
    upload = form.cleaned_data.get("document")
    if upload and form.document_type is not None:
        try:
            services.add_document(stage, upload, form.document_type)
        except Refused as refused:
            messages.warning(request, str(refused))


@borrower_required
@require_http_methods(["GET", "POST"])
def legal_matter_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    today = timezone.localdate()
    if request.method == "POST":
        form = LegalMatterForm(request.POST, request.FILES, user=request.user, today=today)
        if form.is_valid():
            borrower: Borrower = request.user.borrower
            matter = LegalMatter(borrower=borrower, debt=form.cleaned_data["debt"])
            stage = form.save(commit=False)
            services.start_matter(matter, stage)
            _keep_document(request, form, stage)
            messages.success(request, _("Saved. Your deadline is below."))
            return redirect("legal_matter_detail", pk=matter.pk)
        return render(request, "repayment_plans/legal/stage_form.html", {"form": form}, status=422)
    initial: dict = {}
    if "debt" in request.GET:
        try:
            debt_pk = int(request.GET["debt"])
        except ValueError:
            raise Http404 from None
        debt = get_object_or_404(Debt.objects.for_user(request.user), pk=debt_pk)
        existing = LegalMatter.objects.filter(debt=debt).first()
        if existing is not None:
            return redirect("legal_matter_detail", pk=existing.pk)
        initial["debt"] = debt
    form = LegalMatterForm(initial=initial, user=request.user, today=today)
    return render(request, "repayment_plans/legal/stage_form.html", {"form": form})


@borrower_required
@require_GET
def legal_matter_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    matter = _get_matter_for_user(request, pk)
    return render(
        request,
        "repayment_plans/legal/detail.html",
        matter_context(matter, timezone.localdate()),
    )


@borrower_required
@require_http_methods(["GET", "POST"])
def legal_stage_create(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    matter = _get_matter_for_user(request, pk)
    return _stage_form(request, matter, LegalStage(matter=matter))


@borrower_required
@require_http_methods(["GET", "POST"])
def legal_stage_edit(request: AuthenticatedHttpRequest, pk: int, stage_pk: int) -> HttpResponse:
    matter = _get_matter_for_user(request, pk)
    stage = get_object_or_404(LegalStage.objects.filter(matter=matter), pk=stage_pk)
    return _stage_form(request, matter, stage)


def _stage_form(
    request: AuthenticatedHttpRequest, matter: LegalMatter, stage: LegalStage
) -> HttpResponse:
    today = timezone.localdate()
    editing = stage.pk is not None
    if request.method == "POST":
        form = LegalStageForm(request.POST, request.FILES, instance=stage, today=today)
        if form.is_valid():
            saved = services.save_stage(form.save(commit=False))
            _keep_document(request, form, saved)
            messages.success(request, _("Saved."))
            return redirect("legal_matter_detail", pk=matter.pk)
        if editing:  # the invalid form wrote its values onto the instance
            stage = LegalStage.objects.get(pk=stage.pk)
        context = {"form": form, "matter": matter, "stage": stage if editing else None}
        return render(request, "repayment_plans/legal/stage_form.html", context, status=422)
    form = LegalStageForm(instance=stage, today=today)
    context = {"form": form, "matter": matter, "stage": stage if editing else None}
    return render(request, "repayment_plans/legal/stage_form.html", context)


@borrower_required
@require_POST
def legal_stage_delete(request: AuthenticatedHttpRequest, pk: int, stage_pk: int) -> HttpResponse:
    matter = _get_matter_for_user(request, pk)
    stage = get_object_or_404(LegalStage.objects.filter(matter=matter), pk=stage_pk)
    services.delete_stage(stage)
    messages.success(request, _("Stage deleted, with its files."))
    if not matter.stages.exists():
        services.delete_matter(matter)
        return redirect("legal_list")
    return redirect("legal_matter_detail", pk=matter.pk)


@borrower_required
@require_POST
def legal_matter_delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    matter = _get_matter_for_user(request, pk)
    services.delete_matter(matter)
    messages.success(request, _("The legal matter and its files are deleted."))
    return redirect("legal_list")


# Court documents the borrower kept ----------------------------------------------------


def _file_response(document: LegalDocument) -> FileResponse:
    name = f"court-document-{document.stage_id}-{document.pk}"
    return attachments.private_file_response(document.file, document.content_type, name)


@borrower_required
@require_GET
def legal_document(request: AuthenticatedHttpRequest, pk: int) -> FileResponse:
    document = get_object_or_404(
        LegalDocument.objects.filter(stage__matter__borrower__user=request.user), pk=pk
    )
    return _file_response(document)


@borrower_required
@require_POST
def legal_document_delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    document = get_object_or_404(
        LegalDocument.objects.filter(stage__matter__borrower__user=request.user).select_related(
            "stage"
        ),
        pk=pk,
    )
    matter_pk = document.stage.matter_id
    services.delete_document(document)
    messages.success(request, _("File deleted."))
    return redirect("legal_matter_detail", pk=matter_pk)


# Printable documents (in Chinese) -------------------------------------------------------


def _render(request, template: str, context: dict, filename: str) -> HttpResponseBase:
    with translation.override(DOCUMENT_LANGUAGE):
        html = render_to_string(template, context)
    pdf, unprintable = render_printable_pdf(html)
    if unprintable:
        messages.warning(request, unprintable_message(unprintable))
    return pdf_response(request, pdf, filename)


def objection_context(matter: LegalMatter, today: date) -> dict:
    stage = latest_of(matter, (Kind.PAYMENT_ORDER,))
    if stage is None:
        raise Http404
    return {
        "matter": matter,
        "stage": stage,
        "borrower": matter.borrower,
        "debt": matter.debt,
        "today": today,
        "law_name": texts.CIVIL_PROCEDURE_LAW,
        "procedure": texts.PAYMENT_ORDER_PROCEDURE,
        "payment_order": texts.PAYMENT_ORDER,
    }


def mediation_context(matter: LegalMatter, today: date) -> dict:
    plan = mediation_plan(matter.borrower, matter.debt, today)
    court_stage = matter.current_stage
    return {
        "matter": matter,
        "stage": court_stage,
        "borrower": matter.borrower,
        "debt": matter.debt,
        "plan": plan,
        "amount_capital": capital_yuan(plan.amount),
        "monthly_capital": capital_yuan(plan.monthly) if plan.schedule else "",
        "today": today,
    }


def delisting_context(matter: LegalMatter, today: date) -> dict:
    stage = latest_of(matter, LISTING_KINDS)
    if stage is None:
        raise Http404
    enforcement = latest_of(matter, (Kind.ENFORCEMENT, Kind.LISTED, Kind.RESTRICTED))
    paid = latest_of(matter, (Kind.PAID, Kind.SETTLEMENT))
    return {
        "matter": matter,
        "stage": enforcement or stage,
        "paid": paid,
        "borrower": matter.borrower,
        "debt": matter.debt,
        "today": today,
        "list_rules": texts.DISHONEST_LIST_RULES,
        "consumption_rules": texts.CONSUMPTION_RULES,
    }


def objection_html(matter: LegalMatter, today: date) -> str:
    with translation.override(DOCUMENT_LANGUAGE):
        return render_to_string("pdf/legal_objection.html", objection_context(matter, today))


def mediation_html(matter: LegalMatter, today: date) -> str:
    with translation.override(DOCUMENT_LANGUAGE):
        return render_to_string("pdf/legal_mediation.html", mediation_context(matter, today))


def delisting_html(matter: LegalMatter, today: date) -> str:
    with translation.override(DOCUMENT_LANGUAGE):
        return render_to_string("pdf/legal_delisting.html", delisting_context(matter, today))


@borrower_required
@require_GET
def legal_objection_pdf(request: AuthenticatedHttpRequest, pk: int) -> HttpResponseBase:
    matter = _get_matter_for_user(request, pk)
    context = objection_context(matter, timezone.localdate())
    return _render(request, "pdf/legal_objection.html", context, f"objection-{matter.pk}.pdf")


@borrower_required
@require_GET
def legal_mediation_pdf(request: AuthenticatedHttpRequest, pk: int) -> HttpResponseBase:
    matter = _get_matter_for_user(request, pk)
    context = mediation_context(matter, timezone.localdate())
    return _render(request, "pdf/legal_mediation.html", context, f"mediation-{matter.pk}.pdf")


@borrower_required
@require_GET
def legal_delisting_pdf(request: AuthenticatedHttpRequest, pk: int) -> HttpResponseBase:
    matter = _get_matter_for_user(request, pk)
    context = delisting_context(matter, timezone.localdate())
    return _render(request, "pdf/legal_delisting.html", context, f"delisting-{matter.pk}.pdf")


# A counselor's read-only view -----------------------------------------------------------


@counselor_required
@require_GET
def legal_counselor_matter(
    request: AuthenticatedHttpRequest, pk: int, matter_pk: int
) -> HttpResponse:
    """A granted counselor reads the matter (read-only); others get a 404."""
    matter = _get_matter_for_counselor(request, pk, matter_pk)
    AccessEvent.record(
        matter.borrower, request.user.counselor, AccessEvent.Action.VIEW, f"legal {matter.pk}"
    )
    context = matter_context(matter, timezone.localdate(), owner=False)
    return render(request, "repayment_plans/legal/detail.html", context)


@counselor_required
@require_GET
def legal_counselor_document(
    request: AuthenticatedHttpRequest, pk: int, document_pk: int
) -> FileResponse:
    borrower = _get_borrower_for_counselor(request, pk)
    document = get_object_or_404(
        LegalDocument.objects.filter(stage__matter__borrower=borrower), pk=document_pk
    )
    AccessEvent.record(
        borrower, request.user.counselor, AccessEvent.Action.VIEW, f"court document {document.pk}"
    )
    return _file_response(document)
