"""HR's reviews (reviews.xlsx, SPEC §8): adjustments of results after review, and appeals.

Sheet 调整: one row per item of an office-period's result HR changed after review — a KPI's value,
a KPI's score, the total score or the grade — with the value as HR saw it (原值, checked against
the computed one) and the approver. Sheet 申诉: the office heads' appeals and how each was settled.
It has no cover sheet. The approver, the handler and what an appeal says are personal: HR's
outputs only, never the site.
"""

from .spec import Field, Form, NotBefore, RequiredWhen, Sheet
from .types import Choice, Date, Text

# The scored KPIs (SPEC §5) as the 项目 list names them; the engine maps them by key, so a KPI the
# policy renames is still adjusted by its SPEC name.
REVIEW_KPIS: tuple[tuple[str, str], ...] = (
    ("attainment", "销售目标完成率"), ("growth", "销售增长率"), ("market_share", "市场占有率"),
    ("attrition", "团队成员流失率"), ("pass_rate", "团队绩效达标率"), ("training_rate", "培训计划完成率"),
    ("satisfaction", "客户满意度"),
)
VALUE, SCORE, TOTAL, GRADE = "value", "score", "total", "grade"
TOTAL_ITEM, GRADE_ITEM = "总分", "等级"
# 项目 -> (what, kpi key or "")
REVIEW_ITEMS: dict[str, tuple[str, str]] = {
    **{f"{name}（指标值）": (VALUE, key) for key, name in REVIEW_KPIS},
    **{f"{name}（得分）": (SCORE, key) for key, name in REVIEW_KPIS},
    TOTAL_ITEM: (TOTAL, ""),
    GRADE_ITEM: (GRADE, ""),
}
OPEN, UPHELD, ADJUSTED = "受理中", "维持", "已调整"
APPEAL_OUTCOMES = (OPEN, UPHELD, ADJUSTED)

REVIEWS = Form(
    id="reviews",
    title="复核调整与申诉",
    version="1.0",
    help="由人力资源部维护：复核后调整的考核结果，以及所长的申诉和处理结果。",
    sheets=(
        Sheet(
            key="adjustments",
            name="调整",
            help="每项调整一行：哪个业务所哪个期间的哪一项，原值（照考核结果填写）、调整后的值、原因和批准人。"
                 "原值与本次计算结果不符时不调整（可能依据的是旧数据）。比率可写 95.3% 或 0.953。",
            fields=(
                Field("office_id", "所编号", Text(max_length=20), required=True,
                      help="业务所编号", example="BJ01"),
                Field("period", "期间", Text(max_length=10), required=True,
                      help="季度如 2026Q1，年度如 2026", example="2026Q1"),
                Field("item", "项目", Choice(tuple(REVIEW_ITEMS)), required=True,
                      help="调整的项目：某项指标的指标值或得分、总分或等级", example=TOTAL_ITEM),
                Field("original", "原值", Text(max_length=20), required=True,
                      help="调整前的值，照考核结果填写（指标无法计算时填 N/A）", example="78.4"),
                Field("adjusted", "调整后", Text(max_length=20), required=True,
                      help="调整后的值；等级填 优秀、良好、合格 或 不合格", example="80.5"),
                Field("reason", "原因", Text(max_length=500), required=True,
                      help="为什么调整（会显示在网站和报表中，请勿填写个人信息）",
                      example="复核确认一笔季度末到账的销售额属于本季度"),
                # the approver is a person: personal data, like accepted.xlsx's 确认人
                Field("approved_by", "批准人", Text(max_length=50), required=True, pii=True,
                      help="批准调整的人（个人信息，只出现在人力资源部的报表中）", example="（批准人姓名）"),
                Field("approved_on", "批准日期", Date(), required=True,
                      help="批准的日期", example="2026-04-20"),
            ),
        ),
        Sheet(
            key="appeals",
            name="申诉",
            help="每项申诉一行。处理结果为“已调整”的，须在《调整》表中有同一业务所同一期间的调整；"
                 "仍在“受理中”的申诉使该期间不能关闭。申诉事项和处理人不会发布，网站只显示状态和日期。",
            fields=(
                Field("office_id", "所编号", Text(max_length=20), required=True,
                      help="提出申诉的业务所编号", example="BJ01"),
                Field("period", "期间", Text(max_length=10), required=True,
                      help="申诉的考核期间：季度如 2026Q1，年度如 2026", example="2026Q1"),
                Field("filed_on", "提出日期", Date(), required=True,
                      help="所长提出申诉的日期", example="2026-04-12"),
                # free text from HR about a person's assessment: treated as personal data
                Field("matter", "申诉事项", Text(max_length=500), required=True, pii=True,
                      help="申诉的内容（不会发布）", example="（申诉内容）"),
                Field("outcome", "处理结果", Choice(APPEAL_OUTCOMES), required=True,
                      help="受理中、维持（不调整）或已调整", example=ADJUSTED),
                Field("settled_on", "处理日期", Date(),
                      help="处理完毕的日期；受理中留空", example="2026-04-20"),
                Field("handled_by", "处理人", Text(max_length=50), pii=True,
                      help="处理申诉的人（个人信息，不会发布）；受理中可留空", example="（处理人姓名）"),
            ),
            rules=(RequiredWhen("settled_on", "outcome", UPHELD), RequiredWhen("settled_on", "outcome", ADJUSTED),
                   NotBefore("settled_on", "filed_on")),
        ),
    ),
)
