"""When the lender goes to court: legal matters, their stages, documents and PDFs."""

from django.urls import path

from repayment_plans.legal import views

urlpatterns = [
    path("legal/", views.legal_list, name="legal_list"),
    path("legal/new/", views.legal_matter_create, name="legal_matter_create"),
    path("legal/<int:pk>/", views.legal_matter_detail, name="legal_matter_detail"),
    path("legal/<int:pk>/delete/", views.legal_matter_delete, name="legal_matter_delete"),
    path("legal/<int:pk>/stages/new/", views.legal_stage_create, name="legal_stage_create"),
    path(
        "legal/<int:pk>/stages/<int:stage_pk>/edit/",
        views.legal_stage_edit,
        name="legal_stage_edit",
    ),
    path(
        "legal/<int:pk>/stages/<int:stage_pk>/delete/",
        views.legal_stage_delete,
        name="legal_stage_delete",
    ),
    path("legal/<int:pk>/objection.pdf", views.legal_objection_pdf, name="legal_objection_pdf"),
    path("legal/<int:pk>/mediation.pdf", views.legal_mediation_pdf, name="legal_mediation_pdf"),
    path("legal/<int:pk>/delisting.pdf", views.legal_delisting_pdf, name="legal_delisting_pdf"),
    path("legal/documents/<int:pk>/", views.legal_document, name="legal_document"),
    path(
        "legal/documents/<int:pk>/delete/",
        views.legal_document_delete,
        name="legal_document_delete",
    ),
    path(
        "counselor/borrowers/<int:pk>/legal/<int:matter_pk>/",
        views.legal_counselor_matter,
        name="legal_counselor_matter",
    ),
    path(
        "counselor/borrowers/<int:pk>/legal/documents/<int:document_pk>/",
        views.legal_counselor_document,
        name="legal_counselor_document",
    ),
]
