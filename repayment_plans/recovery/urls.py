"""The recovery timeline."""

from django.urls import path

from repayment_plans.recovery import views as timeline_views

urlpatterns = [
    path("timeline/", timeline_views.timeline, name="timeline"),
]
