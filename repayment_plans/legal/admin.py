"""The holiday calendar in the admin: staff enter each year's State Council notice.

Saving a year or a date recomputes the stored deadlines (repayment_plans/legal/signals.py).
"""

from django.contrib import admin

from repayment_plans.legal.models import HolidayDate, HolidayYear


class HolidayDateInline(admin.TabularInline):
    model = HolidayDate
    extra = 0
    fields = ("day", "kind", "name")


@admin.register(HolidayYear)
class HolidayYearAdmin(admin.ModelAdmin):
    list_display = ("year", "provisional", "source")
    list_filter = ("provisional",)
    inlines = [HolidayDateInline]
