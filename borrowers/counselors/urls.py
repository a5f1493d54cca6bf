"""The caseload, invites, and the borrower's control of access."""

from django.urls import path

from borrowers.counselors import views as counselor_views

urlpatterns = [
    path("counselor/", counselor_views.caseload_page, name="caseload"),
    path("counselor/invites/", counselor_views.invite_create, name="invite_create"),
    path("access/", counselor_views.access, name="access"),
    path("access/<int:pk>/revoke/", counselor_views.access_revoke, name="access_revoke"),
    path("access/<int:pk>/edit/", counselor_views.access_edit, name="access_edit"),
    path("access/transfers/<int:pk>/", counselor_views.transfer_answer, name="transfer_answer"),
    path("counselor/join/<str:token>/", counselor_views.counselor_join, name="counselor_join"),
    path(
        "counselor/borrowers/<int:pk>/next-action/",
        counselor_views.next_action,
        name="counselor_next_action",
    ),
    path(
        "counselor/borrowers/<int:pk>/debts/<int:debt_pk>/edit/",
        counselor_views.debt_edit,
        name="counselor_debt_edit",
    ),
]
