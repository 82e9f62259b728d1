"""The 封面 (cover) sheet shared by every office form: labels in column A, values in column B."""

from .spec import Field
from .types import Date, Text

COVER_SHEET = "封面"
INSTRUCTIONS_SHEET = "填写说明"
META_SHEET = "_meta"

COVER = (
    Field("office_id", "所编号", Text(max_length=20), required=True,
          help="本业务所的编号，与人力资源部下发的《业务所》名单一致", example="BJ01"),
    Field("period", "期间", Text(max_length=6), required=True,
          help="填报的季度，格式为 年份+Q+季度，如 2026Q1", example="2026Q1"),
    # The filler is a person: treat the name as personal data.
    Field("filled_by", "填报人", Text(max_length=50), pii=True,
          help="填写本表的人员姓名", example="（填写人姓名）"),
    Field("filled_on", "填报日期", Date(), help="填写完成的日期", example="2026-04-03"),
)
