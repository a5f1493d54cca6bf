from django.conf import settings
from django.urls import path

from borrowers.accounts import views as account_views
from borrowers.collection import views as collection_views
from borrowers.counselors import views as counselor_views
from borrowers.debts import views as debt_views

urlpatterns = [
    path("", account_views.home, name="home"),
    path("signup/", account_views.signup, name="signup"),
    path("dashboard/", debt_views.dashboard, name="dashboard"),
    path("budget/", debt_views.budget, name="budget"),
    path("debts/new/", debt_views.debt_create, name="debt_create"),
    path("debts/preview/", debt_views.debt_preview, name="debt_preview"),
    path("debts/<int:pk>/", debt_views.debt_detail, name="debt_detail"),
    path("debts/<int:pk>/edit/", debt_views.debt_edit, name="debt_edit"),
    path("debts/<int:pk>/delete/", debt_views.debt_delete, name="debt_delete"),
    path("counselor/", counselor_views.caseload, name="caseload"),
    path("counselor/invites/", counselor_views.invite_create, name="invite_create"),
    path("access/", counselor_views.access, name="access"),
    path("access/<int:pk>/revoke/", counselor_views.access_revoke, name="access_revoke"),
    path("access/<int:pk>/edit/", counselor_views.access_edit, name="access_edit"),
    path(
        "counselor/borrowers/<int:pk>/debts/<int:debt_pk>/edit/",
        counselor_views.debt_edit,
        name="counselor_debt_edit",
    ),
    path("collection/", collection_views.collection_log, name="collection_log"),
    path("collection/new/", collection_views.contact_create, name="collection_contact_create"),
    path(
        "collection/<int:pk>/edit/",
        collection_views.contact_edit,
        name="collection_contact_edit",
    ),
    path(
        "collection/<int:pk>/delete/",
        collection_views.contact_delete,
        name="collection_contact_delete",
    ),
    path("collection/complaint/", collection_views.complaint, name="collection_complaint"),
    path(
        "collection/complaint.pdf",
        collection_views.complaint_pdf,
        name="collection_complaint_pdf",
    ),
    path(
        "collection/complaint.txt",
        collection_views.complaint_text,
        name="collection_complaint_txt",
    ),
    path(
        "counselor/borrowers/<int:pk>/collection/",
        collection_views.counselor_collection_log,
        name="counselor_collection_log",
    ),
    path("language/", account_views.set_language, name="set_language"),
]

if settings.DEBUG:
    urlpatterns.append(path("dev/mail/", account_views.sent_mail, name="sent_mail"))
