from django.urls import path

from repayment_plans.counselors import views as counselor_views
from repayment_plans.disputes import views as dispute_views
from repayment_plans.guide import views as guide_views
from repayment_plans.plans import views as plan_views
from repayment_plans.proposals import views as proposal_views
from repayment_plans.recovery import views as timeline_views
from repayment_plans.reminders import views as notification_views
from repayment_plans.strategies import views as strategy_views

urlpatterns = [
    # A counselor's page about one borrower, and the review of a proposal.
    path("counselor/borrowers/<int:pk>/", counselor_views.borrower_view, name="counselor_borrower"),
    path("counselor/borrowers/<int:pk>/notes/", counselor_views.note_create, name="note_create"),
    path(
        "counselor/borrowers/<int:pk>/proposals/<int:proposal_pk>/review/",
        counselor_views.proposal_review,
        name="proposal_review",
    ),
    path("plan/", strategy_views.plan_overview, name="plan_overview"),
    path("timeline/", timeline_views.timeline, name="timeline"),
    path("notifications/", notification_views.notifications, name="notifications"),
    path(
        "notifications/settings/",
        notification_views.preferences,
        name="notification_preferences",
    ),
    path("unsubscribe/<str:token>/", notification_views.unsubscribe, name="unsubscribe"),
    path("plan/adopt/", strategy_views.adopt_strategy, name="adopt_strategy"),
    path("proposals/<int:pk>/", proposal_views.proposal_detail, name="proposal_detail"),
    path("proposals/<int:pk>/preview/", proposal_views.proposal_preview, name="proposal_preview"),
    path("proposals/<int:pk>/letter/", proposal_views.letter_preview, name="letter_preview"),
    path(
        "proposals/<int:pk>/finalise/", proposal_views.proposal_finalise, name="proposal_finalise"
    ),
    path(
        "proposals/<int:pk>/versions/<int:number>.pdf",
        proposal_views.version_download,
        name="version_download",
    ),
    path("proposals/<int:pk>/send/", proposal_views.proposal_send, name="proposal_send"),
    path("proposals/<int:pk>/answer/", proposal_views.proposal_answer, name="proposal_answer"),
    path("proposals/<int:pk>/review/", proposal_views.request_review, name="request_review"),
    path("deliveries/<int:pk>/resend/", proposal_views.delivery_resend, name="delivery_resend"),
    path("plans/<int:pk>/", plan_views.plan_detail, name="plan_detail"),
    path("plans/<int:pk>/payments/", plan_views.payment_create, name="payment_create"),
    path("plans/<int:pk>/change/", plan_views.plan_change, name="plan_change"),
    path("disputes/", dispute_views.dispute_list, name="dispute_list"),
    path("disputes/new/", dispute_views.dispute_create, name="dispute_create"),
    path("disputes/<int:pk>/", dispute_views.dispute_detail, name="dispute_detail"),
    path("disputes/<int:pk>/edit/", dispute_views.dispute_edit, name="dispute_edit"),
    path("disputes/<int:pk>/application.pdf", dispute_views.dispute_pdf, name="dispute_pdf"),
    path(
        "counselor/borrowers/<int:pk>/disputes/<int:dispute_pk>/",
        dispute_views.counselor_dispute,
        name="counselor_dispute",
    ),
    path(
        "counselor/borrowers/<int:pk>/disputes/<int:dispute_pk>/application.pdf",
        dispute_views.counselor_dispute_pdf,
        name="counselor_dispute_pdf",
    ),
    path("guide/", guide_views.guide, name="guide"),
    path("guide/<slug:section>/", guide_views.guide_section, name="guide_section"),
]
