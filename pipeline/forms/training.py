"""培训计划: the team's training plan (feeds the training-plan completion rate)."""

from .cover import COVER
from .spec import HOURS_CEILING, NEAR_PERIOD_DAYS, PEOPLE_CEILING, Earlier, Field, Form, RequiredWhen, Sheet
from .types import Choice, Date, Integer, Number, Text

TRAINING = Form(
    id="training",
    title="培训计划",
    version="1.1",
    # 1.1: the title on the cover, 课时 with its unit in the header
    history=(Earlier("1.0", cover_row=1, bare_headers=("hours",)),),
    cover=COVER,
    help="每季度填写一次：本季度计划的全部培训，每项培训一行，含已取消的。",
    sheets=(
        Sheet(
            key="trainings",
            name="培训计划",
            help="每项培训一行。状态为“已完成”的培训必须填写实际日期。",
            fields=(
                Field("training_id", "培训编号", Text(max_length=30), required=True, unique=True,
                      help="培训的编号，在本表内不得重复", example="T2026-01"),
                Field("name", "培训名称", Text(max_length=200), required=True,
                      help="培训的名称或主题", example="大客户谈判技巧"),
                Field("method", "培训方式", Choice(("内部课程", "外部专家讲座", "在线学习", "岗位带教")),
                      help="培训的组织方式", example="内部课程"),
                Field("planned_date", "计划日期", Date(), required=True, near_period_days=NEAR_PERIOD_DAYS,
                      help="计划举办的日期", example="2026-02-15"),
                Field("planned_attendees", "计划参训人数", Integer(min=0), unit="人", ceiling=PEOPLE_CEILING,
                      help="计划参加的人数", example=12),
                Field("actual_date", "实际日期", Date(), near_period_days=NEAR_PERIOD_DAYS,
                      help="实际举办的日期；未举办则留空", example="2026-02-16"),
                Field("actual_attendees", "实际参训人数", Integer(min=0), unit="人", ceiling=PEOPLE_CEILING,
                      help="实际参加的人数", example=11),
                Field("hours", "课时", Number(min=0), unit="小时", unit_in_header=True, ceiling=HOURS_CEILING,
                      help="培训时长", example=3),
                Field("status", "状态", Choice(("已完成", "进行中", "未开始", "已取消")),
                      help="培训进展", example="已完成"),
            ),
            rules=(RequiredWhen("actual_date", "status", "已完成"),),
        ),
    ),
)
