"""The counselor area, and the borrower's side of consent (grant, revoke)."""

import csv
from collections.abc import Callable
from datetime import date, timedelta
from functools import wraps
from typing import Any

from dateutil.relativedelta import relativedelta
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone, translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from borrowers.access import AuthenticatedHttpRequest, borrower_required
from borrowers.counselors import caseload, transfers
from borrowers.counselors.forms import JoinForm
from borrowers.debts import explanations
from borrowers.debts.forms import DebtForm
from borrowers.inputs import NamedRequiredMixin, PlainTextMixin, name_required_fields
from borrowers.models import (
    AccessEvent,
    AccessGrant,
    Borrower,
    CaseNote,
    Counselor,
    CounselorInvite,
    Debt,
    Invite,
    Transfer,
    Triage,
    User,
)

PAGE_SIZE = 50
INVITE_DAYS = 14


def counselor_required(
    view: Callable[..., HttpResponseBase],
) -> Callable[..., HttpResponseBase]:
    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        counselor = getattr(request.user, "counselor", None)
        if counselor is None or not counselor.is_active:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped


def _get_borrower_for_counselor(request: AuthenticatedHttpRequest, pk: int) -> Borrower:
    """A borrower who granted this counselor access, else 404 (and nothing recorded)."""
    return get_object_or_404(
        caseload.granted_borrowers(request.user.counselor).select_related("user"), pk=pk
    )


