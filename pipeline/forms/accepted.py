"""HR's accepted findings (accepted.xlsx): findings checked with the office head and let through.

An accepted finding no longer keeps its office-period from being scored; it is shown everywhere
as 已确认 with the reason. A row is matched to a finding by 所编号, 期间, 文件, 单元格 and 代码,
as the validation report shows them. It has no cover sheet.
"""

from .spec import Field, Form, Sheet
from .types import Date, Text

ACCEPTED = Form(
    id="accepted",
    title="已确认的问题",
    version="1.0",
    help="由人力资源部维护：与所长核实后确认无误、可以计分的校验问题。",
    sheets=(
        Sheet(
            key="accepted",
            name="已确认",
            help="每条确认的问题一行；所编号、期间、文件、单元格和代码照校验报告填写，问题不涉及单元格时单元格留空。",
            fields=(
                Field("office_id", "所编号", Text(max_length=20), required=True,
                      help="问题所属的业务所编号", example="BJ01"),
                Field("period", "期间", Text(max_length=6), required=True,
                      help="问题所属的季度，如 2026Q1", example="2026Q1"),
                Field("file", "文件", Text(max_length=300),
                      help="校验报告中的文件路径；问题不涉及文件时留空", example="submissions/2026Q1/BJ01/clients.xlsx"),
                Field("cell", "单元格", Text(max_length=20),
                      help="校验报告中的单元格地址，如 G7；问题不涉及单元格时留空", example=None),
                Field("code", "代码", Text(max_length=40), required=True,
                      help="校验代码，如 plausible-attainment（见网站“校验代码”页）", example="plausible-attainment"),
                Field("reason", "原因", Text(max_length=500), required=True,
                      help="为什么确认无误（会显示在网站和报表中，请勿填写个人信息）",
                      example="已与所长核实：本季度签下年度框架合同，销售额属实"),
                # the confirmer is a person: personal data, like the cover's 填报人
                Field("confirmed_by", "确认人", Text(max_length=50), required=True, pii=True,
                      help="核实并确认的人力资源部人员（个人信息，不会发布）", example="（确认人姓名）"),
                Field("confirmed_on", "确认日期", Date(), required=True,
                      help="确认的日期", example="2026-04-10"),
            ),
        ),
    ),
)
