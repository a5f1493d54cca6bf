"""Disputes of credit-report entries, and their application PDFs."""

from django.urls import path

from repayment_plans.disputes import views as dispute_views

urlpatterns = [
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
]
