"""The timeline page: scenarios, what-if, the chart, and a constant number of queries."""

import xml.etree.ElementTree as ET
from datetime import timedelta
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from repayment_plans.models import LenderAnswer
from repayment_plans.plans import services as plan_services
from repayment_plans.plans.schedules import add_months
from repayment_plans.proposals import services as proposal_services
from repayment_plans.recovery import charts
from repayment_plans.recovery import inputs as recovery_inputs
from repayment_plans.recovery import timeline as recovery
from tests.repayment_plans.conftest import make_proposal

HTMX = {"HTTP_HX_REQUEST": "true"}


def milestone_dates(html: str, kind: str) -> list[str]:
    dates = []
    for chunk in html.split(f'data-kind="{kind}"')[1:]:
        dates.append(chunk.split('<time datetime="', 1)[1].split('"', 1)[0])
    return dates


def accept(proposal, today):
    version = proposal_services.finalise(proposal, today, "zh-hans")
    return proposal_services.record_answer(
        version.proposal, LenderAnswer(kind="accepted", answered_on=today)
    )


def test_without_a_plan_it_shows_the_best_plan_beside_nothing_paid(alice_client, huabei_debt):
    html = alice_client.get(reverse("timeline")).content.decode()
    assert 'href="/plan/"' in html  # points to building the proposals
    assert html.count('class="grid-block"') == 2  # best plan and nothing paid
    assert milestone_dates(html, "deleted")


def test_with_an_agreed_plan_the_milestones_follow_it(alice_client, huabei_debt, today):
    plan = accept(make_proposal([huabei_debt], months=12), today)
    last = plan.installments.order_by("-number").first().due_date
    html = alice_client.get(reverse("timeline")).content.decode()
    assert milestone_dates(html, "cleared")[0] == last.isoformat()
    # The projection, and beside it the same debt if nothing more is paid.
    assert html.count('class="grid-block"') == 2
    assert 'id="scenario"' not in html  # nothing is pending: no scenario


def test_what_if_a_missed_month_moves_the_milestones(alice_client, huabei_debt, today):
    plan = accept(make_proposal([huabei_debt], months=12), today)
    last = plan.installments.order_by("-number").first().due_date
    response = alice_client.get(reverse("timeline"), {"miss_next": "on"}, **HTMX)
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="timeline-body">')
    assert milestone_dates(html, "cleared")[0] == add_months(last, 1).isoformat()


def test_what_if_bad_extra_amount_is_a_message_not_an_error(alice_client, huabei_debt, today):
    accept(make_proposal([huabei_debt], months=12), today)
    response = alice_client.get(reverse("timeline"), {"extra": "-5"})
    assert response.status_code == 200
    assert 'class="field-errors"' in response.content.decode().split('id="field-extra"')[1]


def test_the_chart_is_well_formed_svg(huabei_debt, alice, today):
    timeline = recovery.recovery_timeline(
        recovery_inputs.timeline_inputs(alice, today).accounts, today
    )
    svg = charts.balance_chart(timeline, "Balance <by> month")
    root = ET.fromstring(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.find("{http://www.w3.org/2000/svg}polyline") is not None
    assert "style=" not in svg  # the page's CSP forbids inline style


def test_queries_do_not_grow_with_months_or_payments(alice_client, alice, huabei_debt, today):
    def count():
        with CaptureQueriesContext(connection) as queries:
            assert alice_client.get(reverse("timeline")).status_code == 200
        return len(queries)

    plan = accept(make_proposal([huabei_debt], months=6), today)
    small = count()
    plan.proposal.delete()
    plan = accept(make_proposal([huabei_debt], months=24), today)
    for k in range(3):
        plan_services.record_payment(plan, Decimal("10"), today - timedelta(days=k))
    assert count() == small


def test_what_the_plan_does_for_the_record_is_shown_to_the_borrower_not_the_lender(
    alice_client, proposal, today, tmp_path
):
    from tests.repayment_plans.test_letter_pdf import pdf_text, stored

    version = proposal_services.finalise(proposal, today, "en")
    text = pdf_text(stored(version), tmp_path)
    assert "Whatthisplan" not in text and "Theoverduerecordisdeleted" not in text
    page = alice_client.get(reverse("proposal_detail", args=[proposal.pk])).content.decode()
    record = page.split('id="record"')[1].split("</section>")[0]
    assert "<svg" in record
    assert record.count("<time ") >= 2  # the milestones, dated


def test_a_new_borrower_is_told_to_add_a_debt_and_shown_no_empty_months(alice_client):
    html = alice_client.get(reverse("timeline")).content.decode()
    assert f'href="{reverse("debt_create")}"' in html
    assert 'id="monthly"' not in html  # no 24 rows of "left ¥0.00"
    assert "<svg" not in html and 'id="milestones"' not in html
    assert reverse("calendar_settings") not in html.split('id="timeline-body"')[1]


def test_with_everything_repaid_no_chart_is_drawn(alice_client, huabei_debt, today):
    huabei_debt.cleared_on = today - timedelta(days=3)
    huabei_debt.save()
    html = alice_client.get(reverse("timeline")).content.decode()
    assert 'id="monthly"' in html  # the months still show the settled code
    assert "<svg" not in html
    assert "没有剩余欠款" in html or "Nothing is left to repay" in html


def test_the_calendar_page_says_when_there_is_nothing_to_put_in_it(
    alice_client, huabei_debt, today
):
    assert 'id="calendar-empty"' in alice_client.get(reverse("calendar_settings")).content.decode()
    accept(make_proposal([huabei_debt], months=12), today)
    assert (
        'id="calendar-empty"' not in alice_client.get(reverse("calendar_settings")).content.decode()
    )
