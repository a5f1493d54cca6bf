"""Small factories: data for each test is built explicitly, never from fixtures files."""

from datetime import date
from decimal import Decimal

import factory
from django.utils import timezone

from borrowers.models import Agency, Borrower, Counselor, Debt, ProductProfile, User

PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class BorrowerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Borrower

    user = factory.SubFactory(UserFactory)
    display_name = factory.Sequence(lambda n: f"Borrower {n}")
    monthly_net_income = Decimal("8000")
    rent = Decimal("2000")
    food = Decimal("1500")
    budget_updated_at = factory.LazyFunction(timezone.now)


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency

    name = factory.Sequence(lambda n: f"Agency {n}")
    code = factory.Sequence(lambda n: f"agency-{n}")


class CounselorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Counselor

    user = factory.SubFactory(UserFactory)
    agency = factory.SubFactory(AgencyFactory)
    display_name = factory.Sequence(lambda n: f"Counselor {n}")


def profile(key: str) -> ProductProfile:
    return ProductProfile.objects.get(key=key)


class DebtFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Debt

    borrower = factory.SubFactory(BorrowerFactory)
    profile = factory.LazyFunction(lambda: profile("huabei"))
    lender_name = factory.LazyAttribute(lambda o: o.profile.default_lender or "Some Bank")
    principal = Decimal("6500.00")
    interest = Decimal("0.00")
    annual_rate_percent = Decimal("18.25")
    first_missed_date = date(2026, 10, 14)
