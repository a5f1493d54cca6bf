"""Seed the five product profiles with the typical terms of docs/domain.md §2.

These are defaults in data ([practice] / [unsure] in the domain notes): staff
edit them in the admin, and the UI calls them "typical".
"""

from decimal import Decimal

from django.db import migrations

PROFILES = [
    {
        "key": "weilidai",
        "name": "微粒贷类",
        "name_en": "WeLiDai-like",
        "default_lender": "深圳前海微众银行",
        "reports_to_credit": True,
        "reporting_note": "",
        "grace_days": 1,
        "grace_note": "Paying by 24:00 the day after the due date typically counts as on time.",
        "penalty_rule": "contract_multiplier",
        "penalty_multiplier": Decimal("1.5"),
        "hotline": "95384",
        "max_term_months": 36,
        "sort_order": 10,
    },
    {
        "key": "huabei",
        "name": "花呗类",
        "name_en": "Huabei-like",
        "default_lender": "重庆蚂蚁消费金融",
        "reports_to_credit": True,
        "reporting_note": "Reported monthly since 2021.",
        "grace_days": 0,
        "penalty_rule": "daily_rate",
        "penalty_daily_percent": Decimal("0.05"),
        "hotline": "95188",
        "max_term_months": 24,
        "sort_order": 20,
    },
    {
        "key": "jiebei",
        "name": "借呗类",
        "name_en": "Jiebei-like",
        "default_lender": "重庆蚂蚁消费金融",
        "reports_to_credit": True,
        "reporting_note": "Reporting may start from day 1 or day 3 overdue.",
        "grace_days": 0,
        "penalty_rule": "contract_multiplier",
        "penalty_multiplier": Decimal("1.5"),
        "hotline": "95188",
        "max_term_months": 36,
        "sort_order": 30,
    },
    {
        "key": "other_online",
        "name": "其他网络贷款",
        "name_en": "Other online loan",
        "default_lender": "",
        "reports_to_credit": True,
        "grace_days": 0,
        "penalty_rule": "contract_multiplier",
        "penalty_multiplier": Decimal("1.5"),
        "hotline": "",
        "max_term_months": 24,
        "lender_is_user_entered": True,
        "sort_order": 40,
    },
    {
        "key": "credit_card",
        "name": "信用卡",
        "name_en": "Credit card",
        "default_lender": "",
        "reports_to_credit": True,
        "grace_days": 3,
        "grace_note": "Card issuers typically allow at least 3 days.",
        "penalty_rule": "contract_multiplier",
        "penalty_multiplier": Decimal("1"),
        "late_fee_percent": Decimal("5"),
        "hotline": "",
        "max_term_months": 60,
        "is_credit_card": True,
        "lender_is_user_entered": True,
        "sort_order": 50,
    },
]


def seed(apps, schema_editor):
    ProductProfile = apps.get_model("borrowers", "ProductProfile")
    for values in PROFILES:
        key = values["key"]
        defaults = {k: v for k, v in values.items() if k != "key"}
        ProductProfile.objects.update_or_create(key=key, defaults=defaults)


def unseed(apps, schema_editor):
    ProductProfile = apps.get_model("borrowers", "ProductProfile")
    ProductProfile.objects.filter(key__in=[p["key"] for p in PROFILES], debts__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("borrowers", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
