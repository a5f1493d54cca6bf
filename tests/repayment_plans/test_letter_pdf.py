"""The proposal letter as a PDF: readable Chinese, every section, immutable versions."""

import logging
import shutil
import subprocess
from datetime import timedelta
from decimal import Decimal

import pytest

from repayment_plans.models import ProposalVersion
from repayment_plans.proposals import services as proposal_services
from tests.repayment_plans.conftest import make_proposal


def pdf_text(data: bytes, tmp_path) -> str:
    if not shutil.which("pdftotext"):
        pytest.fail("pdftotext (poppler-utils) is needed; make test installs it")
    path = tmp_path / "letter.pdf"
    path.write_bytes(data)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    # Layout extraction puts spaces inside spaced-out headings; compare without them.
    return "".join(text.split())


def stored(version: ProposalVersion) -> bytes:
    with version.pdf.open("rb") as f:
        return f.read()


def test_chinese_letter_has_every_section_amounts_in_figures_and_capitals(
    alice, huabei_debt, today, tmp_path, caplog
):
    alice.display_name = "李堃"
    alice.phone = "13800138000"
    alice.hardship_reason = "unemployment"
    alice.hardship_detail = "公司裁员，正在找工作。"
    alice.save()
    proposal = make_proposal([huabei_debt], months=12, good_faith_amount=Decimal("500"))
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        version = proposal_services.finalise(proposal, today, "zh-hans")
    data = stored(version)
    assert data.startswith(b"%PDF")
    assert not [r for r in caplog.records if ".notdef" in r.getMessage()]
    text = pdf_text(data, tmp_path)
    for expected in (
        "协商还款申请书",
        "李堃",
        "13800138000",
        "重庆蚂蚁消费金融",
        "HB-2026-001",
        "¥6,000.00",
        "陆仟元整",  # principal 6,000 in capitals
        "¥150.00",
        "壹佰伍拾元整",  # penalty and fees
        "¥500.00",
        "伍佰元整",  # good-faith payment
        "公司裁员",
        "申请人",
        "第1页",
    ):
        assert expected in text, expected
    # 12 installments of (6,000 - 500) / 12 = 458.333… rounded up to 458.34, the
    # last absorbing the remainder: 5,500 - 11 × 458.34 = 458.26
    assert "¥458.34" in text and "¥458.26" in text
    assert "12" in text


def test_the_fonts_are_embedded(version, tmp_path):
    if not shutil.which("pdffonts"):
        pytest.fail("pdffonts (poppler-utils) is needed; make test installs it")
    path = tmp_path / "v.pdf"
    path.write_bytes(stored(version))
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True).stdout
    embedded = [line for line in fonts.splitlines() if "Noto-Sans-SC-Subset" in line]
    assert len(embedded) == 2  # regular and bold
    assert all(" yes yes " in line for line in embedded)


def test_english_letter_for_an_english_speaking_borrower(proposal, today, tmp_path):
    version = proposal_services.finalise(proposal, today, "en")
    text = pdf_text(stored(version), tmp_path)
    assert "Applicationforanegotiatedrepaymentplan" in text
    assert "陆仟元整" in text  # capitals stay: the lender is Chinese
    assert "Page1of" in text


def test_credit_card_letter_cites_article_70_and_promises_no_new_card(alice, today, tmp_path):
    from tests.factories import DebtFactory, profile

    card = DebtFactory(borrower=alice, profile=profile("credit_card"), lender_name="招商银行")
    version = proposal_services.finalise(make_proposal([card]), today, "en")
    assert "Article70" in pdf_text(stored(version), tmp_path)


def test_a_finalised_version_never_changes_and_edits_make_the_next(proposal, today):
    first = proposal_services.finalise(proposal, today, "zh-hans")
    first_bytes = stored(first)
    assert first.sha256 and len(first_bytes) > 1000
    proposal.refresh_from_db()
    proposal.months = 6
    proposal.save()
    assert proposal.has_unfinalised_changes
    second = proposal_services.finalise(proposal, today + timedelta(days=1), "zh-hans")
    assert (first.number, second.number) == (1, 2)
    first.refresh_from_db()
    assert stored(first) == first_bytes
    assert first.terms["months"] == 12 and second.terms["months"] == 6
    assert stored(second) != first_bytes


def test_the_letter_prints_the_id_number_the_account_digits_and_the_ticked_documents(
    alice, huabei_debt, today, tmp_path
):
    alice.id_number = "11010519491231002X"
    alice.hardship_reason = "illness"
    alice.save()
    huabei_debt.account_digits = "8021"
    huabei_debt.save()
    proposal = make_proposal([huabei_debt], months=12, evidence=["credit_report", "hospital_bills"])
    text = pdf_text(stored(proposal_services.finalise(proposal, today, "zh-hans")), tmp_path)
    assert "11010519491231002X" in text  # in full, only here
    assert "尾号8021" in text
    assert "本人征信报告" in text and "医院缴费票据和收据" in text
    assert "本人身份证复印件" not in text  # not ticked, not listed


def test_without_a_ticked_document_the_letter_has_no_attachments_section(
    huabei_debt, today, tmp_path
):
    proposal = make_proposal([huabei_debt], months=12, evidence=[])
    text = pdf_text(stored(proposal_services.finalise(proposal, today, "en")), tmp_path)
    assert "Attachments" not in text
