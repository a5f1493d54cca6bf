"""The complaint drawn from the flagged contacts: the text summary, the PDF (read
back with poppler, fonts checked as for the proposal letter), and the filters."""

import html
import re
import shutil
import subprocess
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from borrowers.collection.complaint import build_complaint, build_log, complaint_html, complaint_pdf
from borrowers.models import CollectionContact
from tests.factories import DebtFactory, profile

SHANGHAI = ZoneInfo("Asia/Shanghai")
TODAY = date(2026, 3, 7)
SOURCE_PART = "GB/T 45251-2025"
CBA_PART = "金融机构个人消费类贷款催收工作指引"

needs_poppler = pytest.mark.skipif(
    shutil.which("pdftotext") is None or shutil.which("pdffonts") is None,
    reason="poppler-utils is not installed",
)


def local(month, day, hour, minute=0):
    return datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)


def record(borrower, at, **kwargs):
    values = {"channel": "call", "connected": True, "who": "催收员王某 0755-12345678"}
    values.update(kwargs)
    return CollectionContact.objects.create(borrower=borrower, occurred_at=at, **values)


@pytest.fixture
def story(alice):
    """Alice's record: four connected calls from 招商银行 on 2 March, a night call and a
    call to her mother on 5 March from an agency about her 花呗, one harmless call."""
    alice.display_name = "李小梅"
    alice.phone = "13800138000"
    alice.save()
    bank = DebtFactory(
        borrower=alice, profile=profile("credit_card"), lender_name="招商银行", nickname="招行卡"
    )
    huabei = DebtFactory(borrower=alice, nickname="花呗")
    calls = [record(alice, local(3, 2, hour), debt=bank) for hour in (9, 10, 11, 12)]
    night = record(alice, local(3, 5, 23, 10), debt=huabei, who="某催收公司 400-000-0000")
    mother = record(
        alice,
        local(3, 5, 14, 0),
        debt=huabei,
        channel="third_party",
        connected=False,
        who="某催收公司 400-000-0000",
        notes="打电话给我母亲，说要去我单位。",
        threats=True,
    )
    harmless = record(alice, local(3, 6, 10, 0), debt=bank, who="HARMLESS-CALLER")
    return {"bank": bank, "calls": calls, "night": night, "mother": mother, "harmless": harmless}


def text_of(client, **query):
    response = client.get(reverse("collection_complaint"), query)
    assert response.status_code == 200
    html = response.content.decode()
    match = re.search(
        r'<textarea id="complaint-text"[^>]*readonly[^>]*>(.*?)</textarea>', html, re.S
    )
    assert match, "no read-only textarea"
    return match[1]


def test_the_text_names_who_against_whom_what_when_and_which_rule(alice_client, alice, story):
    text = text_of(alice_client)
    for expected in (
        "李小梅",
        "alice@example.com",
        "13800138000",
        "招商银行",
        "重庆蚂蚁消费金融",
        "某催收公司 400-000-0000",
        "2026-03-02 12:00",  # the fourth call of the day
        "2026-03-05 23:10",
        "2026-03-05 14:00",
        "夜间催收",
        "单日接通催收电话过多",
        "向第三人催收",
        "威胁或辱骂",
        SOURCE_PART,
        CBA_PART,
        "打电话给我母亲，说要去我单位。",
        "12378",
        "12363",
    ):
        assert expected in text, expected
    # Only the flagged contacts are in it: not the first three calls, nor the harmless one.
    assert "HARMLESS-CALLER" not in text
    for hour in ("09:00", "10:00", "11:00"):
        assert f"2026-03-02 {hour}" not in text


def test_the_document_is_chinese_whatever_the_interface_language(alice_client, story):
    alice_client.cookies["django_language"] = "en"
    page = alice_client.get(reverse("collection_complaint")).content.decode()
    assert "Download the PDF" in page  # the page around it is English
    text = text_of(alice_client)
    assert "夜间催收" in text and "Night-time collection" not in text
    assert "同一催收方每日与同一债务人接通的催收电话不应超过 3 次" in text


def test_the_text_says_appears_never_guilty(alice, story):
    from borrowers.collection.complaint import complaint_text

    complaint = build_complaint(alice, build_log(alice.collection_contacts.all()), TODAY)
    text = complaint_text(complaint).lower()
    assert "guilty" not in text and "illegal" not in text and "违法" not in text


def test_the_text_downloads_as_a_file(alice_client, story):
    response = alice_client.get(reverse("collection_complaint_txt"))
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert re.fullmatch(
        r'attachment; filename="complaint-\d{8}\.txt"', response["Content-Disposition"]
    )
    body = response.content.decode()
    assert body == html.unescape(text_of(alice_client))
    assert "招商银行" in body


def test_filter_by_lender_keeps_only_its_contacts(alice_client, story):
    page = alice_client.get(reverse("collection_complaint")).content.decode()
    assert '<option value="招商银行">招商银行</option>' in page
    text = text_of(alice_client, party="招商银行")
    assert "2026-03-02 12:00" in text
    assert "2026-03-05" not in text and "重庆蚂蚁消费金融" not in text
    assert "单日接通催收电话过多" in text and "夜间催收" not in text


def test_filter_by_period_keeps_only_its_days(alice_client, story):
    text = text_of(alice_client, date_from="2026-03-05", date_to="2026-03-05")
    assert "2026-03-05 23:10" in text and "2026-03-05 14:00" in text
    assert "2026-03-02" not in text
    assert "2026-03-05 — 2026-03-05" in text


