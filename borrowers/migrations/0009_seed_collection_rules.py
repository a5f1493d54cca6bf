"""Seed the rules of collection conduct of docs/domain.md §6, with their sources.

Data, not code: staff edit the figures (parameters), the wording and the
citation in the admin; borrowers/collection.py reads them from here.
"""

from datetime import date

from django.db import migrations

SOURCE = (
    "GB/T 45251-2025《互联网金融 个人网络消费信贷 贷后催收风控指引》；"
    "中国银行业协会《金融机构个人消费类贷款催收工作指引（试行）》（2026）"
)
# The day GB/T 45251-2025 took effect.
EFFECTIVE_FROM = date(2025, 2, 28)

RULES = [
    {
        "code": "night-time",
        "kind": "quiet_hours",
        "parameters": {"quiet_start": "22:00", "quiet_end": "08:00"},
        "title_zh": "夜间催收",
        "title_en": "Night-time collection",
        "explanation_zh": (
            "未经债务人同意，不得在每日 22:00 至次日 8:00 进行电话催收、外访催收或其他催收。"
        ),
        "explanation_en": (
            "Without the debtor's consent, no collection calls, visits or other collection "
            "between 22:00 and 08:00."
        ),
        "sort_order": 10,
    },
    {
        "code": "connected-calls-per-day",
        "kind": "connected_calls",
        "parameters": {"max_connected_calls_per_day": 3},
        "title_zh": "单日接通催收电话过多",
        "title_en": "Too many connected calls in one day",
        "explanation_zh": "同一催收方每日与同一债务人接通的催收电话不应超过 3 次。",
        "explanation_en": (
            "One collecting party should have at most 3 connected collection calls a day "
            "with one debtor."
        ),
        "sort_order": 20,
    },
    {
        "code": "third-party",
        "kind": "third_party",
        "parameters": {},
        "title_zh": "向第三人催收",
        "title_en": "Collecting through third parties",
        "explanation_zh": (
            "催收应向债务人本人进行，不得向与债务无关的第三人（如家人、同事、通讯录联系人）"
            "催收或透露债务信息；仅在联系不上本人时，才可请第三人转告联系方式。"
        ),
        "explanation_en": (
            "Collection is directed at the debtor, not at unrelated third parties such as "
            "family, colleagues or phone contacts, who must not be told about the debt; only "
            "when the debtor cannot be reached may a third party be asked to pass on a message."
        ),
        "sort_order": 30,
    },
    {
        "code": "threats-insults",
        "kind": "threats",
        "parameters": {},
        "title_zh": "威胁或辱骂",
        "title_en": "Threats or insults",
        "explanation_zh": "催收不得采用恐吓、辱骂、威胁、暴力等不当手段。",
        "explanation_en": "Collection must not use intimidation, insults, threats or violence.",
        "sort_order": 40,
    },
]


def seed(apps, schema_editor):
    CollectionRule = apps.get_model("borrowers", "CollectionRule")
    for values in RULES:
        defaults = {
            **{k: v for k, v in values.items() if k != "code"},
            "source": SOURCE,
            "effective_from": EFFECTIVE_FROM,
            "active": True,
        }
        CollectionRule.objects.update_or_create(code=values["code"], defaults=defaults)


def unseed(apps, schema_editor):
    CollectionRule = apps.get_model("borrowers", "CollectionRule")
    CollectionRule.objects.filter(code__in=[r["code"] for r in RULES]).delete()


class Migration(migrations.Migration):
    dependencies = [("borrowers", "0008_collection_log")]

    operations = [migrations.RunPython(seed, unseed)]
