"""One lender's page and its negotiation log (docs/domain.md §7)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.contrib import messages
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from borrowers import pages
from borrowers.access import AuthenticatedHttpRequest, borrower_required
from borrowers.counselors.views import _get_borrower_for_counselor, counselor_required
from borrowers.debts.views import DebtRow, build_overview
from borrowers.models import AccessEvent, Borrower, CollectionContact, Debt
from repayment_plans.models import (
    NegotiationAttachment,
    NegotiationContact,
    Plan,
    Proposal,
)
from repayment_plans.negotiation import attachments, judging, offers
from repayment_plans.negotiation import services as negotiation
from repayment_plans.negotiation.forms import NegotiationContactForm
from repayment_plans.position.load import load_position
from repayment_plans.refusals import Refused
from repayment_plans.web import form_key_from, new_form_key

# The lender page ----------------------------------------------------------------------


@dataclass
class Entry:
    """A contact of the log with the verdict on its offer."""

    contact: NegotiationContact
    evaluation: offers.Evaluation | None
    confirmed: bool


def _lender_debts(borrower: Borrower, lender: str) -> list[Debt]:
    debts = list(borrower.debts.filter(lender_name=lender).select_related("profile"))
    if not debts:
        raise Http404
    return debts


def _entries(borrower: Borrower, lender: str, side, today: date) -> list[Entry]:
    contacts = (
        NegotiationContact.objects.filter(borrower=borrower)
        .for_lender(lender)
        .select_related("proposal__plan")
        .prefetch_related("attachments")
    )
    return [
        Entry(
            contact=c,
            evaluation=judging.evaluate(c, side, today),
            confirmed=bool(c.sms_text.strip()) or bool(c.attachments.all()),
        )
        for c in contacts
    ]


def next_step(entries: list[Entry], plans: list[Plan], proposals: list[Proposal]) -> str:
    """What to do next with this lender, in one sentence."""
    unconfirmed = [e for e in entries if e.contact.proposal_id and not e.confirmed]
    active = [p for p in plans if p.status == Plan.Status.ACTIVE]
    if unconfirmed:
        return _(
            "Ask the lender for the agreement in writing (SMS, in-app record or letter) with "
            "the amount, the term and whether interest continues, and keep it here."
        )
    if active:
        return _("Pay each installment of the plan on time and record the payments.")
    if plans:
        return _("The plan with this lender is paid. Keep its records.")
    latest = entries[0] if entries else None
    if latest is not None and latest.contact.next_step.strip():
        return _("Your next step: %(step)s") % {"step": latest.contact.next_step.strip()}
    if latest is not None and latest.evaluation is not None:
        verdict = latest.evaluation.verdict
        if verdict == offers.Verdict.DOES_NOT_FIT:
            return latest.evaluation.counter_reason or str(latest.evaluation.headline)
        if latest.contact.outcome == NegotiationContact.Outcome.OFFER:
            return _("If you accept the offer, ask for it in writing and record it here as agreed.")
    if latest is not None and latest.contact.outcome == NegotiationContact.Outcome.REFUSED:
        return _(
            "Try another channel: the app's negotiation entry, the hotline, or the letter, "
            "which leaves a written record."
        )
    if any(p.status == Proposal.Status.FINALISED for p in proposals):
        return _("Wait for the answer to your letter; call the lender if none comes in 14 days.")
    return _("Call the lender with your script, then record here what they said.")


def lender_context(
    request: HttpRequest, borrower: Borrower, lender: str, owner: bool
) -> dict[str, object]:
    today = timezone.localdate()
    debts = _lender_debts(borrower, lender)
    pks = {d.pk for d in debts}
    overview = build_overview(borrower, today)
    rows: list[DebtRow] = [r for r in overview.rows if r.debt is not None and r.debt.pk in pks]
    current = load_position(borrower, today)
    side = judging.borrower_side(borrower, lender, current, debts)
    entries = _entries(borrower, lender, side, today)
    proposals = list(
        Proposal.objects.filter(borrower=borrower, lender_name=lender)
        .select_related("plan")
        .order_by("-updated_at", "-pk")
    )
    plans = [p.plan for p in proposals if hasattr(p, "plan")]
    offered = next((e for e in entries if e.evaluation is not None), None)
    letter = next((p for p in proposals if not hasattr(p, "plan")), None)
    letter_url = (
        reverse("proposal_detail", args=[letter.pk]) if letter else reverse("plan_overview")
    )
    collection = (
        CollectionContact.objects.filter(borrower=borrower)
        .filter(Q(debt__lender_name=lender) | Q(debt__isnull=True, who=lender))
        .select_related("debt")
    )
    return {
        "borrower": borrower,
        "lender": lender,
        "owner": owner,
        "debts": debts,
        "rows": rows,
        "profile": debts[0].profile,
        "letter_url": letter_url,
        "entries": entries,
        "latest": entries[0] if entries else None,
        "offered": offered,
        "unconfirmed": [e for e in entries if e.contact.proposal_id and not e.confirmed],
        "proposals": proposals,
        "plans": plans,
        "collection": collection,
        "next_step": next_step(entries, plans, proposals),
        "capacity_left": side.capacity_left if side else None,
    }


@borrower_required
@require_GET
def lender_detail(request: AuthenticatedHttpRequest, lender: str) -> HttpResponse:
    context = lender_context(request, request.user.borrower, lender, owner=True)
    return render(request, "repayment_plans/negotiation/lender.html", context)


def _log_partial(request: AuthenticatedHttpRequest, lender: str) -> HttpResponse:
    """The log and the state, re-rendered after an inline change."""
    context = lender_context(request, request.user.borrower, lender, owner=True)
    html = render_to_string(
        "repayment_plans/negotiation/lender.html#negotiation-log", context, request=request
    )
    html += render_to_string(
        "repayment_plans/negotiation/lender.html#state", {**context, "oob": True}, request=request
    )
    return HttpResponse(html)


# The log's form ----------------------------------------------------------------------


def _contact_for_user(request: AuthenticatedHttpRequest, pk: int) -> NegotiationContact:
    return get_object_or_404(
        NegotiationContact.objects.for_user(request.user).select_related("borrower"), pk=pk
    )


def _lender_url(lender: str, contact: NegotiationContact | None = None) -> str:
    url = reverse("lender_detail", args=[lender])
    return f"{url}#contact-{contact.pk}" if contact is not None else url


def _form_response(
    request: AuthenticatedHttpRequest,
    form: NegotiationContactForm,
    lender: str,
    contact: NegotiationContact | None = None,
) -> HttpResponse:
    template = "repayment_plans/negotiation/contact_form.html"
    if request.htmx:
        template += "#contact-form"
    side = judging.borrower_side(
        request.user.borrower,
        lender,
        load_position(request.user.borrower, timezone.localdate()),
        list(request.user.borrower.debts.filter(lender_name=lender).select_related("profile")),
    )
    context = {
        "form": form,
        "contact": contact,
        "lender": lender,
        "inline": pages.embedded(request),
        "form_key": request.POST.get("form_key") or new_form_key(),
        "evaluation": _preview(form, side) if form.is_bound else None,
        "attachments": list(contact.attachments.all()) if contact is not None else [],
    }
    return render(request, template, context)


def _saved_message(contact: NegotiationContact, plan: Plan | None, created: bool) -> str:
    message = _("Contact recorded.") if created else _("Contact updated.")
    if plan is not None:
        message += " " + _("The agreement is now your plan with this lender.")
    return message


def _save(
    request: AuthenticatedHttpRequest,
    form: NegotiationContactForm,
    lender: str,
    created: bool,
) -> HttpResponse | None:
    """Save a valid form; None when the service refused (the error is on the form)."""
    contact = form.save(commit=False)
    if created:
        contact.borrower = request.user.borrower
        contact.lender_name = lender
    evidence = None
    if form.cleaned_data.get("evidence") and form.evidence_type is not None:
        evidence = (form.cleaned_data["evidence"], form.evidence_type)
    try:
        contact, plan = negotiation.save_contact(
            contact,
            idempotency_key=form_key_from(request) if created else "",
            evidence=evidence,
            actor=request.user,
        )
    except Refused as refused:
        form.add_error(None, str(refused))
        return None
    lender_url = _lender_url(lender, contact)
    message = _saved_message(contact, plan, created)
    if plan is not None:
        # The agreement is now the plan: its page (with its channel, its agent and,
        # until the lender confirms in writing, the reminder to ask).
        return pages.saved(
            request, message=message, page_url=reverse("plan_detail", args=[plan.pk])
        )
    if not pages.embedded(request):
        return pages.saved(request, message=message, page_url=lender_url)
    return pages.saved(
        request,
        message=message,
        page_url=lender_url,
        fragment=lambda: _log_partial(request, lender),
    )


@borrower_required
@require_http_methods(["GET", "POST"])
def contact_create(request: AuthenticatedHttpRequest, lender: str) -> HttpResponse:
    borrower = request.user.borrower
    _lender_debts(borrower, lender)
    form = NegotiationContactForm(
        request.POST or None,
        request.FILES or None,
        borrower=borrower,
        lender=lender,
        now=timezone.now(),
        initial={"channel": NegotiationContact.Channel.HOTLINE},
    )
    if request.method == "POST" and form.is_valid():
        response = _save(request, form, lender, created=True)
        if response is not None:
            return response
    return _form_response(request, form, lender)


@borrower_required
@require_http_methods(["GET", "POST"])
def contact_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    contact = _contact_for_user(request, pk)
    form = NegotiationContactForm(
        request.POST or None,
        request.FILES or None,
        instance=contact,
        borrower=request.user.borrower,
        lender=contact.lender_name,
        now=timezone.now(),
    )
    if request.method == "POST" and form.is_valid():
        response = _save(request, form, contact.lender_name, created=False)
        if response is not None:
            return response
    return _form_response(request, form, contact.lender_name, contact)


@borrower_required
@require_http_methods(["GET", "POST"])
def contact_delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    contact = _contact_for_user(request, pk)
    lender = contact.lender_name
    if request.method == "POST":
        negotiation.delete_contact(contact)
        lender_exists = request.user.borrower.debts.filter(lender_name=lender).exists()
        if request.htmx and lender_exists:
            return _log_partial(request, lender)
        messages.success(request, _("Contact deleted."))
        return redirect(_lender_url(lender) if lender_exists else reverse("dashboard"))
    return render(
        request, "repayment_plans/negotiation/contact_confirm_delete.html", {"contact": contact}
    )


def _preview(form: NegotiationContactForm, side) -> offers.Evaluation | None:
    """The verdict on the offer typed so far (whatever part of the form is valid)."""
    data = getattr(form, "cleaned_data", {})
    monthly, months = data.get("offer_monthly"), data.get("offer_months")
    if side is None or not monthly or not months:
        return None
    contact = NegotiationContact(
        offer_monthly=monthly,
        offer_months=months,
        offer_first_due=data.get("offer_first_due"),
        interest_continues=data.get("interest_continues") or "unknown",
        penalties_continue=data.get("penalties_continue") or "unknown",
        offer_fees=data.get("offer_fees"),
        offer_waived=data.get("offer_waived"),
    )
    return judging.evaluate(contact, side, timezone.localdate())


@borrower_required
@require_GET
def offer_preview(request: AuthenticatedHttpRequest, lender: str) -> HttpResponse:
    """The live verdict beside the log's form (htmx, before saving)."""
    borrower = request.user.borrower
    debts = _lender_debts(borrower, lender)
    form = NegotiationContactForm(request.GET, borrower=borrower, lender=lender, now=timezone.now())
    form.is_valid()
    side = judging.borrower_side(
        borrower, lender, load_position(borrower, timezone.localdate()), debts
    )
    return render(
        request,
        "repayment_plans/negotiation/_evaluation.html",
        {"evaluation": _preview(form, side), "preview": True},
    )


