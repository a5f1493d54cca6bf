"""The honest guide: public pages in both languages, each naming its sources, and the
links to it (and to disputes) from the debt and timeline pages."""

import pytest
from django.urls import reverse
from django.utils import translation

from repayment_plans.guide.views import SECTIONS
from tests.factories import DebtFactory

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}

# One sentence each page must say, in English.
KEY_TEXT = {
    "report": "kept for 5 years from the day the bad behaviour ended",
    "free-reports": "free of charge twice a year",
    "disputes": "reply to you in writing within 20 days",
    "credit-repair": "Nobody — not an agent, not a bank, not the credit reference center — can "
    "delete an accurate record",
    "limitation": "Signing a repayment agreement — or promising in writing or by message to pay "
    "— restarts the 3 years",
    "complaints": "12378",
}
# The article each page quotes in the original.
QUOTED = {
    "report": "第十六条",
    "free-reports": "每年两次免费获取本人的信用报告",
    "disputes": "自收到异议之日起20日内",
    "credit-repair": None,
    "limitation": "第一百九十五条",
    "complaints": "自受理之日起30日内",
}


def test_every_section_has_its_text_and_quote():
    assert set(KEY_TEXT) == set(SECTIONS) == set(QUOTED)


@pytest.mark.django_db
def test_the_index_lists_every_section_without_login(client):
    response = client.get(reverse("guide"), **EN)
    assert response.status_code == 200
    html = response.content.decode()
    assert "An honest guide to your credit report and your rights" in html
    for slug in SECTIONS:
        assert f'href="{reverse("guide_section", args=[slug])}"' in html


@pytest.mark.django_db
@pytest.mark.parametrize("slug", list(SECTIONS))
def test_each_section_is_public_says_its_point_and_names_sources(client, slug):
    response = client.get(reverse("guide_section", args=[slug]), **EN)
    assert response.status_code == 200
    html = response.content.decode()
    assert KEY_TEXT[slug] in html
    if QUOTED[slug]:
        assert QUOTED[slug] in html
    sources = html.split('id="sources-h"', 1)[1]
    assert "<li>" in sources.split("</section>", 1)[0]


@pytest.mark.django_db
def test_every_page_links_the_guide_in_its_footer(client):
    html = client.get(reverse("login"), **EN).content.decode()
    footer = html.split('<footer class="site-footer">', 1)[1]
    assert f'href="{reverse("guide")}"' in footer


@pytest.mark.django_db
def test_an_unknown_section_is_a_404(client):
    assert client.get("/guide/delete-my-record/").status_code == 404


@pytest.mark.django_db
def test_the_scam_page_never_promises_deletion(client):
    html = client.get(reverse("guide_section", args=["credit-repair"]), **EN).content.decode()
    assert "scam" in html
    assert reverse("guide_section", args=["disputes"]) in html


@pytest.mark.django_db
def test_the_limitation_page_cites_the_civil_code_articles(client):
    html = client.get(reverse("guide_section", args=["limitation"]), **EN).content.decode()
    for article in ("第一百八十八条", "第一百八十九条", "第一百九十五条"):
        assert article in html
    assert "That is not a reason to refuse to repay" in html


@pytest.mark.django_db
def test_the_complaints_page_links_the_collection_log_when_it_exists(client):
    from django.urls import NoReverseMatch

    html = client.get(reverse("guide_section", args=["complaints"]), **EN).content.decode()
    assert "12363" in html and "12378" in html
    try:
        log = reverse("collection_log")
    except NoReverseMatch:
        return
    assert f'href="{log}"' in html


@pytest.mark.django_db
def test_the_chinese_page_is_served_in_chinese(client):
    en = client.get(reverse("guide_section", args=["report"]), **EN).content.decode()
    zh = client.get(reverse("guide_section", args=["report"]), **ZH).content.decode()
    assert '<html lang="zh-Hans">' in zh and '<html lang="en">' in en
    assert zh != en


def test_the_guide_heading_is_translated():
    """Holds once the zh-Hans catalogue carries the guide's strings."""
    with translation.override("zh-hans"):
        assert str(SECTIONS["credit-repair"]) == "付费“征信修复”是骗局"


# Links into the guide and to disputes --------------------------------------------------


@pytest.mark.django_db
def test_debt_detail_links_to_the_guide_and_to_a_dispute(alice_client, alice):
    debt = DebtFactory(borrower=alice)
    html = alice_client.get(reverse("debt_detail", args=[debt.pk]), **EN).content.decode()
    assert f'href="{reverse("guide_section", args=["report"])}#how-long"' in html
    assert f'href="{reverse("dispute_create")}?debt={debt.pk}"' in html
    assert f'href="{reverse("guide")}"' in html


@pytest.mark.django_db
def test_timeline_links_to_the_guide_and_to_disputes(alice_client, alice):
    DebtFactory(borrower=alice)
    html = alice_client.get(reverse("timeline"), **EN).content.decode()
    assert f'href="{reverse("guide_section", args=["report"])}#how-long"' in html
    assert f'href="{reverse("dispute_list")}"' in html
