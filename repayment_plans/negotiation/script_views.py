"""The call script (协商话术) for one lender: a page to keep open during the call."""

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone, translation
from django.views.decorators.http import require_GET

from borrowers.access import AuthenticatedHttpRequest, borrower_required
from repayment_plans.negotiation.script import load_script_input, script_sections

SPOKEN = "zh-hans"  # what is said on the phone; English is for reading only
READING = "en"


@borrower_required
@require_GET
def call_script(request: AuthenticatedHttpRequest, lender: str) -> HttpResponse:
    """The script in Chinese; with ``?lang=en`` (or an English interface, unless
    ``?lang=zh``) the English reading version under each section."""
    borrower = request.user.borrower
    data = load_script_input(borrower, lender, timezone.localdate())  # 404 without debts
    asked = request.GET.get("lang", "")
    english_ui = (translation.get_language() or "").startswith("en")
    show_english = asked == READING or (english_ui and asked != "zh")
    spoken = script_sections(data, SPOKEN)
    reading = script_sections(data, READING) if show_english else [None] * len(spoken)
    first = borrower.debts.filter(lender_name=lender).select_related("profile").first()
    sections = [
        {
            "key": said.key,
            "spoken": said,
            "reading": read,
            # The ask's figures carry their labels in the interface's language.
            "figures": (read if read is not None and english_ui else said).figures,
        }
        for said, read in zip(spoken, reading, strict=True)
    ]
    return render(
        request,
        "repayment_plans/negotiation/script.html",
        {
            "lender": lender,
            "data": data,
            "profile": first.profile if first is not None else None,
            "sections": sections,
            "show_english": show_english,
            "has_budget": borrower.has_budget,
        },
    )
