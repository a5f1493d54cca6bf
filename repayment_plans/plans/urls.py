"""An agreed plan: its page, payments and changes."""

from django.urls import path

from repayment_plans.plans import views as plan_views

urlpatterns = [
    path("plans/<int:pk>/", plan_views.plan_detail, name="plan_detail"),
    path("plans/<int:pk>/payments/", plan_views.payment_create, name="payment_create"),
    path("plans/<int:pk>/change/", plan_views.plan_change, name="plan_change"),
]