@counselor_required
@require_GET
def caseload_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Waiting for my review first, then most urgent; filters, search, sort and
    page live in the URL (htmx swaps the table)."""
    counselor = request.user.counselor
    today = timezone.localdate()
    filters = caseload.Filters.from_query(request.GET)
    rows = caseload.caseload(counselor, today, filters)
    if request.GET.get("format") == "csv":
        return _csv(rows, today)
    totals = caseload.totals(counselor)
    paginator = Paginator(rows, PAGE_SIZE)
    paginator.count = caseload.caseload_count(filters, rows, totals)
    page = paginator.get_page(request.GET.get("page"))
    context = {
        "counselor": counselor,
        "filters": filters,
        "rows": [(row, caseload.describe(row, today)) for row in page],
        "page": page,
        "query": urlencode(filters.as_query()),
        "sort_query": urlencode({"sort": filters.sort}),
        "tiers": caseload.TIER_NAMES,
        "state_choices": _state_choices(),
        "totals": totals,
        "invite": counselor.invites.filter(
            used_at__isnull=True, expires_at__gt=timezone.now()
        ).first(),
    }
    template = "borrowers/counselor/caseload.html"
    if request.htmx and not request.htmx.boosted:
        template += "#caseload-table"
    return render(request, template, context)


def _state_choices():
    return [
        (caseload.WAITING, caseload.WAITING_LABEL),
        *((state, caseload.STATE_LABELS[state]) for state in caseload.STATES),
    ]


def _csv(rows, today):
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="caseload.csv"'
    response.write("\ufeff")  # so that spreadsheet apps read the Chinese as UTF-8
    writer = csv.writer(response)
    writer.writerow(
        [
            _("Borrower"),
            _("Worst tier"),
            _("Total overdue"),
            _("Largest DPD"),
            _("Days until the next tier"),
            *(str(caseload.STATE_LABELS[state]) for state in caseload.STATES),
            _("Next installment"),
            _("Missed installments"),
            _("Last contact"),
            _("Next action"),
            _("Next action on"),
        ]
    )
    for row in rows.iterator(chunk_size=500):
        facts = caseload.describe(row, today)
        writer.writerow(
            [
                _safe_cell(row.display_name),
                explanations.TIER_TEXT[facts["tier"]].name,
                row.total_overdue,
                facts["largest_dpd"],
                "" if facts["days_to_next_tier"] is None else facts["days_to_next_tier"],
                *(getattr(row, field) for field in caseload.STATE_FIELDS),
                row.next_installment_on or "",
                row.missed_n,
                timezone.localtime(row.last_contact).date() if row.last_contact else "",
                _safe_cell(facts["next_action_text"]),
                row.next_action_on or "",
            ]
        )
    return response


def _safe_cell(value: str) -> str:
    """Keep spreadsheet formulas out of exported text."""
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


class NextActionDayMixin:
    """A next action's day: today or within the next year (``today`` given)."""

    cleaned_data: dict[str, Any]

    def __init__(self, *args, today, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today

    def clean_next_action_on(self):
        day = self.cleaned_data.get("next_action_on")
        if day is not None and not (self.today <= day <= self.today + relativedelta(years=1)):
            raise forms.ValidationError(_("Choose a day within the next year."))
        return day


DAY_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class NoteForm(NextActionDayMixin, PlainTextMixin, forms.ModelForm):
    class Meta:
        model = CaseNote
        fields = ("kind", "text", "next_action", "next_action_on")
        widgets = {"text": forms.Textarea(attrs={"rows": 3}), "next_action_on": DAY_INPUT}


class NextActionForm(NextActionDayMixin, PlainTextMixin, forms.ModelForm):
    """The caseload's inline edit of a borrower's next action: saved as a case
    note of kind "other" whose text is the action."""

    class Meta:
        model = CaseNote
        fields = ("next_action", "next_action_on")
        widgets = {"next_action_on": DAY_INPUT}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["next_action"].required = True
        name_required_fields(self.fields)


@counselor_required
@require_http_methods(["GET", "POST"])
def next_action(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Write a borrower's next action from their caseload row: with htmx the row
    opens a small form and the answer is the row again (with the errors next to
    the fields, or updated); without JavaScript a page of its own that goes back
    to the caseload once saved."""
    borrower = _get_borrower_for_counselor(request, pk)
    counselor = request.user.counselor
    today = timezone.localdate()
    inline = bool(request.htmx)
    form_kwargs: dict[str, Any] = {"today": today}
    if inline:  # several rows may have their form open: ids of their own
        form_kwargs["auto_id"] = f"id_next{borrower.pk}_%s"
    if request.method == "POST":
        form = NextActionForm(request.POST, **form_kwargs)
        if form.is_valid():
            note = form.save(commit=False)
            note.borrower = borrower
            note.author = counselor
            note.kind = CaseNote.Kind.OTHER
            note.text = note.next_action
            note.save()  # the borrower's caseload figures follow (borrowers/signals.py)
            if inline:
                return _caseload_row(request, counselor, borrower, today)
            messages.success(request, _("Next action saved."))
            return redirect("caseload")
    elif inline and "cancel" in request.GET:
        return _caseload_row(request, counselor, borrower, today)
    else:
        form = NextActionForm(initial=_current_action(borrower, today), **form_kwargs)
    if inline:
        return _caseload_row(request, counselor, borrower, today, form)
    return render(
        request, "borrowers/counselor/next_action.html", {"form": form, "borrower": borrower}
    )


def _current_action(borrower: Borrower, today: date) -> dict:
    """The form starts from the action the caseload shows (its day if still ahead)."""
    stored = Triage.objects.filter(pk=borrower.pk).first()
    if stored is None:
        return {}
    day = stored.next_action_on
    return {
        "next_action": stored.next_action,
        "next_action_on": day if day is not None and day >= today else None,
    }


def _caseload_row(
    request: AuthenticatedHttpRequest,
    counselor: Counselor,
    borrower: Borrower,
    today: date,
    form: NextActionForm | None = None,
) -> HttpResponse:
    """The borrower's caseload row, with the form open in it when given."""
    row = caseload.caseload_row(counselor, borrower.pk, today)
    if row is None:  # the grant was revoked meanwhile
        raise Http404
    context = {"row": row, "facts": caseload.describe(row, today), "form": form}
    return render(request, "borrowers/counselor/_caseload_row.html", context)


@counselor_required
@require_POST
def invite_create(request: AuthenticatedHttpRequest) -> HttpResponseRedirect:
    Invite.objects.create(
        counselor=request.user.counselor,
        expires_at=timezone.now() + timedelta(days=INVITE_DAYS),
    )
    messages.success(request, _("A new invite code is ready. It works once, for 14 days."))
    return redirect("caseload")


# The borrower's side ---------------------------------------------------------


class InviteCodeForm(NamedRequiredMixin, forms.Form):
    code = forms.CharField(label=gettext_lazy("Invite code from your counselor"), max_length=12)

    def clean_code(self):
        code = self.cleaned_data["code"].strip().upper()
        invite = Invite.objects.select_related("counselor__agency").filter(code=code).first()
        if invite is None:
            raise forms.ValidationError(
                _("This code does not exist. Check it with your counselor.")
            )
        if invite.used_at is not None:
            raise forms.ValidationError(_("This code has already been used. Ask for a new one."))
        if invite.expires_at <= timezone.now():
            raise forms.ValidationError(_("This code has expired. Ask for a new one."))
        self.invite = invite
        return code


@borrower_required
@require_http_methods(["GET", "POST"])
def access(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Who can see my data, since when; grant with a code; revoke at any time."""
    borrower = request.user.borrower
    form = InviteCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        invite = form.invite
        try:
            with transaction.atomic():
                claimed = Invite.objects.filter(pk=invite.pk, used_at__isnull=True).update(
                    used_at=timezone.now(), used_by=borrower
                )
                if not claimed:
                    raise IntegrityError
                AccessGrant.objects.create(borrower=borrower, counselor=invite.counselor)
        except IntegrityError:
            messages.error(request, _("This counselor already has access, or the code was used."))
        else:
            AccessEvent.record(borrower, invite.counselor, AccessEvent.Action.GRANT)
            messages.success(
                request,
                _("%(name)s can now see your debts and plans.")
                % {"name": invite.counselor.display_name},
            )
        return redirect("access")
    context = {
        "form": form,
        "transfers": borrower.transfers.filter(status=Transfer.Status.PENDING).select_related(
            "from_counselor__agency", "to_counselor"
        ),
        "grants": borrower.grants.active().select_related("counselor__agency"),
        "events": borrower.access_events.select_related("counselor")[:50],
    }
    return render(request, "borrowers/access.html", context)


@borrower_required
@require_POST
def access_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponseRedirect:
    """Allow, or stop allowing, a counselor to edit (read-only is the default)."""
    borrower = request.user.borrower
    grant = get_object_or_404(borrower.grants.active(), pk=pk)
    grant.can_edit = request.POST.get("can_edit") == "1"
    grant.save(update_fields=["can_edit"])
    detail = "may edit" if grant.can_edit else "read-only"
    AccessEvent.record(borrower, grant.counselor, AccessEvent.Action.GRANT, detail)
    return redirect("access")


@counselor_required
@require_http_methods(["GET", "POST"])
def debt_edit(request: AuthenticatedHttpRequest, pk: int, debt_pk: int) -> HttpResponse:
    """A counselor corrects a debt, when the borrower allowed edits; recorded by name."""

    borrower = _get_borrower_for_counselor(request, pk)
    grant = borrower.grants.active().get(counselor=request.user.counselor)
    if not grant.can_edit:
        raise Http404
    debt = get_object_or_404(Debt.objects.filter(borrower=borrower), pk=debt_pk)
    form = DebtForm(request.POST or None, instance=debt, today=timezone.localdate())
    if request.method == "POST" and form.is_valid():
        form.save()
        changed = ", ".join(form.changed_data)[:150]
        AccessEvent.record(
            borrower, request.user.counselor, AccessEvent.Action.EDIT, f"{debt.label}: {changed}"
        )
        messages.success(request, _("Debt updated."))
        return redirect("counselor_borrower", pk=borrower.pk)
    return render(
        request,
        "borrowers/counselor/debt_edit.html",
        {"form": form, "debt": debt, "borrower": borrower},
    )


@borrower_required
@require_POST
def access_revoke(request: AuthenticatedHttpRequest, pk: int) -> HttpResponseRedirect:
    borrower = request.user.borrower
    grant = get_object_or_404(borrower.grants.active(), pk=pk)
    grant.revoked_at = timezone.now()
    grant.save(update_fields=["revoked_at"])
    AccessEvent.record(borrower, grant.counselor, AccessEvent.Action.REVOKE)
    messages.success(request, _("Access revoked. It takes effect at once."))
    return redirect("access")


@borrower_required
@require_POST
def transfer_answer(request: AuthenticatedHttpRequest, pk: int) -> HttpResponseRedirect:
    """The borrower accepts or refuses that another counselor follow them."""
    borrower = request.user.borrower
    get_object_or_404(borrower.transfers.filter(status=Transfer.Status.PENDING), pk=pk)
    if request.POST.get("answer") == "accept":
        transfer = transfers.accept(borrower, pk)
        if transfer is not None:
            messages.success(
                request,
                _("%(name)s now follows your case; %(old)s no longer sees your data.")
                % {
                    "name": transfer.to_counselor.display_name,
                    "old": transfer.from_counselor.display_name,
                },
            )
    elif request.POST.get("answer") == "refuse":
        if transfers.refuse(borrower, pk) is not None:
            messages.success(request, _("Refused. Nothing has changed in who sees your data."))
    else:
        messages.error(request, _("Accept or refuse the transfer."))
    return redirect("access")


# An invited counselor joins -----------------------------------------------------


def _open_invite(token: str) -> CounselorInvite:
    invite = (
        CounselorInvite.objects.select_related("agency")
        .filter(token=token, used_at__isnull=True, expires_at__gt=timezone.now())
        .first()
    )
    if invite is None:
        raise Http404
    return invite


@require_http_methods(["GET", "POST"])
def counselor_join(request: HttpRequest, token: str) -> HttpResponse:
    """The emailed link: a new counselor account, or an existing account (its
    password confirms it) attached to the agency. Used once, for 14 days."""
    invite = _open_invite(token)
    form = JoinForm(
        request.POST or None, email=invite.email, initial={"display_name": invite.display_name}
    )
    if request.method == "POST" and form.is_valid():
        try:
            _join(invite, form, request)
        except IntegrityError:  # the address got an account or a profile meanwhile
            form.add_error(None, _("This address already has a counselor's or borrower's profile."))
        else:
            messages.success(
                request,
                _("Welcome to %(agency)s. Log in with %(email)s to see your caseload.")
                % {"agency": invite.agency.name, "email": invite.email},
            )
            return redirect("login")
    return render(request, "borrowers/counselor/join.html", {"form": form, "invite": invite})


@transaction.atomic
def _join(invite: CounselorInvite, form: JoinForm, request: HttpRequest) -> None:
    claimed = CounselorInvite.objects.filter(
        pk=invite.pk, used_at__isnull=True, expires_at__gt=timezone.now()
    ).update(used_at=timezone.now())
    if not claimed:
        raise Http404
    user = form.existing
    if user is None:
        user = User.objects.create_user(
            invite.email, form.cleaned_data["password1"], language=_language(request)
        )
    Counselor.objects.create(
        user=user, agency=invite.agency, display_name=form.cleaned_data["display_name"]
    )
    CounselorInvite.objects.filter(pk=invite.pk).update(used_by=user)


def _language(request: HttpRequest) -> str:
    return translation.get_language() or settings.LANGUAGE_CODE
