"""A counselor's page about one borrower, notes, the review of a proposal, and the
agency's pages (its admin's page, the outcome statistics)."""

from django.urls import path

from repayment_plans.counselors import agency as agency_views
from repayment_plans.counselors import draft as draft_views
from repayment_plans.counselors import outcome_views
from repayment_plans.counselors import views as counselor_views

urlpatterns = [
    path("counselor/borrowers/<int:pk>/", counselor_views.borrower_view, name="counselor_borrower"),
    path("counselor/borrowers/<int:pk>/notes/", counselor_views.note_create, name="note_create"),
    path(
        "counselor/borrowers/<int:pk>/proposals/<int:proposal_pk>/",
        counselor_views.proposal_review_page,
        name="counselor_review",
    ),
    path(
        "counselor/borrowers/<int:pk>/proposals/<int:proposal_pk>/letter/",
        counselor_views.counselor_letter,
        name="counselor_letter",
    ),
    path(
        "counselor/borrowers/<int:pk>/proposals/<int:proposal_pk>/versions/<int:number>.pdf",
        counselor_views.counselor_version_download,
        name="counselor_version_download",
    ),
    path(
        "counselor/borrowers/<int:pk>/proposals/<int:proposal_pk>/draft.pdf",
        draft_views.counselor_draft_pdf,
        name="counselor_draft_pdf",
    ),
    path("counselor/agency/", agency_views.agency_page, name="agency"),
    path("counselor/agency/outcomes/", outcome_views.agency_outcomes, name="agency_outcomes"),
    path("counselor/agency/invites/", agency_views.agency_invite, name="agency_invite"),
    path("counselor/agency/transfers/", agency_views.transfer_create, name="transfer_create"),
    path(
        "counselor/agency/counselors/<int:pk>/deactivate/",
        agency_views.counselor_deactivate,
        name="counselor_deactivate",
    ),
    path(
        "counselor/borrowers/<int:pk>/proposals/<int:proposal_pk>/review/",
        counselor_views.proposal_review,
        name="proposal_review",
    ),
]
