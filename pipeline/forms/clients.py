"""客户开发与维护: clients, sales, visits, satisfaction and complaints."""

from .cover import COVER
from .spec import AMOUNT_CEILING, COUNT_CEILING, Earlier, Field, Form, NotAbove, Sheet
from .types import Choice, Integer, Number, Text

CLIENTS = Form(
    id="clients",
    title="客户开发与维护",
    version="1.1",
    # 1.1: the title on the cover, 本期销售额 with its unit in the header
    history=(Earlier("1.0", cover_row=1, bare_headers=("sales",)),),
    cover=COVER,
    help="每季度填写一次：本季度有业务往来或回访的每个客户一行。",
    sheets=(
        Sheet(
            key="clients",
            name="客户",
            help="每个客户一行；本期销售额之和即本所本季度的销售额。未做满意度调查的客户，满意度评分留空。",
            fields=(
                Field("client_id", "客户编号", Text(max_length=30), required=True, unique=True,
                      help="客户的编号，在本表内不得重复", example="C0001"),
                Field("name", "客户名称", Text(max_length=200), required=True,
                      help="客户单位名称", example="（客户单位名称）"),
                Field("client_type", "客户类型", Choice(("新客户", "老客户")),
                      help="本季度首次合作为新客户", example="老客户"),
                Field("industry", "行业", Text(max_length=100),
                      help="客户所属行业", example="制造业"),
                Field("contact", "联系人", Text(max_length=50), pii=True,
                      help="客户联系人姓名（个人信息，不会发布）", example="（联系人姓名）"),
                Field("phone", "联系电话", Text(max_length=30), pii=True,
                      help="联系人电话（个人信息，不会发布）", example="（联系电话）"),
                Field("sales", "本期销售额", Number(min=0), unit="万元", unit_in_header=True,
                      ceiling=AMOUNT_CEILING,                       help="本季度对该客户的销售额", example=35.5),
                Field("visits", "回访次数", Integer(min=0), unit="次", ceiling=COUNT_CEILING,
                      help="本季度回访该客户的次数", example=2),
                Field("satisfaction", "满意度评分", Number(min=1, max=5), unit="分",
                      help="客户满意度调查得分，1–5 分；未调查则留空", example=4.5),
                Field("complaints", "投诉次数", Integer(min=0), unit="次", ceiling=COUNT_CEILING,
                      help="本季度收到的投诉次数", example=1),
                Field("resolved_complaints", "已解决投诉次数", Integer(min=0), unit="次", ceiling=COUNT_CEILING,
                      help="已解决的投诉次数，不得大于投诉次数", example=1),
            ),
            rules=(NotAbove("resolved_complaints", "complaints"),),
        ),
    ),
)
