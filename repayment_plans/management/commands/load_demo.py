"""Create (or refresh) the demo accounts: a borrower with a budget and three
debts in three tiers, a collection log with breaches and a pending dispute,
a demo agency with two counselors (the first its admin) and a caseload of 40
more borrowers in every tier and proposal state, and a staff user.

Dates are relative to today (Asia/Shanghai), so the tiers stay the same
whenever the demo is loaded. Safe to run twice.
"""

from datetime import datetime, time, timedelta
from decimal import Decimal

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from borrowers.models import (
    AccessGrant,
    Agency,
    Borrower,
    CaseNote,
    CollectionContact,
    Counselor,
    Debt,
    HardshipReason,
    ProductProfile,
    Transfer,
    User,
)
from repayment_plans.legal import services as legal_services
from repayment_plans.management import demo_caseload
from repayment_plans.models import Dispute, LegalMatter, LegalStage, LenderAnswer, Proposal
from repayment_plans.proposals import services as proposal_services
from repayment_plans.reminders.engine import sweep

DEMO_PASSWORD = "demo-password-2026"
BORROWER_EMAIL = "borrower@demo.local"
COUNSELOR_EMAIL = "counselor@demo.local"
SECOND_COUNSELOR_EMAIL = "counselor2@demo.local"
STAFF_EMAIL = "staff@demo.local"

