"""The guide: rights, the credit report, scams."""

from django.urls import path

from repayment_plans.guide import views as guide_views

urlpatterns = [
    path("guide/", guide_views.guide, name="guide"),
    path("guide/<slug:section>/", guide_views.guide_section, name="guide_section"),
]
