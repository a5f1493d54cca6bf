"""The law the legal-matter pages and documents quote, in the original Chinese.

Article numbers are given only where they were checked: 民法典 Arts.201–203 and
仲裁法 (2017) Art.59. The 2023 text of 民事诉讼法 renumbered its articles, so
its provisions are named by the procedure they belong to (督促程序, 第一审普通程序,
第二审程序, 期间), not by number; the wording quoted is unchanged by that amendment.
The 2025 revision of 仲裁法 (in force 2026-03-01) is described, not quoted.
"""

CIVIL_PROCEDURE_LAW = "《中华人民共和国民事诉讼法》"
ARBITRATION_LAW = "《中华人民共和国仲裁法》"
CIVIL_CODE = "《中华人民共和国民法典》"

# 民事诉讼法, 督促程序
PAYMENT_ORDER = (
    "债务人应当自收到支付令之日起十五日内清偿债务，或者向人民法院提出书面异议。"
    "债务人在前款规定的期间不提出异议又不履行支付令的，债权人可以向人民法院申请执行。"
)
PAYMENT_ORDER_PROCEDURE = "督促程序"

# 民事诉讼法, 第一审普通程序
DEFENCE = (
    "人民法院应当在立案之日起五日内将起诉状副本发送被告，被告应当在收到之日起十五日内提出答辩状。"
    "……被告不提出答辩状的，不影响人民法院审理。"
)
DEFENCE_PROCEDURE = "第一审普通程序"

# 民事诉讼法, 第二审程序
APPEAL = (
    "当事人不服地方人民法院第一审判决的，有权在判决书送达之日起十五日内向上一级人民法院提起上诉。"
    "当事人不服地方人民法院第一审裁定的，有权在裁定书送达之日起十日内向上一级人民法院提起上诉。"
)
APPEAL_PROCEDURE = "第二审程序"

# 民事诉讼法, 期间
PERIODS = (
    "期间以时、日、月、年计算。期间开始的时和日，不计算在期间内。"
    "期间届满的最后一日是法定休假日的，以法定休假日后的第一日为期间届满的日期。"
)
LATE_FOR_GOOD_REASON = (
    "当事人因不可抗拒的事由或者其他正当理由耽误期限的，在障碍消除后的十日内，可以申请顺延期限，"
    "是否准许，由人民法院决定。"
)
PERIODS_PROCEDURE = "期间"

# 仲裁法 (2017年修正)
ARBITRATION_59 = "第五十九条 当事人申请撤销裁决的，应当自收到裁决书之日起六个月内提出。"

# 民法典
CIVIL_CODE_201 = "第二百零一条 按照年、月、日计算期间的，开始的当日不计入，自下一日开始计算。……"
CIVIL_CODE_202 = (
    "第二百零二条 按照年、月计算期间的，到期月的对应日为期间的最后一日；"
    "没有对应日的，月末日为期间的最后一日。"
)
CIVIL_CODE_203 = (
    "第二百零三条 期间的最后一日是法定休假日的，以法定休假日结束的次日为期间的最后一日。"
    "期间的最后一日的截止时间为二十四时；有业务时间的，停止业务活动的时间为截止时间。"
)

# Rules of the Supreme People's Court, named without article numbers.
DISHONEST_LIST_RULES = "《最高人民法院关于公布失信被执行人名单信息的若干规定》"
CONSUMPTION_RULES = "《最高人民法院关于限制被执行人高消费及有关消费的若干规定》"
SETTLEMENT_RULES = "《最高人民法院关于执行和解若干问题的规定》"

LEGAL_AID_HOTLINE = "12348"
