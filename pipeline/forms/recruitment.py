"""招聘与团队: the hiring plan and the team roster (the roster feeds attrition and pass rate)."""

from .cover import COVER
from .spec import PEOPLE_CEILING, Earlier, Field, Form, NotAbove, NotBefore, Sheet
from .types import Choice, Date, Integer, Text

RATINGS = ("优秀", "良好", "合格", "待改进", "不合格", "未考核")
PASSING_RATINGS = ("优秀", "良好", "合格")  # 制度 四·团队绩效达标率:合格及以上

RECRUITMENT = Form(
    id="recruitment",
    title="招聘与团队",
    version="1.1",
    history=(Earlier("1.0", cover_row=1),),  # 1.1: the title on the cover
    cover=COVER,
    help="每季度填写一次：本季度的招聘计划，以及本季度内任何时间在团队中的全部成员。",
    sheets=(
        Sheet(
            key="hiring",
            name="招聘计划",
            help="每个招聘岗位一行。",
            fields=(
                Field("position", "岗位", Text(max_length=100), required=True,
                      help="招聘的岗位名称", example="客户经理"),
                Field("planned", "计划人数", Integer(min=1), required=True, unit="人", ceiling=PEOPLE_CEILING,
                      help="计划招聘的人数", example=2),
                Field("hired", "已录用人数", Integer(min=0), unit="人", ceiling=PEOPLE_CEILING,
                      help="截至期末已录用的人数", example=1),
                Field("channel", "招聘渠道", Choice(("校园招聘", "社会招聘", "内部推荐", "猎头", "其他")),
                      help="主要招聘渠道", example="社会招聘"),
                Field("requirements", "任职要求", Text(max_length=1000),
                      help="学历、经验、技能等要求", example="本科及以上，两年以上销售经验"),
                Field("status", "状态", Choice(("进行中", "已完成", "已取消")),
                      help="招聘进展", example="进行中"),
            ),
            rules=(NotAbove("hired", "planned", severity="warning"),),
        ),
        Sheet(
            key="roster",
            name="团队名册",
            help="本季度内任何时间在团队中的每一位成员一行（包括本季度离职的成员）。",
            fields=(
                Field("employee_id", "工号", Text(max_length=30), required=True, unique=True,
                      help="成员的工号，在本表内不得重复", example="E0001"),
                Field("name", "姓名", Text(max_length=50), required=True, pii=True,
                      help="成员姓名（个人信息，不会发布）", example="（成员姓名）"),
                Field("position", "岗位", Text(max_length=100),
                      help="成员当前岗位", example="客户经理"),
                Field("join_date", "入职日期", Date(), required=True,
                      help="加入本团队的日期", example="2024-07-01"),
                Field("leave_date", "离职日期", Date(),
                      help="离开团队的日期；仍在团队中则留空", example=None),
                Field("leave_reason", "离职原因", Text(max_length=500), pii=True,
                      help="离职原因（个人信息，不会发布）", example=None),
                Field("rating", "本期绩效结果", Choice(RATINGS),
                      help="本季度绩效考核结果；未参加考核填“未考核”", example="良好"),
            ),
            rules=(NotBefore("leave_date", "join_date"),),
        ),
    ),
)
