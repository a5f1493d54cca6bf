"""The collection-contact log, and the complaint drawn from its flagged contacts."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import reswap, retarget

from borrowers import pages
from borrowers.access import AuthenticatedHttpRequest, borrower_required
from borrowers.collection import complaint as complaints
from borrowers.collection.forms import CollectionContactForm, ComplaintFilterForm
from borrowers.counselors.views import _get_borrower_for_counselor, counselor_required
from borrowers.models import AccessEvent, CollectionContact, Debt
from borrowers.pdf import pdf_response, unprintable_message


def _get_contact_for_user(request: AuthenticatedHttpRequest, pk: int) -> CollectionContact:
    return get_object_or_404(
        CollectionContact.objects.for_user(request.user).select_related("debt"), pk=pk
    )


def _log_context(request: AuthenticatedHttpRequest) -> dict[str, object]:
    log = complaints.build_log(CollectionContact.objects.for_user(request.user))
    return {"log": log, "owner": True, "borrower": request.user.borrower}


def _log_partial(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The log section, re-rendered after an inline change (flags of other days too)."""
    response = render(request, "borrowers/collection_log.html#contacts", _log_context(request))
    return reswap(retarget(response, "#contacts"), "outerHTML")


@borrower_required
@require_GET
def collection_log(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(request, "borrowers/collection_log.html", _log_context(request))


def _form_response(
    request: AuthenticatedHttpRequest,
    form: CollectionContactForm,
    contact: CollectionContact | None = None,
) -> HttpResponse:
    template = "borrowers/collection_contact_form.html"
    if request.htmx:
        template += "#contact-form"
    context = {"form": form, "contact": contact, "inline": pages.embedded(request)}
    return render(request, template, context)


def _initial_debt(request: AuthenticatedHttpRequest) -> dict[str, Debt]:
    """?debt=<pk> preselects one of the borrower's own debts (others are ignored)."""
    pk = request.GET.get("debt", "")
    if pk.isascii() and pk.isdigit():  # "²".isdigit() too, but int("²") fails
        debt = Debt.objects.for_user(request.user).filter(pk=int(pk)).first()
        if debt is not None:
            return {"debt": debt}
    return {}


@borrower_required
@require_http_methods(["GET", "POST"])
def contact_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    borrower = request.user.borrower
    form = CollectionContactForm(
        request.POST or None,
        borrower=borrower,
        now=timezone.now(),
        initial={"channel": CollectionContact.Channel.CALL, **_initial_debt(request)},
    )
    if request.method == "POST" and form.is_valid():
        contact = form.save(commit=False)
        contact.borrower = borrower
        contact.save()
        return pages.saved(
            request,
            message=_("Contact recorded."),
            page_url=f"{reverse('collection_log')}#contact-{contact.pk}",
            fragment=lambda: _log_partial(request),
        )
    return _form_response(request, form)


@borrower_required
@require_http_methods(["GET", "POST"])
def contact_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    contact = _get_contact_for_user(request, pk)
    form = CollectionContactForm(
        request.POST or None, instance=contact, borrower=request.user.borrower, now=timezone.now()
    )
    if request.method == "POST" and form.is_valid():
        form.save()
        return pages.saved(
            request,
            message=_("Contact updated."),
            page_url=f"{reverse('collection_log')}#contact-{contact.pk}",
            fragment=lambda: _log_partial(request),
        )
    return _form_response(request, form, contact)


@borrower_required
@require_http_methods(["GET", "POST"])
def contact_delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    contact = _get_contact_for_user(request, pk)
    if request.method == "POST":
        contact.delete()
        if request.htmx:
            return _log_partial(request)
        messages.success(request, _("Contact deleted."))
        return redirect("collection_log")
    return render(request, "borrowers/collection_contact_confirm_delete.html", {"contact": contact})


def _complaint_for(
    request: AuthenticatedHttpRequest,
) -> tuple[ComplaintFilterForm, complaints.Complaint | None]:
    """(filter form, complaint or None) from the query string."""
    borrower = request.user.borrower
    log = complaints.build_log(CollectionContact.objects.for_user(request.user))
    parties = complaints.party_choices(log)
    form = ComplaintFilterForm(request.GET or None, parties=parties)
    if form.is_bound and not form.is_valid():
        return form, None
    data = form.cleaned_data if form.is_bound else {}
    complaint = complaints.build_complaint(
        borrower,
        log,
        timezone.localdate(),
        party=data.get("party") or "",
        date_from=data.get("date_from"),
        date_to=data.get("date_to"),
    )
    return form, complaint


def _query(request: HttpRequest) -> str:
    keep = {k: request.GET[k] for k in ("party", "date_from", "date_to") if request.GET.get(k)}
    return f"?{urlencode(keep)}" if keep else ""


@borrower_required
@require_GET
def complaint(request: AuthenticatedHttpRequest) -> HttpResponse:
    form, draft = _complaint_for(request)
    context = {
        "form": form,
        "complaint": draft,
        "text": complaints.complaint_text(draft) if draft else "",
        "query": _query(request),
    }
    return render(request, "borrowers/collection_complaint.html", context)


def _filename(draft: complaints.Complaint, extension: str) -> str:
    return f"complaint-{draft.today:%Y%m%d}.{extension}"


@borrower_required
@require_GET
def complaint_text(request: AuthenticatedHttpRequest) -> HttpResponse:
    form, draft = _complaint_for(request)
    if draft is None:
        return redirect(reverse("collection_complaint") + _query(request))
    response = HttpResponse(
        complaints.complaint_text(draft), content_type="text/plain; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{_filename(draft, "txt")}"'
    return response


@borrower_required
@require_GET
def complaint_pdf(request: AuthenticatedHttpRequest) -> HttpResponseBase:

    form, draft = _complaint_for(request)
    if draft is None:
        return redirect(reverse("collection_complaint") + _query(request))
    pdf, unprintable = complaints.complaint_pdf(draft)
    if unprintable:
        # Shown on the next page: the PDF itself is a download.
        messages.warning(request, unprintable_message(unprintable))
    return pdf_response(request, pdf, _filename(draft, "pdf"))


@counselor_required
@require_GET
def counselor_collection_log(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A granted counselor reads a borrower's log (read-only); others get a 404."""
    borrower = _get_borrower_for_counselor(request, pk)
    AccessEvent.record(borrower, request.user.counselor, AccessEvent.Action.VIEW, "collection log")
    context = {
        "log": complaints.build_log(borrower.collection_contacts.all()),
        "owner": False,
        "borrower": borrower,
    }
    return render(request, "borrowers/collection_log.html", context)
