"""The holiday calendar of the court deadlines, 2025–2027 (docs/legal.md).

2025 and 2026: the State Council's notices (国务院办公厅关于2025年部分节假日安排的通知,
published November 2024; 国务院办公厅关于2026年部分节假日安排的通知, published
November 2025): every day off and every weekend day made a working day (调休上班).

2027: provisional. Only the statutory holidays that 全国年节及纪念日放假办法 (as
amended in 2024) fixes are entered, on their 2027 dates: 元旦 1 January; 春节 除夕
to 正月初三 (5–8 February); 清明节 (5 April); 劳动节 1–2 May; 端午节 (9 June);
中秋节 (15 September); 国庆节 1–3 October. The bridge days and adjusted working
days come with the State Council's notice, which staff enter in the admin, then
untick "provisional". Until then the pages say that a 2027 deadline may still move.
"""

from datetime import date, timedelta

from django.db import migrations

NOTICE = "国务院办公厅关于{year}年部分节假日安排的通知"
STATUTE = "全国年节及纪念日放假办法（2024年修订）：法定节假日（{year}年安排通知尚未录入）"


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


HOLIDAYS = {
    2025: [
        ("元旦", _days(date(2025, 1, 1), date(2025, 1, 1))),
        ("春节", _days(date(2025, 1, 28), date(2025, 2, 4))),
        ("清明节", _days(date(2025, 4, 4), date(2025, 4, 6))),
        ("劳动节", _days(date(2025, 5, 1), date(2025, 5, 5))),
        ("端午节", _days(date(2025, 5, 31), date(2025, 6, 2))),
        ("国庆节、中秋节", _days(date(2025, 10, 1), date(2025, 10, 8))),
    ],
    2026: [
        ("元旦", _days(date(2026, 1, 1), date(2026, 1, 3))),
        ("春节", _days(date(2026, 2, 15), date(2026, 2, 23))),
        ("清明节", _days(date(2026, 4, 4), date(2026, 4, 6))),
        ("劳动节", _days(date(2026, 5, 1), date(2026, 5, 5))),
        ("端午节", _days(date(2026, 6, 19), date(2026, 6, 21))),
        ("中秋节", _days(date(2026, 9, 25), date(2026, 9, 27))),
        ("国庆节", _days(date(2026, 10, 1), date(2026, 10, 7))),
    ],
    2027: [
        ("元旦", [date(2027, 1, 1)]),
        ("春节", _days(date(2027, 2, 5), date(2027, 2, 8))),
        ("清明节", [date(2027, 4, 5)]),
        ("劳动节", [date(2027, 5, 1), date(2027, 5, 2)]),
        ("端午节", [date(2027, 6, 9)]),
        ("中秋节", [date(2027, 9, 15)]),
        ("国庆节", _days(date(2027, 10, 1), date(2027, 10, 3))),
    ],
}

WORKDAYS = {
    2025: [
        ("春节", date(2025, 1, 26)),
        ("春节", date(2025, 2, 8)),
        ("劳动节", date(2025, 4, 27)),
        ("国庆节、中秋节", date(2025, 9, 28)),
        ("国庆节、中秋节", date(2025, 10, 11)),
    ],
    2026: [
        ("元旦", date(2026, 1, 4)),
        ("春节", date(2026, 2, 14)),
        ("春节", date(2026, 2, 28)),
        ("劳动节", date(2026, 5, 9)),
        ("国庆节", date(2026, 9, 20)),
        ("国庆节", date(2026, 10, 10)),
    ],
    2027: [],
}

PROVISIONAL = {2027}


def seed(apps, schema_editor):
    HolidayYear = apps.get_model("repayment_plans", "HolidayYear")
    HolidayDate = apps.get_model("repayment_plans", "HolidayDate")
    for year, holidays in HOLIDAYS.items():
        provisional = year in PROVISIONAL
        row, _created = HolidayYear.objects.update_or_create(
            year=year,
            defaults={
                "provisional": provisional,
                "source": (STATUTE if provisional else NOTICE).format(year=year),
            },
        )
        for name, days in holidays:
            for day in days:
                HolidayDate.objects.update_or_create(
                    day=day, defaults={"year": row, "kind": "holiday", "name": name}
                )
        for name, day in WORKDAYS[year]:
            HolidayDate.objects.update_or_create(
                day=day, defaults={"year": row, "kind": "workday", "name": name}
            )


def unseed(apps, schema_editor):
    apps.get_model("repayment_plans", "HolidayYear").objects.filter(year__in=HOLIDAYS).delete()


class Migration(migrations.Migration):
    dependencies = [("repayment_plans", "0011_legal_matters")]

    operations = [migrations.RunPython(seed, unseed)]
