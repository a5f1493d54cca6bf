"""The app's main pages, in one list, for the accessibility and HTML checks.

Each entry names a URL, who looks at it, and how to build its arguments from
the demo data. A new page is one more line in MAIN_PAGES (and, if it needs an
object the demo does not have, one more attribute on Demo).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from io import StringIO
from typing import Any

from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from repayment_plans.guide.views import SECTIONS as GUIDE_SECTIONS

ANONYMOUS = "anonymous"
BORROWER = "borrower"
COUNSELOR = "counselor"


@dataclass
class Demo:
    """The demo accounts of `manage.py load_demo`, plus a proposal being built."""

    borrower: Any
    counselor: Any
    debt: Any  # the most overdue debt, for its tier explanation
    proposal: Any  # finalised, sent once, still editable: the builder with every section
    in_review: Any  # waiting for the counselor's review
    plan: Any  # agreed with the lender
    dispute: Any  # filed, waiting for the reply
    contact: Any  # a collection contact from the log
    legal_matter: Any  # a payment order received 3 days ago

    def user(self, persona: str):
        return {BORROWER: self.borrower.user, COUNSELOR: self.counselor.user}.get(persona)


@dataclass(frozen=True)
class MainPage:
    url_name: str
    persona: str
    kwargs: Callable[[Demo], dict] = field(default=lambda demo: {})
    query: str = ""
    label: str = ""  # tells two entries with the same URL name apart

    @property
    def id(self) -> str:
        return "-".join(filter(None, [self.persona, self.url_name, self.label]))

    def path(self, demo: Demo) -> str:
        path = reverse(self.url_name, kwargs=self.kwargs(demo))
        query = self.query.format(debt=demo.debt.pk, profile=demo.debt.profile_id)
        return f"{path}?{query}" if query else path


MAIN_PAGES = [
    MainPage("home", ANONYMOUS),
    MainPage(
        "tier_check",
        ANONYMOUS,
        query="check-profile={profile}&check-amount=3%E5%8D%83&check-first_missed=2025-01-01",
    ),
    MainPage(
        "signup",
        ANONYMOUS,
        query="check-profile={profile}&check-amount=3000&check-first_missed=2025-01-01",
        label="carrying-a-debt",
    ),
    MainPage("login", ANONYMOUS),
    MainPage("signup", ANONYMOUS),
    MainPage("password_reset", ANONYMOUS),
    MainPage("dashboard", BORROWER),
    MainPage("budget", BORROWER),
    MainPage("debt_create", BORROWER),
    MainPage("debt_detail", BORROWER, lambda d: {"pk": d.debt.pk}),
    MainPage("plan_overview", BORROWER),
    MainPage("lender_script", BORROWER, lambda d: {"lender": d.debt.lender_name}),
    MainPage("proposal_detail", BORROWER, lambda d: {"pk": d.proposal.pk}),
    MainPage("proposal_detail", BORROWER, lambda d: {"pk": d.in_review.pk}, label="in-review"),
    MainPage("proposal_detail", BORROWER, lambda d: {"pk": d.plan.proposal.pk}, label="accepted"),
    MainPage("letter_preview", BORROWER, lambda d: {"pk": d.proposal.pk}),
    MainPage("plan_detail", BORROWER, lambda d: {"pk": d.plan.pk}),
    MainPage("plan_change", BORROWER, lambda d: {"pk": d.plan.pk}),
    MainPage("timeline", BORROWER),
    MainPage("notifications", BORROWER),
    MainPage("notification_preferences", BORROWER),
    MainPage("calendar_settings", BORROWER),
    MainPage("access", BORROWER),
    MainPage("caseload", COUNSELOR),
    MainPage("counselor_borrower", COUNSELOR, lambda d: {"pk": d.borrower.pk}),
    MainPage(
        "counselor_review",
        COUNSELOR,
        lambda d: {"pk": d.borrower.pk, "proposal_pk": d.in_review.pk},
    ),
    MainPage(
        "counselor_review",
        COUNSELOR,
        lambda d: {"pk": d.borrower.pk, "proposal_pk": d.proposal.pk},
        label="finalised",
    ),
    MainPage("agency", COUNSELOR),
    MainPage("agency_outcomes", COUNSELOR),
    MainPage("notifications", COUNSELOR),
    MainPage("collection_log", BORROWER),
    MainPage("collection_contact_create", BORROWER),
    MainPage("collection_contact_edit", BORROWER, lambda d: {"pk": d.contact.pk}),
    MainPage("collection_complaint", BORROWER),
    MainPage("counselor_collection_log", COUNSELOR, lambda d: {"pk": d.borrower.pk}),
    MainPage("lender_detail", BORROWER, lambda d: {"lender": d.debt.lender_name}),
    MainPage("negotiation_create", BORROWER, lambda d: {"lender": d.debt.lender_name}),
    MainPage(
        "counselor_lender",
        COUNSELOR,
        lambda d: {"pk": d.borrower.pk, "lender": d.debt.lender_name},
    ),
    MainPage("dispute_list", BORROWER),
    MainPage("dispute_create", BORROWER, query="debt={debt}"),
    MainPage("dispute_detail", BORROWER, lambda d: {"pk": d.dispute.pk}),
    MainPage("dispute_edit", BORROWER, lambda d: {"pk": d.dispute.pk}),
    MainPage(
        "counselor_dispute",
        COUNSELOR,
        lambda d: {"pk": d.borrower.pk, "dispute_pk": d.dispute.pk},
    ),
    MainPage("legal_list", BORROWER),
    MainPage("legal_matter_create", BORROWER),
    MainPage("legal_matter_detail", BORROWER, lambda d: {"pk": d.legal_matter.pk}),
    MainPage("legal_stage_create", BORROWER, lambda d: {"pk": d.legal_matter.pk}),
    MainPage(
        "legal_stage_edit",
        BORROWER,
        lambda d: {"pk": d.legal_matter.pk, "stage_pk": d.legal_matter.current_stage_id},
    ),
    MainPage(
        "legal_counselor_matter",
        COUNSELOR,
        lambda d: {"pk": d.borrower.pk, "matter_pk": d.legal_matter.pk},
    ),
    MainPage("my_data", BORROWER),
    MainPage("account_deleted", ANONYMOUS),
    MainPage("guide", ANONYMOUS),
    *(
        MainPage("guide_section", ANONYMOUS, lambda d, slug=slug: {"section": slug}, label=slug)
        for slug in GUIDE_SECTIONS
    ),
]


def load_demo() -> Demo:
    """The demo data, and a second proposal finalised and emailed once."""
    from borrowers.models import Borrower, Counselor
    from repayment_plans.models import EmailDelivery, Plan, Proposal
    from repayment_plans.plans import services as plan_services
    from repayment_plans.proposals import services as proposal_services

    call_command("load_demo", stdout=StringIO())
    borrower = Borrower.objects.get(user__email="borrower@demo.local")
    counselor = Counselor.objects.get(user__email="counselor@demo.local")
    plan = Plan.objects.get(proposal__borrower=borrower)
    in_review = borrower.proposals.get(status=Proposal.Status.IN_REVIEW)
    debt = borrower.debts.get(profile__key="jiebei")
    proposal = Proposal.objects.create(
        borrower=borrower,
        lender_name=debt.lender_name,
        months=10,
        first_due_date=plan_services.next_month_first(timezone.localdate()),
        lender_email="xieshang@lender.example",
    )
    proposal.debts.set([debt])
    version = proposal_services.finalise(proposal, timezone.localdate(), "zh-hans")
    EmailDelivery.objects.create(
        version=version,
        to_email=proposal.lender_email,
        cc_email=borrower.user.email,
        status=EmailDelivery.Status.SENT,
        attempts=1,
        sent_at=timezone.now(),
    )
    return Demo(
        borrower=borrower,
        counselor=counselor,
        debt=borrower.debts.get(profile__key="weilidai"),
        proposal=Proposal.objects.get(pk=proposal.pk),
        in_review=in_review,
        plan=plan,
        dispute=borrower.disputes.get(),
        contact=borrower.collection_contacts.filter(channel="third_party").get(),
        legal_matter=borrower.legal_matters.get(),
    )
