"""A counselor's page about one borrower, notes, and the review of a proposal."""

from django.urls import path

from repayment_plans.counselors import views as counselor_views

urlpatterns = [
    path("counselor/borrowers/<int:pk>/", counselor_views.borrower_view, name="counselor_borrower"),
    path("counselor/borrowers/<int:pk>/notes/", counselor_views.note_create, name="note_create"),
    path(
        "counselor/borrowers/<int:pk>/proposals/<int:proposal_pk>/review/",
        counselor_views.proposal_review,
        name="proposal_review",
    ),
]
