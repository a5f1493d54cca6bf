"""The front door, sign-up, the language switch and the development mailbox."""

import email
import email.policy
import re
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from borrowers.accounts.forms import SignUpForm
from borrowers.accounts.mail import queue_account_email
from borrowers.accounts.throttle import allow_email
from borrowers.debts import explanations
from borrowers.debts.forms import TierCheckForm
from borrowers.debts.views import preview_row
from borrowers.models import Borrower, User, debt_facts


def home(request: HttpRequest) -> HttpResponse:
    """The front door. A visitor sees what the app is and checks a debt's tier
    without an account; a signed-in person goes to their own start page."""
    if not request.user.is_authenticated:
        return render(request, "borrowers/home.html", _check_context(request))
    if hasattr(request.user, "borrower"):
        return redirect("dashboard")
    if hasattr(request.user, "counselor"):
        return redirect("caseload")
    if request.user.is_staff:
        return redirect("admin:index")
    raise Http404


def _check_context(request: HttpRequest) -> dict[str, object]:
    """The tier check of the front page, from ``?check-…`` when submitted."""
    today = timezone.localdate()
    submitted = any(key.startswith("check-") for key in request.GET)
    form = TierCheckForm(request.GET if submitted else None, today=today)
    context: dict[str, object] = {"check_form": form, "explanations": explanations}
    if submitted and form.is_valid():
        data = form.cleaned_data
        facts = debt_facts(
            data["profile"],
            first_missed=data["first_missed"],
            principal=data["amount"],
            overdue_amount=data["amount"],
            annual_rate_percent=form.annual_rate_percent(),  # as the saved debt will have it
        )
        context.update(
            row=preview_row(facts, data["amount"], today),
            profile=data["profile"],
            carry=request.GET.urlencode(),
        )
    return context


@require_GET
def tier_check(request: HttpRequest) -> HttpResponse:
    """The check's answer: the fragment for htmx, the front page without."""
    template = "borrowers/home.html"
    if getattr(request, "htmx", False):
        template += "#check"
    return render(request, template, _check_context(request))


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    """A new account, or for an address that already has one the same answer:
    "check your email" (the owner gets an email saying someone tried, with the
    password reset). Nobody is logged in: the welcome email says how to log in.
    Whether someone uses a debt-help app is not for any visitor to learn."""

    if request.user.is_authenticated:
        return redirect("home")
    if request.method == "GET" and request.GET.get("sent"):
        return render(request, "registration/signup_done.html")
    form = SignUpForm(request.POST or None)
    source = request.POST if request.method == "POST" else request.GET
    carried: TierCheckForm | None = None
    if any(k.startswith("check-") for k in source):
        carried = TierCheckForm(source, today=timezone.localdate())
        if not carried.is_valid():
            carried = None
    context = {"form": form, "carried": carried}
    if request.method != "POST":
        return render(request, "registration/signup.html", context)
    created = form.is_valid()
    if created:
        try:
            with transaction.atomic():
                user = form.save(commit=False)
                user.language = translation.get_language() or settings.LANGUAGE_CODE
                user.save()
                borrower = Borrower.objects.create(
                    user=user, display_name=form.cleaned_data["display_name"]
                )
                if carried is not None:  # the debt checked on the front page
                    carried.debt(borrower).save()
        except IntegrityError:  # the same address signed up a moment ago
            created = False
            form.taken_user = User.objects.filter(email__iexact=form.cleaned_data["email"]).first()
    elif form.only_taken:
        form.spend_hashing_time()
    else:
        form.hide_taken()
        return render(request, "registration/signup.html", context)
    owner = user if created else form.taken_user
    if owner is not None and allow_email("signup", owner.email, request):
        queue_account_email("welcome" if created else "taken", owner)
    return HttpResponseRedirect(reverse("signup") + "?sent=1")


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
