"""An honest guide to the credit report and the borrower's rights: public pages."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from repayment_plans.disputes import rules as disputes

# slug → title; the order is the reading order of the guide.
SECTIONS = {
    "report": _("What the credit report shows, and for how long"),
    "free-reports": _("Two free credit reports a year"),
    "disputes": _("A wrong record: the free dispute"),
    "credit-repair": _("Paid “credit repair” is a scam"),
    "limitation": _("Agreeing to repay and the limitation period"),
    "complaints": _("Where to complain"),
}

LAW = {
    "law_name": disputes.LAW_NAME,
    "article_15": disputes.ARTICLE_15,
    "article_16": disputes.ARTICLE_16,
    "article_17": disputes.ARTICLE_17,
    "article_25": disputes.ARTICLE_25,
    "article_26": disputes.ARTICLE_26,
    "civil_code_name": disputes.CIVIL_CODE_NAME,
    "civil_code_188": disputes.CIVIL_CODE_188,
    "civil_code_189": disputes.CIVIL_CODE_189,
    "civil_code_195": disputes.CIVIL_CODE_195,
    "credit_center_name": disputes.CREDIT_CENTER_NAME,
}


def _sections():
    return [{"slug": slug, "title": title} for slug, title in SECTIONS.items()]


@require_GET
def guide(request: HttpRequest) -> HttpResponse:
    return render(request, "repayment_plans/guide/index.html", {"sections": _sections()})


@require_GET
def guide_section(request: HttpRequest, section: str) -> HttpResponse:
    if section not in SECTIONS:
        raise Http404
    slugs = list(SECTIONS)
    position = slugs.index(section)
    context = {
        **LAW,
        "sections": _sections(),
        "section": section,
        "title": SECTIONS[section],
        "previous": _sections()[position - 1] if position > 0 else None,
        "next": _sections()[position + 1] if position + 1 < len(slugs) else None,
    }
    template = f"repayment_plans/guide/{section.replace('-', '_')}.html"
    return render(request, template, context)