DEMO_DEBTS = [
    # profile key, nickname, principal, interest, annual %, days since first missed
    ("weilidai", "微粒贷", Decimal("18000.00"), Decimal("1200.00"), Decimal("18.25"), 75),
    ("huabei", "花呗", Decimal("6500.00"), Decimal("0.00"), Decimal("0"), 45),
    ("jiebei", "借呗", Decimal("9800.00"), Decimal("310.00"), Decimal("12.775"), 12),
]


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Show what would be created.")

    def handle(self, *args, dry_run=False, **options):
        if dry_run:
            self.stdout.write(
                f"Would create {BORROWER_EMAIL}, {COUNSELOR_EMAIL}, {SECOND_COUNSELOR_EMAIL}, "
                f"{demo_caseload.SIZE} caseload borrowers, {STAFF_EMAIL}"
            )
            return
        today = timezone.localdate()
        with transaction.atomic():
            borrower_user = self._user(BORROWER_EMAIL)
            borrower, _ = Borrower.objects.update_or_create(
                user=borrower_user,
                defaults={
                    "display_name": "李明",
                    "phone": "13800138000",
                    "monthly_net_income": Decimal("7800"),
                    "rent": Decimal("2200"),
                    "food": Decimal("1500"),
                    "transport": Decimal("300"),
                    "medical": Decimal("100"),
                    "dependants": Decimal("800"),
                    "other_expenses": Decimal("200"),
                    "hardship_reason": HardshipReason.INCOME_CUT,
                    "hardship_detail": "工作调动后收入减少约三分之一。",
                    "budget_updated_at": timezone.now(),
                },
            )
            borrower.proposals.all().delete()
            borrower.debts.all().delete()
            for key, nickname, principal, interest, rate, days in DEMO_DEBTS:
                profile = ProductProfile.objects.get(key=key)
                Debt.objects.create(
                    borrower=borrower,
                    profile=profile,
                    lender_name=profile.default_lender,
                    nickname=nickname,
                    principal=principal,
                    interest=interest,
                    annual_rate_percent=rate,
                    first_missed_date=today - timedelta(days=days),
                )
            self._agreed_plan(borrower, today)
            self._rights(borrower, today)
            self._legal_matter(borrower, today)
            agency, _ = Agency.objects.get_or_create(
                code="demo-agency", defaults={"name": "示范信用咨询中心"}
            )
            counselor, _ = Counselor.objects.update_or_create(
                user=self._user(COUNSELOR_EMAIL),
                defaults={
                    "agency": agency,
                    "display_name": "王老师",
                    "is_agency_admin": True,
                    "deactivated_at": None,
                },
            )
            second, _ = Counselor.objects.update_or_create(
                user=self._user(SECOND_COUNSELOR_EMAIL),
                defaults={
                    "agency": agency,
                    "display_name": "陈老师",
                    "is_agency_admin": False,
                    "deactivated_at": None,
                },
            )
            self._counselor_case(borrower, counselor, today)
            Transfer.objects.filter(borrower=borrower).delete()
            cases = demo_caseload.load([counselor, second], today, DEMO_PASSWORD)
            self._user(STAFF_EMAIL, staff=True)
        # Today's reminders (the first installment is due in 3 days): recorded now and
        # sent by the worker that `make run` starts, like the 09:00 sweep would.
        with transaction.atomic():
            reminders = sweep(today)
        self.stdout.write(f"Reminders for {today}: {reminders.total}")
        self.stdout.write(self.style.SUCCESS("Demo data loaded. Logins (one password for all):"))
        self.stdout.write(f"  borrower   {BORROWER_EMAIL}")
        self.stdout.write(f"  counselor  {COUNSELOR_EMAIL}  (agency admin)")
        self.stdout.write(f"  counselor  {SECOND_COUNSELOR_EMAIL}")
        self.stdout.write(f"  caseload   {len(cases)} borrowers, {demo_caseload.EMAIL.format(1)} …")
        self.stdout.write(f"  staff      {STAFF_EMAIL}  (Django admin at /admin/)")
        self.stdout.write(f"  password   {DEMO_PASSWORD}")

    def _agreed_plan(self, borrower, today):
        """The 微众 lender accepted a 36-month plan whose first installment is due in 3 days."""
        debt = borrower.debts.get(profile__key="weilidai")
        proposal = Proposal.objects.create(
            borrower=borrower,
            lender_name=debt.lender_name,
            months=36,
            first_due_date=today + timedelta(days=3),
            lender_email="xieshang@webank.example",
        )
        proposal.debts.set([debt])
        version = proposal_services.finalise(proposal, today, "zh-hans")
        proposal_services.record_answer(
            version.proposal,
            LenderAnswer(kind=LenderAnswer.Kind.ACCEPTED, answered_on=today, note="电话确认"),
        )

    def _rights(self, borrower, today):
        """Collection contacts (one last night, a call to her sister, a fourth
        connected call in a day) and a dispute filed five days ago."""
        borrower.collection_contacts.all().delete()
        weilidai = borrower.debts.get(profile__key="weilidai")
        huabei = borrower.debts.get(profile__key="huabei")

        def at(days_ago, hour, minute):
            moment = datetime.combine(today - timedelta(days=days_ago), time(hour, minute))
            return timezone.make_aware(moment)

        contacts = [
            (
                at(1, 23, 10),
                CollectionContact.Channel.CALL,
                True,
                weilidai,
                "催收专员 0755-1234",
                "",
            ),
            (
                at(3, 15, 0),
                CollectionContact.Channel.THIRD_PARTY,
                False,
                weilidai,
                "催收专员",
                "打电话给我姐姐，说我欠钱不还。",
            ),
            *(
                (at(5, hour, 0), CollectionContact.Channel.CALL, True, huabei, "花呗委托催收", "")
                for hour in (9, 11, 14, 17)
            ),
        ]
        for occurred_at, channel, connected, debt, who, notes in contacts:
            CollectionContact.objects.create(
                borrower=borrower,
                occurred_at=occurred_at,
                channel=channel,
                connected=connected,
                debt=debt,
                who=who,
                notes=notes,
            )
        Dispute.objects.create(
            borrower=borrower,
            debt=huabei,
            addressee=Dispute.Addressee.CREDIT_CENTER,
            problem=Dispute.Problem.PAID_ON_TIME,
            entry_month=(today.replace(day=1) - timedelta(days=150)).replace(day=1),
            shown="1",
            should_be="N",
            reason="当月账单已于到期日前全额还款，有支付宝还款记录。",
            evidence="支付宝还款记录截图",
            filed_on=today - timedelta(days=5),
        )

    def _legal_matter(self, borrower, today):
        """The 微众 debt went to pre-suit mediation; then a payment order came 3 days ago."""
        debt = borrower.debts.get(profile__key="weilidai")
        court = "上海市浦东新区人民法院"
        matter = legal_services.start_matter(
            LegalMatter(borrower=borrower, debt=debt),
            LegalStage(
                kind=LegalStage.Kind.MEDIATION,
                court=court,
                received_on=today - timedelta(days=20),
                notes="法院调解员来电，询问还款意向。",
            ),
        )
        legal_services.save_stage(
            LegalStage(
                matter=matter,
                kind=LegalStage.Kind.PAYMENT_ORDER,
                court=court,
                case_number="（2026）沪0115民督1234号",
                received_on=today - timedelta(days=3),
            )
        )

    def _counselor_case(self, borrower, counselor, today):
        """The borrower granted the demo counselor access and asked for a review."""
        borrower.grants.all().delete()
        borrower.case_notes.all().delete()
        AccessGrant.objects.create(borrower=borrower, counselor=counselor)
        CaseNote.objects.create(
            borrower=borrower,
            author=counselor,
            kind=CaseNote.Kind.CALL,
            text="首次通话：收入下降约三分之一，愿意分期还款。",
            next_action_on=today + timedelta(days=2),
        )
        debts = list(borrower.debts.filter(profile__key__in=["huabei", "jiebei"]))
        proposal = Proposal.objects.create(
            borrower=borrower,
            lender_name=debts[0].lender_name,
            # 14 months fit what the agreed plan leaves of the capacity (1,890 - 533.34).
            months=14,
            first_due_date=today + timedelta(days=10),
        )
        proposal.debts.set(debts)
        proposal_services.change_status(proposal, Proposal.Status.IN_REVIEW, borrower.user)

    def _user(self, email, staff=False):
        user, _ = User.objects.get_or_create(email=email)
        user.is_staff = user.is_superuser = staff
        user.set_password(DEMO_PASSWORD)
        user.save()
        return user