def test_a_period_that_ends_before_it_starts_is_refused(alice_client, story):
    alice_client.cookies["django_language"] = "en"
    response = alice_client.get(
        reverse("collection_complaint"), {"date_from": "2026-03-05", "date_to": "2026-03-01"}
    )
    html = response.content.decode()
    start = html.index('id="field-date_to"')
    assert "The end of the period cannot be before its start." in html[start : start + 1000]
    assert "<textarea" not in html
    pdf = alice_client.get(
        reverse("collection_complaint_pdf"), {"date_from": "2026-03-05", "date_to": "2026-03-01"}
    )
    assert pdf.status_code == 302
    assert pdf["Location"].startswith(reverse("collection_complaint"))


def test_an_unknown_lender_in_the_query_is_refused_not_a_500(alice_client, story):
    response = alice_client.get(reverse("collection_complaint"), {"party": "<script>"})
    assert response.status_code == 200
    assert "<textarea" not in response.content.decode()


def test_nothing_flagged_means_no_complaint(alice_client, alice):
    record(alice, local(3, 6, 10, 0), who="Polite caller")
    page = alice_client.get(reverse("collection_complaint")).content.decode()
    assert "<textarea" not in page
    for name in ("collection_complaint_pdf", "collection_complaint_txt"):
        response = alice_client.get(reverse(name))
        assert response.status_code == 302
        assert response["Location"] == reverse("collection_complaint")


# The PDF ------------------------------------------------------------------------------


@pytest.fixture
def pdf_path(alice_client, story, tmp_path):
    response = alice_client.get(reverse("collection_complaint_pdf"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert re.fullmatch(
        r'attachment; filename="complaint-\d{8}\.pdf"', response["Content-Disposition"]
    )
    path = tmp_path / "complaint.pdf"
    path.write_bytes(response.content)
    return path


def _pdftotext(path) -> str:
    return subprocess.run(
        ["pdftotext", "-raw", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True
    ).stdout.decode()


@needs_poppler
def test_the_pdf_reads_back_with_lender_dates_rules_sources_and_name(pdf_path):
    text = _pdftotext(pdf_path)
    flat = re.sub(r"\s+", "", text)
    for expected in (
        "李小梅",
        "alice@example.com",
        "招商银行",
        "重庆蚂蚁消费金融",
        "2026-03-02",
        "2026-03-05",
        "23:10",
        "夜间催收",
        "单日接通催收电话过多",
        "向第三人催收",
        "威胁或辱骂",
        "GB/T45251-2025",
        CBA_PART,
        "打电话给我母亲",
    ):
        assert expected in flat, expected
    assert "HARMLESS-CALLER" not in flat
    assert re.search(r"第\s*1\s*页\s*/\s*共\s*\d+\s*页", text)


@needs_poppler
def test_the_pdf_embeds_only_the_committed_font_subset(pdf_path):
    fonts = subprocess.run(
        ["pdffonts", str(pdf_path)], capture_output=True, check=True, text=True
    ).stdout
    rows = fonts.splitlines()[2:]
    assert rows, fonts
    for row in rows:
        name = row.split()[0]
        assert re.fullmatch(r"[A-Z]{6}\+Noto-Sans-SC-Subset(-Bold)?", name), row
        assert row.split()[-5:-2] == ["yes", "yes", "yes"], row  # embedded, subset, unicode


def test_the_pdf_renders_without_notdef_glyphs(alice, story):
    log = build_log(alice.collection_contacts.all())
    pdf, unprintable = complaint_pdf(build_complaint(alice, log, TODAY))
    assert pdf.startswith(b"%PDF")
    assert b".notdef" not in pdf
    assert unprintable == []


def test_the_pdf_template_uses_the_subset_family_and_page_numbers(alice, story):
    log = build_log(alice.collection_contacts.all())
    html = complaint_html(build_complaint(alice, log, TODAY))
    assert '"Noto Sans SC Subset"' in html
    assert '"第 " counter(page) " 页 / 共 " counter(pages) " 页"' in html
    assert 'lang="zh-Hans"' in html


def test_a_name_the_font_cannot_draw_is_a_marker_and_a_message_not_a_500(
    alice_client, alice, story
):
    story["bank"].lender_name = "招商银行𠀀"  # U+20000: in no font
    story["bank"].save()
    log = build_log(alice.collection_contacts.all())
    pdf, unprintable = complaint_pdf(build_complaint(alice, log, TODAY))
    assert pdf.startswith(b"%PDF") and unprintable == ["𠀀"]
    alice_client.cookies["django_language"] = "en"
    response = alice_client.get(reverse("collection_complaint_pdf"))
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")
    page = alice_client.get(reverse("collection_complaint")).content.decode()
    assert "were replaced with □: 𠀀" in page


def test_the_complaint_uses_timezone_local_dates(alice, story):
    log = build_log(alice.collection_contacts.all())
    complaint = build_complaint(alice, log, timezone.localdate())
    assert str(complaint.first_day) == "2026-03-02"
    assert str(complaint.last_day) == "2026-03-05"
    night = [e for e in complaint.entries if e.contact.pk == story["night"].pk][0]
    assert [b.rule.code for b in night.breaches] == ["night-time"]
