from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from borrowers.models import Agency, Borrower, CollectionRule, Counselor, Debt, ProductProfile, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ("email",)
    list_display = ("email", "first_name", "last_name", "is_staff", "language")
    search_fields = ("email", "first_name", "last_name")
    fieldsets = (
        (None, {"fields": ("email", "password", "language")}),
        (_("Personal info"), {"fields": ("first_name", "last_name")}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)


@admin.register(ProductProfile)
class ProductProfileAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "default_lender",
        "grace_days",
        "penalty_rule",
        "penalty_multiplier",
        "penalty_daily_percent",
        "reports_to_credit",
        "hotline",
        "max_term_months",
    )
    list_editable = ("grace_days", "max_term_months", "hotline")


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ("name", "code")
    search_fields = ("name", "code")


@admin.register(Counselor)
class CounselorAdmin(admin.ModelAdmin):
    list_display = ("display_name", "agency", "user")
    list_select_related = ("agency", "user")
    autocomplete_fields = ("agency",)


@admin.register(Borrower)
class BorrowerAdmin(admin.ModelAdmin):
    list_display = ("display_name", "user", "hardship_reason")
    search_fields = ("display_name", "user__email")
    list_select_related = ("user",)


@admin.register(Debt)
class DebtAdmin(admin.ModelAdmin):
    list_display = ("__str__", "borrower", "profile", "principal", "first_missed_date")
    list_select_related = ("borrower", "profile")
    list_filter = ("profile",)


@admin.register(CollectionRule)
class CollectionRuleAdmin(admin.ModelAdmin):
    """The rules of collection conduct: figures, wording and source are data."""

    list_display = ("code", "title_zh", "kind", "parameters", "active", "effective_from")
    list_filter = ("kind", "active")
    fieldsets = (
        (None, {"fields": ("code", "kind", "parameters", "active", "effective_from")}),
        (
            _("Wording"),
            {"fields": ("title_zh", "title_en", "explanation_zh", "explanation_en", "source")},
        ),
        (None, {"fields": ("sort_order",)}),
    )
