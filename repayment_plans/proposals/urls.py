"""A proposal: the builder, the letter, finalising, sending, the answer."""

from django.urls import path

from repayment_plans.proposals import views as proposal_views

urlpatterns = [
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
]
