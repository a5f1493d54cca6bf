"""The repayment_plans app's pages, feature by feature."""

from django.urls import include, path

urlpatterns = [
    path("", include("repayment_plans.counselors.urls")),
    path("", include("repayment_plans.strategies.urls")),
    path("", include("repayment_plans.proposals.urls")),
    path("", include("repayment_plans.plans.urls")),
    path("", include("repayment_plans.recovery.urls")),
    path("", include("repayment_plans.reminders.urls")),
    path("", include("repayment_plans.reminders.calendar_urls")),
    path("", include("repayment_plans.negotiation.urls")),
    path("", include("repayment_plans.disputes.urls")),
    path("", include("repayment_plans.legal.urls")),
    path("", include("repayment_plans.guide.urls")),
]
