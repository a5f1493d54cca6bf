"""The plan overview and adopting a strategy."""

from django.urls import path

from repayment_plans.strategies import views as strategy_views

urlpatterns = [
    path("plan/", strategy_views.plan_overview, name="plan_overview"),
    path("plan/adopt/", strategy_views.adopt_strategy, name="adopt_strategy"),
]
