from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import wraps
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import reswap, retarget
from django_htmx.middleware import HtmxDetails

from borrowers import positions
from borrowers.debts import explanations, tiers
from borrowers.forms import BudgetForm, DebtForm, DebtPreviewForm, SignUpForm
from borrowers.models import Borrower, Debt, ProductProfile, User, debt_facts


class AuthenticatedHttpRequest(HttpRequest):
    """For type hints only (Django builds the requests): a request of a signed-in
    user, as the views behind login_required, borrower_required and
    counselor_required get it, with django-htmx's ``htmx`` from its middleware."""

    user: User
    htmx: HtmxDetails


def borrower_required(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Signed in and owning a borrower profile; counselors go to their area."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not hasattr(request.user, "borrower"):
            return redirect("home")
        return view(request, *args, **kwargs)

    return wrapped


def _get_debt_for_user(request: AuthenticatedHttpRequest, pk: int) -> Debt:
    return get_object_or_404(Debt.objects.for_user(request.user).select_related("profile"), pk=pk)


@dataclass
class DebtRow:
    """A debt and where it stands (repayment_plans.position.compute): what every page shows."""

    debt: Debt | None
    # repayment_plans.position.compute.DebtPosition, through borrowers.positions
    position: positions.DebtPositionLike

    @property
    def status(self) -> tiers.TierStatus:
        return self.position.status

    @property
    def tier_text(self):
        return explanations.TIER_TEXT[self.position.tier]

    @property
    def next_tier_text(self):
        tier = self.position.next_tier
        return explanations.TIER_TEXT[tier] if tier else None


@dataclass
class Overview:
    rows: list[DebtRow]
    position: positions.BorrowerPositionLike  # repayment_plans.position.compute.BorrowerPosition
    disposable_income: Decimal

    @property
    def total_owed(self) -> Decimal:
        return self.position.total_owed

    @property
    def total_overdue(self) -> Decimal:
        return self.position.total_overdue

    @property
    def penalty_to_date(self) -> Decimal:
        return self.position.penalty_to_date

    @property
    def worst_tier(self) -> tiers.Tier:
        return self.position.worst_tier

    @property
    def worst_tier_text(self):
        return explanations.TIER_TEXT[self.worst_tier]


def build_overview(borrower: Borrower, today: date) -> Overview:
    current = positions.source().load(borrower, today)
    debts = {d.pk: d for d in borrower.debts.select_related("profile")}
    rows = [DebtRow(debts[p.debt_id], p) for p in current.debts if p.debt_id in debts]
    return Overview(rows=rows, position=current, disposable_income=borrower.disposable_income)


def debt_row(debt: Debt, today: date) -> DebtRow:
    current = positions.source().load(debt.borrower, today)
    return DebtRow(debt, current.by_debt(debt.pk))


def home(request: HttpRequest) -> HttpResponseRedirect:
    if not request.user.is_authenticated:
        return redirect("login")
    if hasattr(request.user, "borrower"):
        return redirect("dashboard")
    if hasattr(request.user, "counselor"):
        return redirect("caseload")
    if request.user.is_staff:
        return redirect("admin:index")
    raise Http404


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    """A new account, or for an address that already has one the same answer:
    "check your email" (the owner gets an email saying someone tried, with the
    password reset). Nobody is logged in: the welcome email says how to log in.
    Whether someone uses a debt-help app is not for any visitor to learn."""
    from django.db import IntegrityError

    from borrowers.accounts.mail import queue_account_email
    from borrowers.accounts.throttle import allow_email
    from borrowers.models import User

    if request.user.is_authenticated:
        return redirect("home")
    if request.method == "GET" and request.GET.get("sent"):
        return render(request, "registration/signup_done.html")
    form = SignUpForm(request.POST or None)
    if request.method != "POST":
        return render(request, "registration/signup.html", {"form": form})
    created = form.is_valid()
    if created:
        try:
            with transaction.atomic():
                user = form.save(commit=False)
                user.language = translation.get_language() or settings.LANGUAGE_CODE
                user.save()
                Borrower.objects.create(user=user, display_name=form.cleaned_data["display_name"])
        except IntegrityError:  # the same address signed up a moment ago
            created = False
            form.taken_user = User.objects.filter(email__iexact=form.cleaned_data["email"]).first()
    elif form.only_taken:
        form.spend_hashing_time()
    else:
        form.hide_taken()
        return render(request, "registration/signup.html", {"form": form})
    owner = user if created else form.taken_user
    if owner is not None and allow_email("signup", owner.email, request):
        queue_account_email("welcome" if created else "taken", owner)
    return HttpResponseRedirect(reverse("signup") + "?sent=1")


@borrower_required
def dashboard(request: AuthenticatedHttpRequest) -> HttpResponse:
    borrower = request.user.borrower
    context = {"overview": build_overview(borrower, timezone.localdate()), "borrower": borrower}
    return render(request, "borrowers/dashboard.html", context)


@borrower_required
@require_http_methods(["GET", "POST"])
def budget(request: AuthenticatedHttpRequest) -> HttpResponse:
    borrower = request.user.borrower
    form = BudgetForm(request.POST or None, instance=borrower)
    if request.method == "POST" and form.is_valid():
        borrower = form.save(commit=False)
        borrower.budget_updated_at = timezone.now()
        borrower.save()
        messages.success(request, _("Budget saved."))
        return redirect("dashboard")
    return render(request, "borrowers/budget.html", {"form": form, "borrower": borrower})


def _debts_partial(request: AuthenticatedHttpRequest, status: int = 200) -> HttpResponse:
    """The debts section of the dashboard, re-rendered after an inline change."""
    borrower = request.user.borrower
    context = {"overview": build_overview(borrower, timezone.localdate()), "borrower": borrower}
    response = render(request, "borrowers/dashboard.html#debts", context, status=status)
    return reswap(retarget(response, "#debts"), "outerHTML")


def _debt_form_response(
    request: AuthenticatedHttpRequest, form: DebtForm, debt: Debt | None = None
) -> HttpResponse:
    template = "borrowers/debt_form.html#debt-form" if request.htmx else "borrowers/debt_form.html"
    preview = _preview_context(form.data if form.is_bound else None, debt)
    return render(request, template, {"form": form, "debt": debt, **preview})


@borrower_required
@require_http_methods(["GET", "POST"])
def debt_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    today = timezone.localdate()
    form = DebtForm(request.POST or None, today=today)
    if request.method == "POST" and form.is_valid():
        debt = form.save(commit=False)
        debt.borrower = request.user.borrower
        debt.save()
        if request.htmx:
            return _debts_partial(request)
        messages.success(request, _("Debt added."))
        return redirect("debt_detail", pk=debt.pk)
    return _debt_form_response(request, form)


@borrower_required
@require_http_methods(["GET", "POST"])
def debt_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    debt = _get_debt_for_user(request, pk)
    form = DebtForm(request.POST or None, instance=debt, today=timezone.localdate())
    if request.method == "POST" and form.is_valid():
        form.save()
        if request.htmx:
            return _debts_partial(request)
        messages.success(request, _("Debt updated."))
        return redirect("debt_detail", pk=debt.pk)
    return _debt_form_response(request, form, debt)


@borrower_required
@require_http_methods(["GET", "POST"])
def debt_delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    debt = _get_debt_for_user(request, pk)
    if request.method == "POST":
        debt.delete()
        if request.htmx:
            return _debts_partial(request)
        messages.success(request, _("Debt deleted."))
        return redirect("dashboard")
    return render(request, "borrowers/debt_confirm_delete.html", {"debt": debt})


@borrower_required
@require_GET
def debt_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    debt = _get_debt_for_user(request, pk)
    row = debt_row(debt, timezone.localdate())
    context = {
        "row": row,
        "debt": debt,
        "explanations": explanations,
        "all_tiers": [(t, explanations.TIER_TEXT[t]) for t in tiers.Tier],
        "report_code_text": explanations.REPORT_CODE_TEXT[row.position.report_code],
        "card_risk_text": explanations.CARD_RISK_CLASS_TEXT.get(row.status.card_risk_class or ""),
    }
    return render(request, "borrowers/debt_detail.html", context)


def _preview_context(data, debt=None):
    """Tier preview for the debt form, from whatever part of the form is valid."""
    if data is None:
        if debt is None:
            return {"preview": None}
        return {"preview": debt_row(debt, timezone.localdate()), "preview_profile": debt.profile}
    today = timezone.localdate()
    values = DebtPreviewForm(data, today=today).preview_values()
    profile = values["profile"]
    if profile is None:
        return {"preview": None}
    facts = debt_facts(
        profile,
        first_missed=values["first_missed"],
        principal=values["principal"],
        overdue_amount=values["overdue_amount"],
        annual_rate_percent=values["annual_rate_percent"],
        grace_days_override=values["grace_days_override"],
        penalty_multiplier_override=values["penalty_multiplier_override"],
    )
    where = positions.source().preview(facts, values["principal"], today)
    return {
        "preview": DebtRow(debt=None, position=where),
        "preview_profile": profile,
        "preview_date_error": values["date_error"],
    }


@borrower_required
@require_GET
def debt_preview(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The live tier preview beside the debt form (htmx, before saving)."""
    context = _preview_context(request.GET)
    profile = context.get("preview_profile")
    # Offer the product's typical lender when the lender field is still empty
    # or still shows another product's typical lender.
    typed = request.GET.get("lender_name", "").strip()
    defaults = set(ProductProfile.objects.values_list("default_lender", flat=True))
    context["lender_suggestion"] = (
        profile.default_lender
        if profile and (not typed or typed in defaults) and not profile.lender_is_user_entered
        else None
    )
    context["lender_clear"] = bool(
        profile and profile.lender_is_user_entered and typed in defaults and typed
    )
    return render(request, "borrowers/_tier_preview.html", context)


@require_POST
def set_language(request: HttpRequest) -> HttpResponseRedirect:
    """Switch the interface language; remembered on the account when signed in."""
    language = request.POST.get("language", "")
    if language not in dict(settings.LANGUAGES):
        language = settings.LANGUAGE_CODE
    next_url = request.POST.get("next") or reverse("home")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = reverse("home")
    response = HttpResponseRedirect(next_url)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    if request.user.is_authenticated and request.user.language != language:
        request.user.language = language
        request.user.save(update_fields=["language"])
    return response


def sent_mail(request: HttpRequest) -> HttpResponse:
    """DEBUG only, staff only: the messages the file email backend wrote, newest
    first, decoded: headers, the text body, attachments by name and size.

    Anyone else gets a 404, as when DEBUG is off: the messages hold password
    reset links. Each .log file holds one or more messages, each followed by a
    line of 79 dashes (django.core.mail.backends.filebased).
    """
    import email
    import email.policy
    import re

    mailer = settings.MAILERS["default"]
    user = request.user
    if (
        not settings.DEBUG
        or not mailer["BACKEND"].endswith("filebased.EmailBackend")
        or not (user.is_authenticated and user.is_active and user.is_staff)
    ):
        raise Http404
    separator = re.compile(rb"^-{79}\r?$\n?", re.MULTILINE)

    def text_of(part) -> str:
        try:
            return part.get_content()
        except (LookupError, ValueError):  # an unknown charset, a broken encoding
            return (part.get_payload(decode=True) or b"").decode("utf-8", errors="replace")

    def decoded(raw: bytes) -> dict:
        message = email.message_from_bytes(raw, policy=email.policy.default)
        body = message.get_body(preferencelist=("plain", "html"))
        attachments = []
        for part in message.iter_attachments():
            payload = part.get_payload(decode=True) or b""
            attachments.append({"name": part.get_filename() or "", "size": len(payload)})
        return {
            "from": str(message.get("From", "")),
            "to": str(message.get("To", "")),
            "cc": str(message.get("Cc", "")),
            "subject": str(message.get("Subject", "")),
            "date": str(message.get("Date", "")),
            "body": text_of(body) if body is not None else "",
            "attachments": attachments,
        }

    folder = Path(mailer["OPTIONS"]["file_path"])
    files = sorted(folder.glob("*.log"), key=lambda p: p.stat().st_mtime, reverse=True)[:20]
    messages_sent = []
    for file in files:
        chunks = [c for c in separator.split(file.read_bytes()) if c.strip()]
        for number, chunk in reversed(list(enumerate(chunks, start=1))):
            messages_sent.append({"file": file.name, "number": number, **decoded(chunk)})
    return render(request, "borrowers/sent_mail.html", {"messages_sent": messages_sent})
