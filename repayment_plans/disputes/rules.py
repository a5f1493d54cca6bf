"""Disputes (异议) about inaccurate credit-report entries: deadlines and stages.

Plain functions of dates; "today" is always passed in.

Deadlines are counted in calendar days. 征信业管理条例 Art.25 says the credit
reference center or the lender must check and answer in writing "自收到异议之日起
20日内" (within 20 days of receiving the dispute), and Art.26 gives a PBOC branch
"自受理之日起30日内" (30 days from accepting a complaint). The regulation speaks
of days, not working days, and under 民法典 Art.201 the day of receipt is not
counted: a dispute received on 2026-11-30 is due by the end of 2026-12-20, i.e.
filed + 20 days. Two things the app cannot know and the pages say instead: if
the last day is a public holiday, 民法典 Art.203 moves it to the day after the
holiday; and a complaint's 30 days run from the branch's acceptance, which may
come some days after the complaint is received, so filed + 30 is the earliest
possible due date.
"""

from __future__ import annotations

import enum
from datetime import date, timedelta

from repayment_plans.recovery.timeline import add_years

REPLY_DAYS = 20  # 征信业管理条例 Art.25: written reply "20日内", calendar days
COMPLAINT_REPLY_DAYS = 30  # 征信业管理条例 Art.26: written reply "30日内" after acceptance
RECORD_YEARS = 5  # 征信业管理条例 Art.16: negative information kept 5 years
REMIND_DAYS_BEFORE = 3

# The official Chinese text of the articles the pages and the application cite,
# quoted verbatim (the law exists only in Chinese; the pages explain it in the
# reader's language beside the quote).
LAW_NAME = "《征信业管理条例》"
ARTICLE_15 = (
    "第十五条 信息提供者向征信机构提供个人不良信息，应当事先告知信息主体本人。"
    "但是，依照法律、行政法规规定公开的不良信息除外。"
)
ARTICLE_16 = (
    "第十六条 征信机构对个人不良信息的保存期限，自不良行为或者事件终止之日起为5年；"
    "超过5年的，应当予以删除。在不良信息保存期限内，信息主体可以对不良信息作出说明，"
    "征信机构应当予以记载。"
)
ARTICLE_17 = (
    "第十七条 信息主体可以向征信机构查询自身信息。个人信息主体有权每年两次免费获取本人的信用报告。"
)
ARTICLE_25 = (
    "第二十五条 信息主体认为征信机构采集、保存、提供的信息存在错误、遗漏的，有权向征信机构"
    "或者信息提供者提出异议，要求更正。征信机构或者信息提供者收到异议，应当按照国务院征信业"
    "监督管理部门的规定对相关信息作出存在异议的标注，自收到异议之日起20日内进行核查和处理，"
    "并将结果书面答复异议人。经核查，确认相关信息确有错误、遗漏的，信息提供者、征信机构应当"
    "予以更正；确认不存在错误、遗漏的，应当取消异议标注；经核查仍不能确认的，对核查情况和异议"
    "内容应当予以记载。"
)
ARTICLE_26 = (
    "第二十六条 信息主体认为征信机构或者信息提供者、信息使用者侵害其合法权益的，可以向所在地"
    "的国务院征信业监督管理部门派出机构投诉。受理投诉的机构应当及时进行核查和处理，自受理之日起"
    "30日内书面答复投诉人。信息主体认为征信机构或者信息提供者、信息使用者侵害其合法权益的，"
    "可以直接向人民法院起诉。"
)
CIVIL_CODE_NAME = "《中华人民共和国民法典》"
CIVIL_CODE_188 = (
    "第一百八十八条 向人民法院请求保护民事权利的诉讼时效期间为三年。法律另有规定的，依照其规定。"
    "诉讼时效期间自权利人知道或者应当知道权利受到损害以及义务人之日起计算。……"
)
CIVIL_CODE_189 = (
    "第一百八十九条 当事人约定同一债务分期履行的，诉讼时效期间自最后一期履行期限届满之日起计算。"
)
CIVIL_CODE_195 = (
    "第一百九十五条 有下列情形之一的，诉讼时效中断，从中断、有关程序终结时起，诉讼时效期间重新"
    "计算：（一）权利人向义务人提出履行请求；（二）义务人同意履行义务；（三）权利人提起诉讼或者"
    "申请仲裁；（四）与提起诉讼或者申请仲裁具有同等效力的其他情形。"
)
CREDIT_CENTER_NAME = "中国人民银行征信中心"


def reply_due(filed_on: date) -> date:
    """Last day (calendar days) for the written reply to a dispute filed on ``filed_on``."""
    return filed_on + timedelta(days=REPLY_DAYS)


def complaint_reply_due(complained_on: date) -> date:
    """Earliest last day for a PBOC branch's written reply to a complaint (calendar days)."""
    return complained_on + timedelta(days=COMPLAINT_REPLY_DAYS)


def record_kept_until(overdue_ended_on: date) -> date:
    """The day a negative record is due to be deleted: 5 years after the overdue ended."""
    return add_years(overdue_ended_on, RECORD_YEARS)


class Stage(enum.StrEnum):
    DRAFT = "draft"  # not submitted yet
    AWAITING_REPLY = "awaiting_reply"
    REPLY_OVERDUE = "reply_overdue"  # due date passed, no reply recorded
    CORRECTED = "corrected"
    UPHELD = "upheld"  # answered: the record is right, nothing corrected
    NO_REPLY = "no_reply"  # the borrower recorded that no reply came
    COMPLAINT_PENDING = "complaint_pending"
    COMPLAINT_OVERDUE = "complaint_overdue"
    COMPLAINT_ANSWERED = "complaint_answered"


def stage(
    *,
    filed_on: date | None,
    reply_on: date | None,
    outcome: str,
    complaint_on: date | None,
    complaint_reply_on: date | None,
    today: date,
) -> Stage:
    """Where a dispute stands on ``today``; the complaint, once made, comes first."""
    if complaint_on is not None:
        if complaint_reply_on is not None:
            return Stage.COMPLAINT_ANSWERED
        if today > complaint_reply_due(complaint_on):
            return Stage.COMPLAINT_OVERDUE
        return Stage.COMPLAINT_PENDING
    if filed_on is None:
        return Stage.DRAFT
    if outcome in (Stage.CORRECTED, Stage.UPHELD, Stage.NO_REPLY):
        return Stage(outcome)
    if today > reply_due(filed_on):
        return Stage.REPLY_OVERDUE
    return Stage.AWAITING_REPLY


def complaint_suggested(current: Stage) -> bool:
    """No reply in time, or a reply the borrower disagrees with: the next step is the
    PBOC branch (征信业管理条例 Art.26)."""
    return current in (Stage.REPLY_OVERDUE, Stage.UPHELD, Stage.NO_REPLY)
