"""HR's reference workbook: the offices, their quarterly targets, who headed each office when and
each quarter's filing deadline. It has no cover sheet."""

from .spec import BONUS_CEILING, MARKET_CEILING, TARGET_CEILING, Earlier, Field, Form, NotBefore, Sheet
from .types import Choice, Date, Integer, Number, Text

QUARTERS = ("Q1", "Q2", "Q3", "Q4")
BARE_BEFORE_1_3 = ("bonus_base", "sales_target", "prior_sales", "market_size")

REFERENCE = Form(
    id="reference",
    title="人力资源部基础数据",
    version="1.3",
    # 1.1 added the optional sheet 所长任职, 1.2 the optional 填报日程, 1.3 the units in the amounts'
    # headers (`销售目标（万元）`): files of the earlier versions stay valid as they were laid out
    history=tuple(Earlier(v, bare_headers=BARE_BEFORE_1_3, note=False) for v in ("1.0", "1.1", "1.2")),
    help="由人力资源部维护：业务所名单、各季度目标、所长任职记录与填报日程。",
    sheets=(
        Sheet(
            key="offices",
            name="业务所",
            help="每个业务所一行。季度奖金基数为薪酬数据，只出现在人力资源部的报表中。",
            fields=(
                Field("office_id", "所编号", Text(max_length=20), required=True, unique=True,
                      help="业务所编号，全公司唯一", example="BJ01"),
                Field("office_name", "业务所名称", Text(max_length=100), required=True,
                      help="业务所名称", example="北京一所"),
                Field("head", "所长", Text(max_length=50),
                      help="所长姓名（按制度公开表彰，会在网站上公布）", example="（所长姓名）"),
                Field("region", "区域", Text(max_length=50),
                      help="所属区域", example="华北"),
                Field("bonus_base", "季度奖金基数", Number(min=0), unit="元", unit_in_header=True, salary=True, ceiling=BONUS_CEILING,
                      help="所长的季度绩效奖金基数（薪酬数据，不会发布）", example=30000),
            ),
        ),
        Sheet(
            key="targets",
            name="季度目标",
            help="每个业务所每个季度一行。上年同期销售额留空时，取该所上年同季度的提交数据。",
            fields=(
                Field("year", "年度", Integer(min=2000, max=2100), required=True,
                      help="年份", example=2026),
                Field("quarter", "季度", Choice(QUARTERS), required=True,
                      help="季度", example="Q1"),
                Field("office_id", "所编号", Text(max_length=20), required=True,
                      help="业务所编号，须在《业务所》表中", example="BJ01"),
                Field("sales_target", "销售目标", Number(min=0, min_exclusive=True), required=True,
                      unit="万元", unit_in_header=True, ceiling=TARGET_CEILING, help="本季度销售目标", example=500),
                Field("prior_sales", "上年同期销售额", Number(min=0), unit="万元", unit_in_header=True, ceiling=TARGET_CEILING,
                      help="上年同季度销售额；留空则取上年提交数据", example=450),
                Field("market_size", "市场规模", Number(min=0, min_exclusive=True), unit="万元", unit_in_header=True, ceiling=MARKET_CEILING,
                      help="本所所在市场本季度的总规模；未知则留空", example=5000),
            ),
        ),
        Sheet(
            key="heads",
            name="所长任职",
            optional=True,
            help="每任所长一行：谁在何时担任哪个业务所的所长。某期间的所长是该期间最后一天在任的所长；"
                 "没有任何任职记录的业务所，各期间的所长都取《业务所》表中的所长。工号不会在网站上公布。",
            fields=(
                Field("office_id", "所编号", Text(max_length=20), required=True,
                      help="业务所编号，须在《业务所》表中", example="BJ01"),
                Field("head_id", "工号", Text(max_length=20), required=True, pii=True,
                      help="所长的工号（个人信息，只出现在人力资源部的报表中）；同一人调任其他业务所时工号不变",
                      example="（所长工号）"),
                Field("head_name", "姓名", Text(max_length=50), required=True,
                      help="所长姓名（按制度公开表彰，会在网站上公布）", example="（所长姓名）"),
                Field("start", "起始日期", Date(), required=True,
                      help="到任日期（当天起在任）", example="2026-04-01"),
                Field("end", "结束日期", Date(),
                      help="离任日期（当天仍在任）；仍在任则留空", example=None),
            ),
            rules=(NotBefore("end", "start"),),
        ),
        Sheet(
            key="schedule",
            name="填报日程",
            optional=True,
            help="每个季度一行：各业务所提交该季度表格的截止日期。截止日期当天收到的文件为按时；"
                 "迟交只在提交情况中注明，不影响考核得分。没有日程的季度不判断是否迟交。",
            fields=(
                Field("period", "期间", Text(max_length=10), required=True, unique=True,
                      help="季度，格式为 年份+Q+季度，如 2026Q1", example="2026Q1"),
                Field("deadline", "截止日期", Date(), required=True,
                      help="提交该季度表格的最后一天（当天收到仍为按时）", example="2026-04-15"),
            ),
        ),
    ),
)
