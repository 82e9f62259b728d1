"""HR's reference workbook: the offices, their quarterly targets and who headed each office when.
It has no cover sheet."""

from .spec import BONUS_CEILING, MARKET_CEILING, TARGET_CEILING, Earlier, Field, Form, NotBefore, Sheet
from .types import Choice, Date, Integer, Number, Text

QUARTERS = ("Q1", "Q2", "Q3", "Q4")

REFERENCE = Form(
    id="reference",
    title="人力资源部基础数据",
    version="1.1",
    history=(Earlier("1.0", note=False),),  # 1.1 added the optional sheet 所长任职: files of 1.0 stay valid
    help="由人力资源部维护:业务所名单、各季度目标与所长任职记录。",
    sheets=(
        Sheet(
            key="offices",
            name="业务所",
            help="每个业务所一行。季度奖金基数为薪酬数据,只出现在人力资源部的报表中。",
            fields=(
                Field("office_id", "所编号", Text(max_length=20), required=True, unique=True,
                      help="业务所编号,全公司唯一", example="BJ01"),
                Field("office_name", "业务所名称", Text(max_length=100), required=True,
                      help="业务所名称", example="北京一所"),
                Field("head", "所长", Text(max_length=50),
                      help="所长姓名(按制度公开表彰,会在网站上公布)", example="(所长姓名)"),
                Field("region", "区域", Text(max_length=50),
                      help="所属区域", example="华北"),
                Field("bonus_base", "季度奖金基数", Number(min=0), unit="元", salary=True, ceiling=BONUS_CEILING,
                      help="所长的季度绩效奖金基数(薪酬数据,不会发布)", example=30000),
            ),
        ),
        Sheet(
            key="targets",
            name="季度目标",
            help="每个业务所每个季度一行。上年同期销售额留空时,取该所上年同季度的提交数据。",
            fields=(
                Field("year", "年度", Integer(min=2000, max=2100), required=True,
                      help="年份", example=2026),
                Field("quarter", "季度", Choice(QUARTERS), required=True,
                      help="季度", example="Q1"),
                Field("office_id", "所编号", Text(max_length=20), required=True,
                      help="业务所编号,须在《业务所》表中", example="BJ01"),
                Field("sales_target", "销售目标", Number(min=0, min_exclusive=True), required=True,
                      unit="万元", ceiling=TARGET_CEILING, help="本季度销售目标", example=500),
                Field("prior_sales", "上年同期销售额", Number(min=0), unit="万元", ceiling=TARGET_CEILING,
                      help="上年同季度销售额;留空则取上年提交数据", example=450),
                Field("market_size", "市场规模", Number(min=0, min_exclusive=True), unit="万元", ceiling=MARKET_CEILING,
                      help="本所所在市场本季度的总规模;未知则留空", example=5000),
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
                      example="(所长工号)"),
                Field("head_name", "姓名", Text(max_length=50), required=True,
                      help="所长姓名（按制度公开表彰，会在网站上公布）", example="(所长姓名)"),
                Field("start", "起始日期", Date(), required=True,
                      help="到任日期（当天起在任）", example="2026-04-01"),
                Field("end", "结束日期", Date(),
                      help="离任日期（当天仍在任）；仍在任则留空", example=None),
            ),
            rules=(NotBefore("end", "start"),),
        ),
    ),
)
