"""项目管理: the office's projects, their schedule, budget and acceptance."""

from .cover import COVER
from .spec import AMOUNT_CEILING, COUNT_CEILING, Earlier, Field, Form, NotBefore, Sheet
from .types import Choice, Date, Integer, Number, Text

PROJECTS = Form(
    id="projects",
    title="项目管理",
    version="1.1",
    # 1.1: the title on the cover, 预算 and 实际成本 with their unit in the header
    history=(Earlier("1.0", cover_row=1, bare_headers=("budget", "cost")),),
    cover=COVER,
    help="每季度填写一次：本季度内进行中或结束的每个项目一行。",
    sheets=(
        Sheet(
            key="projects",
            name="项目",
            help="每个项目一行；客户编号应与本季度客户表中的编号一致。",
            fields=(
                Field("project_id", "项目编号", Text(max_length=30), required=True, unique=True,
                      help="项目的编号，在本表内不得重复", example="P2026-01"),
                Field("name", "项目名称", Text(max_length=200), required=True,
                      help="项目名称", example="（项目名称）"),
                Field("client_id", "客户编号", Text(max_length=30),
                      help="项目所属客户的编号，见客户表", example="C0001"),
                Field("stage", "阶段", Choice(("启动", "执行", "验收", "总结", "已关闭")),
                      help="项目当前所处阶段", example="执行"),
                Field("start_date", "开始日期", Date(), required=True,
                      help="项目开始日期", example="2026-01-10"),
                Field("planned_end", "计划完成日期", Date(), required=True,
                      help="计划完成日期，不得早于开始日期", example="2026-06-30"),
                Field("actual_end", "实际完成日期", Date(),
                      help="实际完成日期；未完成则留空", example=None),
                Field("budget", "预算", Number(min=0), unit="万元", unit_in_header=True, ceiling=AMOUNT_CEILING,
                      help="项目预算", example=80),
                Field("cost", "实际成本", Number(min=0), unit="万元", unit_in_header=True, ceiling=AMOUNT_CEILING,
                      help="截至期末的实际成本", example=42.5),
                Field("acceptance", "验收结果", Choice(("通过", "未通过", "未验收")),
                      help="项目验收结果", example="未验收"),
                Field("risks", "风险数", Integer(min=0), unit="个", ceiling=COUNT_CEILING,
                      help="当前识别的风险数量", example=1),
            ),
            rules=(NotBefore("planned_end", "start_date"), NotBefore("actual_end", "start_date")),
        ),
    ),
)