# Attachments --------------------------------------------------------------------------


def _file_response(attachment: NegotiationAttachment) -> FileResponse:
    name = f"negotiation-{attachment.contact_id}-{attachment.pk}"
    return attachments.private_file_response(attachment.file, attachment.content_type, name)


@borrower_required
@require_GET
def attachment_download(request: AuthenticatedHttpRequest, pk: int) -> FileResponse:
    attachment = get_object_or_404(
        NegotiationAttachment.objects.filter(contact__borrower__user=request.user), pk=pk
    )
    return _file_response(attachment)


@borrower_required
@require_POST
def attachment_delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    attachment = get_object_or_404(
        NegotiationAttachment.objects.filter(contact__borrower__user=request.user).select_related(
            "contact"
        ),
        pk=pk,
    )
    contact = attachment.contact
    negotiation.delete_attachment(attachment)
    messages.success(request, _("File deleted."))
    return redirect("negotiation_edit", pk=contact.pk)


# A counselor's read-only view -----------------------------------------------------------


@counselor_required
@require_GET
def counselor_lender(request: AuthenticatedHttpRequest, pk: int, lender: str) -> HttpResponse:
    """A granted counselor reads one lender's page and log (read-only); others get a 404."""
    borrower = _get_borrower_for_counselor(request, pk)
    context = lender_context(request, borrower, lender, owner=False)
    AccessEvent.record(borrower, request.user.counselor, AccessEvent.Action.VIEW, "negotiation")
    return render(request, "repayment_plans/negotiation/lender.html", context)


@counselor_required
@require_GET
def counselor_attachment_download(
    request: AuthenticatedHttpRequest, pk: int, attachment_pk: int
) -> FileResponse:
    borrower = _get_borrower_for_counselor(request, pk)
    attachment = get_object_or_404(
        NegotiationAttachment.objects.filter(contact__borrower=borrower), pk=attachment_pk
    )
    AccessEvent.record(
        borrower,
        request.user.counselor,
        AccessEvent.Action.VIEW,
        f"negotiation file {attachment.pk}",
    )
    return _file_response(attachment)
