"""Demo data: a realistic, Jincheng-like data set for trying the system out.

`build()` creates districts, industries, departments, categories, 59 companies with valid
统一社会信用代码, their liaison officials, one login per role, and 75 tickets in every state.
Every ticket is walked through its life by the real services in `tickets.services`, each step
backdated with `at=` over the past ten months, so the timeline, assignments, events and the
leadership figures are exactly what the system would have recorded. Who co-handled which of them
(协办) and the first contacts with the companies are enterprises.demo_cohandling's part.

The content is fixed (`random.Random(2025)`); only the dates move with today, so the data set
always looks current. `manage.py demo_data` is the thin command around this module.

Why this is long: most of it is data — the city's departments, categories, 59 companies and the
story of each of the 75 tickets — written out as literals so that a reader sees the whole demo in
one place; the code that walks them through the services is short.
"""

import base64
import datetime
import logging
import random
import unicodedata
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field

from auditlog.context import disable_auditlog
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from stdnum.cn import uscc

from tickets import notifications, services, workdays
from tickets.models import AssignmentRole, Category, DeadlineProfile, ExtensionRequest, Notification, Rating, SupervisionLevel, Ticket

from . import demo_assessment, demo_calls, demo_channels, demo_returns, demo_visits
from . import demo_cohandling as cohandling
from . import demo_outcomes as outcomes
from .models import Department, District, Enterprise, Industry, User

DEMO_PASSWORD = "Demo-pass-2026"
HISTORY_WORKING_DAYS = 205  # about ten months

# --------------------------------------------------------------------------------------------
# Reference data
# --------------------------------------------------------------------------------------------

# name, administrative division code (digits 3–8 of a credit code registered there)
DISTRICTS = [
    ("城区", "140502"),
    ("泽州县", "140525"),
    ("高平市", "140581"),
    ("阳城县", "140522"),
    ("陵川县", "140524"),
    ("沁水县", "140521"),
    ("开发区", "140500"),
]

INDUSTRIES = ["装备制造", "煤炭及煤化工", "新材料", "光机电", "文旅康养", "现代农业", "商贸物流", "信息技术"]

# short code, name, abbreviation used in display names, phone
DEPARTMENTS = [
    ("fgw", "市发展和改革委员会", "市发改委", "0356-2022316"),
    ("gxj", "市工业和信息化局", "市工信局", "0356-2022578"),
    ("rsj", "市人力资源和社会保障局", "市人社局", "0356-2196023"),
    ("zrzyj", "市自然资源和规划局", "市自然资源局", "0356-2024415"),
    ("xzspj", "市行政审批服务管理局", "市行政审批局", "0356-2189900"),
    ("czj", "市财政局", "市财政局", "0356-2022730"),
    ("zjj", "市住房和城乡建设局", "市住建局", "0356-2022854"),
    ("swj", "市商务局", "市商务局", "0356-2023367"),
    ("kjj", "市科学技术局", "市科技局", "0356-2022643"),
    ("gdgs", "国网晋城供电公司", "晋城供电公司", "0356-95598"),
    ("jrj", "市地方金融监督管理局", "市金融局", "0356-2196637"),
    ("scjgj", "市市场监督管理局", "市市场监管局", "0356-2021315"),
    ("sthjj", "市生态环境局", "市生态环境局", "0356-2023905"),
]

# The city's default deadline profile: Jiaozuo's 13710 (sign 1, contact 1, co-feedback 3,
# resolve 7, complex 22 working days).
CITY_PROFILE = ("13710", 1, 1, 3, 7, 22)

# name, description, default department (short code), its own profile (name, sign, contact,
# co-feedback, resolve, complex; None: the city's 13710)
CATEGORIES = [
    ("融资信贷", "贷款审批、续贷转贷、融资担保、贴息", "fgw", None),
    ("用工招聘", "招工用工、人才引进、社保、技能培训补贴", "rsj", None),
    ("用地用房", "工业用地、厂房、不动产登记、规划", "zrzyj", ("用地用房", 2, 2, 5, 20, 44)),
    ("审批手续", "项目审批、许可证照、验收", "xzspj", None),
    ("政策兑现", "奖补资金、惠企政策落实", "gxj", None),
    ("水电气暖", "供电、供水、供气、供暖", "gdgs", None),
    ("产供销对接", "产品销售、原料供应、配套采购、展会", "swj", None),
    ("产学研合作", "高校院所对接、科技成果转化、研发平台", "kjj", ("产学研合作", 2, 2, 5, 20, 44)),
    ("其他", "以上类别之外的涉企问题", None, None),
]

# category, and its profile for urgent tickets (name, sign, contact, co-feedback, resolve, complex)
URGENT_SLAS = [
    ("融资信贷", ("紧急融资", 1, 1, 2, 5, 10)),
    ("水电气暖", ("紧急保供", 1, 1, 1, 3, 7)),
    ("审批手续", ("紧急审批", 1, 1, 1, 3, 7)),
]

# category, the departments that usually co-handle it (short codes)
CO_HANDLERS = [("用地用房", ("xzspj",)), ("水电气暖", ("fgw",))]


def _profile_fields(profile):
    name, response, contact, co_feedback, resolution, complex_resolution = profile
    return {
        "name": name, "response_days": response, "contact_days": contact, "co_feedback_days": co_feedback,
        "resolution_days": resolution, "complex_resolution_days": complex_resolution,
    }  # fmt: skip

# name, short name, district, industry, size
COMPANIES = [
    ("晋城市凤凰机械制造有限公司", "凤凰机械", "城区", "装备制造", "medium"),
    ("晋城市泽润商贸有限公司", "泽润商贸", "城区", "商贸物流", "small"),
    ("晋城市太行云数据科技有限公司", "太行云数据", "城区", "信息技术", "small"),
    ("晋城市古书院文化旅游发展有限公司", "古书院文旅", "城区", "文旅康养", "small"),
    ("晋城市恒达物流有限公司", "恒达物流", "城区", "商贸物流", "medium"),
    ("晋城市锦程软件技术有限公司", "锦程软件", "城区", "信息技术", "micro"),
    ("晋城市鸿运铸造有限公司", "鸿运铸造", "城区", "装备制造", "small"),
    ("晋城市康宁养老服务有限公司", "康宁养老", "城区", "文旅康养", "small"),
    ("晋城市兴晋电子商务有限公司", "兴晋电商", "城区", "商贸物流", "micro"),
    ("泽州县金鼎铸造有限公司", "金鼎铸造", "泽州县", "装备制造", "medium"),
    ("泽州县天润煤业有限公司", "天润煤业", "泽州县", "煤炭及煤化工", "large"),
    ("泽州县晋韵农业科技有限公司", "晋韵农业", "泽州县", "现代农业", "small"),
    ("泽州县巴公精密机械有限公司", "巴公精机", "泽州县", "装备制造", "medium"),
    ("泽州县丹河湾旅游开发有限公司", "丹河湾旅游", "泽州县", "文旅康养", "small"),
    ("泽州县宏泰新型建材有限公司", "宏泰建材", "泽州县", "新材料", "medium"),
    ("泽州县瑞丰焦化有限公司", "瑞丰焦化", "泽州县", "煤炭及煤化工", "large"),
    ("泽州县绿源菌业有限公司", "绿源菌业", "泽州县", "现代农业", "micro"),
    ("泽州县大阳针业有限公司", "大阳针业", "泽州县", "装备制造", "small"),
    ("泽州县通达汽车运输有限公司", "通达运输", "泽州县", "商贸物流", "small"),
    ("高平市长平食品有限公司", "长平食品", "高平市", "现代农业", "medium"),
    ("高平市金桥煤化有限公司", "金桥煤化", "高平市", "煤炭及煤化工", "large"),
    ("高平市华晋铸铁有限公司", "华晋铸铁", "高平市", "装备制造", "medium"),
    ("高平市炎帝农业发展有限公司", "炎帝农业", "高平市", "现代农业", "small"),
    ("高平市永固机械配件有限公司", "永固机械", "高平市", "装备制造", "small"),
    ("高平市米山光电科技有限公司", "米山光电", "高平市", "光机电", "small"),
    ("高平市鑫源煤矿机械有限公司", "鑫源煤机", "高平市", "装备制造", "medium"),
    ("高平市凯达化工有限公司", "凯达化工", "高平市", "煤炭及煤化工", "medium"),
    ("高平市丰裕物流有限公司", "丰裕物流", "高平市", "商贸物流", "small"),
    ("阳城县瑞祥陶瓷有限公司", "瑞祥陶瓷", "阳城县", "新材料", "medium"),
    ("阳城县晋阳湖康养旅游有限公司", "晋阳湖康养", "阳城县", "文旅康养", "small"),
    ("阳城县蟒河生态农业有限公司", "蟒河农业", "阳城县", "现代农业", "small"),
    ("阳城县安泰煤业有限公司", "安泰煤业", "阳城县", "煤炭及煤化工", "large"),
    ("阳城县华通电子科技有限公司", "华通电子", "阳城县", "光机电", "small"),
    ("阳城县润阳建材有限公司", "润阳建材", "阳城县", "新材料", "small"),
    ("阳城县桑林蚕业有限公司", "桑林蚕业", "阳城县", "现代农业", "micro"),
    ("阳城县东冶机械有限公司", "东冶机械", "阳城县", "装备制造", "small"),
    ("陵川县太行山中药材种植有限公司", "太行山中药材", "陵川县", "现代农业", "small"),
    ("陵川县锡崖沟康养旅游有限公司", "锡崖沟康养", "陵川县", "文旅康养", "small"),
    ("陵川县潞党参产业有限公司", "潞党参产业", "陵川县", "现代农业", "micro"),
    ("陵川县金隆铸造有限公司", "金隆铸造", "陵川县", "装备制造", "small"),
    ("陵川县崇安建材有限公司", "崇安建材", "陵川县", "新材料", "small"),
    ("沁水县端氏煤层气开发有限公司", "端氏煤层气", "沁水县", "煤炭及煤化工", "large"),
    ("沁水县鹿台山生态农业有限公司", "鹿台山农业", "沁水县", "现代农业", "small"),
    ("沁水县嘉峰化工有限公司", "嘉峰化工", "沁水县", "煤炭及煤化工", "medium"),
    ("沁水县柳氏民居文化旅游有限公司", "柳氏民居文旅", "沁水县", "文旅康养", "micro"),
    ("沁水县恒润新能源有限公司", "恒润新能源", "沁水县", "新材料", "small"),
    ("沁水县沁河物流有限公司", "沁河物流", "沁水县", "商贸物流", "small"),
    ("山西晋科光电技术有限公司", "晋科光电", "开发区", "光机电", "medium"),
    ("晋城市中汇精密光学有限公司", "中汇光学", "开发区", "光机电", "medium"),
    ("山西泽宇新材料科技有限公司", "泽宇新材料", "开发区", "新材料", "medium"),
    ("晋城市智联信息技术有限公司", "智联信息", "开发区", "信息技术", "small"),
    ("山西汇能激光科技有限公司", "汇能激光", "开发区", "光机电", "small"),
    ("晋城市华锐数控装备有限公司", "华锐数控", "开发区", "装备制造", "medium"),
    ("山西太行碳纤维材料有限公司", "太行碳纤维", "开发区", "新材料", "small"),
    ("晋城市云启大数据服务有限公司", "云启大数据", "开发区", "信息技术", "micro"),
    ("晋城市北方电机有限公司", "北方电机", "开发区", "光机电", "medium"),
    ("山西鼎晟新能源装备有限公司", "鼎晟装备", "开发区", "装备制造", "large"),
    ("晋城市天泽医疗器械有限公司", "天泽医疗", "开发区", "光机电", "small"),
    ("晋城市泰丰冷链物流有限公司", "泰丰冷链", "开发区", "商贸物流", "small"),
]

# Where a company's address is: (prefix, places)
ADDRESSES = {
    "城区": ("晋城市城区", ["凤台东街", "泽州路", "红星西街", "黄华街", "文昌东街", "书院街", "中原西街", "建设南路"]),
    "泽州县": ("泽州县", ["巴公镇", "金村镇", "南村镇", "北义城镇", "大阳镇", "高都镇"]),
    "高平市": ("高平市", ["米山镇", "三甲镇", "寺庄镇", "河西镇", "北诗镇"]),
    "阳城县": ("阳城县", ["凤城镇", "北留镇", "润城镇", "町店镇", "芹池镇"]),
    "陵川县": ("陵川县", ["崇文镇", "礼义镇", "附城镇", "平城镇"]),
    "沁水县": ("沁水县", ["龙港镇", "嘉峰镇", "端氏镇", "郑村镇"]),
    "开发区": ("晋城经济技术开发区", ["鸿春街", "金匠路", "丹河路", "凤鸣路", "光机电产业园"]),
}

SURNAMES = ["王", "李", "张", "刘", "陈", "杨", "赵", "郭", "牛", "秦", "常", "段", "卫", "原", "靳", "焦", "田", "程", "吴", "周"]
GIVEN_NAMES = [
    "建国",
    "志刚",
    "晓东",
    "海峰",
    "丽娟",
    "文斌",
    "国强",
    "红梅",
    "永军",
    "雪芳",
    "俊杰",
    "亚楠",
    "宏伟",
    "晋生",
    "慧敏",
    "泽民",
]

LIAISON_NAMES = ["李志刚", "郭晓燕", "牛建军", "秦海涛", "段丽华", "卫宏斌", "常晋平", "焦文涛"]
# how many companies each liaison looks after (the companies are taken in table order)
LIAISON_LOADS = [8, 8, 8, 7, 7, 7, 7, 7]

# --------------------------------------------------------------------------------------------
# The demo logins
# --------------------------------------------------------------------------------------------

LOGINS = [
    ("企业用户", "company", "晋城市凤凰机械制造有限公司的诉求：提交诉求、跟踪进度、查看办理结果类型、确认办理结果并评价"),
    ("包联干部", "liaison", "所包联的8家企业的诉求：代企业提交诉求、确认结果或提出不满意"),
    (
        "承办部门",
        "dept",
        "市发展和改革委员会主办或协办的诉求：签收、联系企业、办理、办结（已解决/已解释说明/暂不具备条件）、申请退回、申请延期、"
        "对不满意评价申请复核；协办的签收并反馈协办意见",
    ),
    ("交办（营商环境办）", "dispatcher", "全部诉求：交办到主办和协办部门、增加或结束协办、不予受理、审批延期申请、裁定退回申请、电话回访"),
    ("督办（督查室）", "supervisor", "全部诉求：超期督办（黄牌、红牌）、审批延期申请、决定评价复核、电话回访"),
    ("市领导", "leader", "全部诉求和企业档案（只读）"),
    ("回访员（12345热线）", "callback", "全部诉求（只读）：电话回访已办结的诉求并记录企业意见；回访核实上月抽取的销号诉求"),
    ("系统管理员", "admin", "全部数据，可进入后台管理 /admin/"),
    ("系统管理员（双重验证）", "admin2fa", "同 admin；密码之后还要输入身份验证器中的 6 位验证码（密钥见下）"),
]
# The demo's one login with the second factor on (README "Signing in safely"): its authenticator
# app's secret is fixed and printed, so that anyone trying the demo adds it to their app.
TWO_FACTOR_USERNAME = "admin2fa"
TWO_FACTOR_SECRET = "QIYEDEMOADMINTWOFACTORJINCHENGAA"  # base32, 20 bytes
MARKER_USERNAME = "dispatcher"
MARKER_COMPANY = COMPANIES[0][0]


def department_username(short):
    return "dept" if short == "fgw" else f"dept_{short}"


def company_username(index):
    return "company" if index == 0 else f"qy{index + 1:02d}"


def liaison_username(index):
    return "liaison" if index == 0 else f"liaison{index + 1}"


def demo_app(user):
    """The TOTP device (unsaved) of the demo's two-factor login, with its fixed secret."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice(user=user, name="Authenticator app", key=base64.b32decode(TWO_FACTOR_SECRET).hex(), confirmed=True)


def is_loaded():
    """Is the demo data set in this database? (its dispatcher and its first company exist)"""
    return (
        User.objects.filter(username=MARKER_USERNAME, role=User.Role.DISPATCHER).exists()
        and Enterprise.objects.filter(name=MARKER_COMPANY).exists()
    )


def demo_usernames():
    names = [username for _role, username, _sees in LOGINS]
    names += [department_username(short) for short, *_ in DEPARTMENTS]
    names += [company_username(i) for i in range(len(COMPANIES))]
    names += [liaison_username(i) for i in range(len(LIAISON_NAMES))]
    return sorted(set(names))


def conflicts():
    """Why the demo data cannot go into this database, or "" if it can."""
    if Enterprise.objects.exists() or Ticket.objects.exists():
        return "数据库里已有企业或诉求数据；演示数据只能载入一个新的空数据库。"
    taken = list(User.objects.filter(username__in=demo_usernames()).values_list("username", flat=True))
    if taken:
        return f"这些用户名已被占用：{'、'.join(sorted(taken))}；演示数据只能载入一个新的空数据库。"
    return ""


# --------------------------------------------------------------------------------------------
# Credit codes (GB 32100-2015)
# --------------------------------------------------------------------------------------------

_ORG_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # the credit-code alphabet: no I, O, S, V, Z
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def organization_code(body):
    """An 8-character GB 11714 organization code body with its check character appended."""
    total = sum(int(c, 36) * w for c, w in zip(body, _ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    return body + {10: "X", 11: "0"}.get(check, str(check))


def credit_code(rng, division):
    """A valid 18-character 统一社会信用代码 of an enterprise (9 1) registered in `division`."""
    if rng.random() < 0.35:  # an older company: its former organization code, digits only
        body = "".join(rng.choice("0123456789") for _ in range(8))
    else:  # registered since 2015: "MA" + the registration authority's serial
        body = "MA" + rng.choice("0123456789") + "".join(rng.choice(_ORG_ALPHABET) for _ in range(5))
    code17 = "91" + division + organization_code(body)
    code = code17 + uscc.calc_check_digit(code17)
    assert uscc.is_valid(code), code
    return code


# --------------------------------------------------------------------------------------------
# The tickets
# --------------------------------------------------------------------------------------------


@dataclass
class Story:
    """One ticket: what the company asks, what happened to it (`scenario`), and how it ended."""

    key: str
    category: str
    title: str
    description: str
    scenario: str
    result: str = ""
    company: int | None = None  # index into COMPANIES; else one of `industry` (or any) with fewest tickets
    industry: str | None = None
    dept: str | None = None  # the department that handles it; default: the category's
    wrong: str | None = None  # first sent to this department, which returns it
    priority: str = "normal"
    by: str | None = None  # "company", "liaison", "hotline"; default: drawn at random
    first_result: str = ""  # the first resolution, before the company reopened it
    reopen: str = ""
    rating: str = Rating.SATISFIED
    rating_comment: str | None = None
    reason: str = ""  # for rejection, return or extension
    decision: str = ""  # the refusal note of an extension
    notes: list = field(default_factory=list)  # progress notes: (who, text); who is dept/company/dispatcher
    duplicate_of: str | None = None


S = Story

STORIES = [
    # ---- 融资信贷 --------------------------------------------------------------------------
    S("r1", "融资信贷", "技改贷款审批慢",
      "我公司今年初向合作银行申请技术改造贷款800万元，用于数控加工中心生产线升级，申报材料已提交齐全一个多月，"
      "至今没有审批结果。设备订金已经支付，资金压力较大，请帮助协调加快审批。",
      "closed", company=0, by="company",
      result="市发改委牵头召开银企对接会，协调贷款银行开辟绿色通道、优化审批流程。贷款800万元已审批通过并发放到位，企业技改项目按期推进。",
      rating_comment="问题解决及时，感谢市发改委和营商环境办！"),
    S("r2", "融资信贷", "流动资金贷款到期续贷困难",
      "公司在某国有银行的1500万元流动资金贷款下月到期，银行要求先还后贷。企业生产经营正常，但短期内难以筹措过桥资金，希望协调办理无还本续贷。",
      "closed", industry="新材料", dept="jrj",
      result="市地方金融监督管理局协调贷款银行将企业纳入无还本续贷名单，已完成续贷审批，期限一年，企业无需筹措过桥资金。"),
    S("r3", "融资信贷", "申请使用应急转贷资金",
      "因下游客户回款延迟，我公司一笔500万元银行贷款将于10天后到期，申请使用市级中小企业应急转贷资金周转，避免逾期影响征信。",
      "closed", industry="装备制造", dept="jrj", priority="urgent",
      result="已按程序完成审核，使用市应急转贷资金500万元完成转贷，银行已同步办理续贷，企业征信未受影响。"),
    S("r4", "融资信贷", "科技型企业无抵押物贷款额度低",
      "我公司为国家科技型中小企业，拥有软件著作权12项、发明专利2项，但没有厂房土地等抵押物，银行授信仅50万元，"
      "远不能满足研发投入需要，希望推荐知识产权质押等融资渠道。",
      "closed", industry="信息技术", rating=Rating.BASICALLY_SATISFIED,
      result="组织3家银行上门对接，企业以2项发明专利办理知识产权质押贷款300万元，已纳入科技型中小企业贷款风险补偿范围。",
      rating_comment="贷款办下来了，但额度比预期少，手续也比较繁琐。"),
    S("r5", "融资信贷", "农业产业化贷款贴息资金未到账",
      "我公司去年申报的农业产业化龙头企业贷款贴息资金已经公示，至今没有到账，希望了解拨付进度。",
      "auto_closed", industry="现代农业", dept="czj",
      result="经核查，贴息资金已列入本年度第二批拨付计划，市财政局已将贴息资金拨付至企业账户。"),
    S("r6", "融资信贷", "银行压缩授信额度导致资金紧张",
      "受行业周期影响，某银行计划压缩我公司授信额度3000万元。企业目前生产经营正常、按期还本付息，压贷将导致资金链紧张，请协调保持授信稳定。",
      "red", industry="煤炭及煤化工",
      notes=[("dept", "已与贷款银行晋城分行沟通，压缩授信需报省分行审批，正在跟进。"),
             ("company", "银行已开始收回部分贷款，情况紧急，请尽快协调。")]),
    S("r7", "融资信贷", "购置大型设备希望对接融资租赁",
      "公司计划购置两台大型数控龙门铣床，总价约1200万元，希望对接融资租赁机构，降低一次性资金投入。",
      "resolved", industry="装备制造",
      result="已组织两家融资租赁公司与企业对接，确定直租方案，首付比例20%，租期3年，合同已签订。"),
    S("r8", "融资信贷", "首次贷款申请被多家银行拒绝",
      "公司成立两年，经营正常，首次申请贷款用于购置冷链运输车辆，多家银行以经营流水不足为由拒绝，希望帮助对接首贷服务。",
      "in_progress", company=58,
      notes=[("dept", "已将企业需求推送至市首贷服务中心，安排两家银行本周上门对接。")]),
    S("r9", "融资信贷", "新三板挂牌辅导及扶持政策咨询",
      "公司计划明年在新三板挂牌，希望了解我市上市后备企业扶持政策，并对接券商辅导机构。",
      "assigned", industry="光机电", dept="jrj"),
    S("r10", "融资信贷", "应收账款账期长希望办理供应链融资",
      "公司对省属国有企业的应收账款约2000万元，账期长达9个月，流动资金紧张，希望通过供应链金融平台办理应收账款融资。",
      "assigned", industry="装备制造"),
    S("r11", "融资信贷", "景区淡季资金紧张申请纾困贷款",
      "景区冬季客流大幅下降，设施维护和员工工资支出压力大，申请文旅企业纾困贷款，并希望对存量贷款延期还本付息。",
      "yellow", industry="文旅康养",
      notes=[("dept", "已联系两家银行了解文旅纾困贷款产品，正在收集企业财务资料。")]),
    # ---- 用工招聘 --------------------------------------------------------------------------
    S("e1", "用工招聘", "招聘一线技工困难",
      "公司新增两条生产线，急需数控车工、焊工等一线技工约30名，在本地招聘两个月只招到6人，请求帮助对接职业院校和人力资源市场。",
      "in_progress", company=0, by="company",
      notes=[("dept", "已将企业用工需求发布至市公共就业服务平台，并联系晋城职业技术学院对接订单式培养。")]),
    S("e2", "用工招聘", "企业技术工人缺口大",
      "走访中企业反映一线技术工人缺口约30人，希望人社部门帮助对接招聘。",
      "duplicate", company=0, by="liaison", duplicate_of="e1"),
    S("e3", "用工招聘", "失业保险稳岗返还资金未到账",
      "我公司符合失业保险稳岗返还条件，系统显示审核已通过，但资金一直没有到账。",
      "closed", industry="装备制造",
      result="经核查，因企业基本账户变更导致退票，已协助企业更新账户信息并重新拨付，资金已到账。"),
    S("e4", "用工招聘", "高校毕业生就业见习补贴如何申请",
      "公司今年接收了8名高校毕业生参加就业见习，想申请见习补贴，不清楚申报流程和需要的材料。",
      "new", industry="信息技术"),
    S("e5", "用工招聘", "职工技能提升培训补贴申请",
      "公司组织120名职工参加焊工、电工技能提升培训并取得证书，申请职业技能培训补贴，提交材料后被要求多次补正。",
      "closed", industry="装备制造", rating=Rating.BASICALLY_SATISFIED,
      result="已安排专人上门一次性告知所需材料，企业完成申报，培训补贴已按人数核拨。",
      rating_comment="补贴已拨付，但前期材料要求没有一次说清楚。"),
    S("e6", "用工招聘", "引进人才落户及子女入学",
      "公司引进的3名光学工程专业硕士希望在晋城落户，并解决子女就近入学问题。",
      "resolved", company=48,
      result="已为3名人才办理落户手续，并协调市教育局将子女安排至就近学校入学。"),
    S("e7", "用工招聘", "采摘季临时用工缺口大",
      "公司种植基地进入采摘季，需要临时用工约200人，周边村庄劳动力不足，影响采收进度。",
      "closed", industry="现代农业", priority="urgent",
      result="组织乡镇劳务经纪人对接周边村庄富余劳动力，已输送季节性用工186人，采收按期完成。"),
    S("e8", "用工招聘", "社保缴费基数核定偏高",
      "社保系统中我公司的缴费基数核定高于实际申报工资总额，近三个月多缴社保费用，请核实调整。",
      "closed_late", industry="商贸物流",
      result="经核实，系企业工资申报数据导入有误，已更正缴费基数，多缴费用将在下期缴费中抵扣。",
      rating_comment="问题已解决，感谢。"),
    S("e9", "用工招聘", "申请开展职业技能等级自主评价",
      "公司希望开展焊工、钳工等职业技能等级自主评价，请求指导办理备案。",
      "in_progress", industry="装备制造"),
    # ---- 用地用房 --------------------------------------------------------------------------
    S("l1", "用地用房", "扩建项目新增工业用地手续迟迟未办",
      "公司扩建项目已与开发区签订投资协议，拟新增工业用地30亩，土地收储和出让程序迟迟未启动，影响项目按期开工。",
      "red", company=56,
      notes=[("dept", "已会同开发区核实地块规划条件，地块涉及部分农用地转用，正在组卷报批。")]),
    S("l2", "用地用房", "历史遗留厂房无法办理不动产权证",
      "公司2019年建成的厂房因规划核实手续不全，至今未办理不动产权证，影响企业抵押融资。",
      "extension_approved", industry="新材料",
      result="按照历史遗留问题处置办法，完成规划核实和竣工验收备案，不动产权证已颁发。",
      reason="涉及历史遗留问题，需补办规划核实和竣工验收手续并提交市政府专题会议研究，申请延期10个工作日。"),
    S("l3", "用地用房", "希望租赁标准化厂房扩大产能",
      "公司订单增长，拟扩大产能，希望租赁标准化厂房约3000平方米，请协调房源并落实租金优惠政策。",
      "closed", industry="光机电", dept="gxj",
      result="已协调开发区标准化厂房3000平方米，按政策前两年租金减半，企业已签订租赁合同。"),
    S("l4", "用地用房", "管线施工临时用地审批",
      "煤层气集输管线施工需要临时用地约15亩，申请办理临时用地审批手续。",
      "closed", company=41,
      result="已完成临时用地审批，批准使用期限两年，企业已缴纳土地复垦保证金。"),
    S("l5", "用地用房", "厂区新建仓库规划变更审批慢",
      "公司厂区内拟新建成品仓库，需要调整规划总平面图，规划变更申请提交一个多月尚无结果。",
      "extension_pending", industry="新材料",
      reason="规划变更需提交市规划委员会审议，本月审议会尚未召开，申请延期15个工作日。"),
    S("l6", "用地用房", "冷库烘干房设施农业用地备案",
      "公司计划建设冷库和烘干房，需要办理设施农业用地备案，乡镇不清楚办理流程。",
      "closed", company=16, rating=Rating.BASICALLY_SATISFIED,
      result="已指导企业和乡镇按设施农业用地管理规定完成备案。",
      rating_comment="备案办好了，用时比预期长。"),
    S("l7", "用地用房", "工业用地容积率调整",
      "公司拟在现有厂区内加建生产车间，需要提高容积率，不清楚向哪个部门申请。",
      "returned", company=49, wrong="zjj",
      reason="容积率调整属于规划管理事项，不在我局职责范围，建议交办市自然资源和规划局。"),
    S("l8", "用地用房", "景区配套停车场建设用地指标不足",
      "景区旅游旺季车辆拥堵，计划新建配套停车场约20亩，当地用地指标不足，请协调。",
      "assigned", industry="文旅康养"),
    # ---- 审批手续 --------------------------------------------------------------------------
    S("a1", "审批手续", "新建项目环评审批时间长",
      "公司新建年产5万吨新型耐火材料项目，环评报告书提交已一个月仍在排队，影响项目开工，希望加快审批。",
      "returned_then_closed", industry="新材料", dept="sthjj", wrong="xzspj",
      reason="该项目环评审批权限在市生态环境局，建议改派。",
      result="市生态环境局组织专家技术评审并开通绿色通道，项目环评批复已下达。"),
    S("a2", "审批手续", "车间扩建施工许可材料反复补正",
      "公司扩建车间项目已取得建设工程规划许可证，办理施工许可时被要求反复补正材料，已耽误两周。",
      "closed", industry="装备制造", dept="zjj",
      result="市住建局一次性告知所需材料并实行容缺受理，施工许可证已核发。"),
    S("a3", "审批手续", "食品生产许可证延续需尽快现场核查",
      "公司食品生产许可证将于下月到期，申请延续需要现场核查，希望尽快安排，避免停产。",
      "closed", company=19, dept="scjgj", priority="urgent",
      result="市市场监督管理局已安排现场核查，许可证延续手续办结，新证已发放。"),
    S("a4", "审批手续", "危险化学品经营许可证换证审核慢",
      "公司申请危险化学品经营许可证换证，材料已于上月提交，系统一直显示待审核。",
      "closed_late", industry="煤炭及煤化工",
      result="已完成审核并换发新证。经核查，审核延误系材料流转环节衔接不畅，已优化流程。",
      rating_comment="证已换发，希望以后审核更及时。"),
    S("a5", "审批手续", "新建项目多项审批希望并联办理",
      "公司新建光电子器件项目涉及立项、规划、环评、能评等多项审批，希望实行并联审批、容缺受理，缩短开工时间。",
      "closed", company=47,
      result="按疑难复杂事项办理，已为项目建立审批专班，实行并联审批、容缺受理，各项审批手续在一个月内全部办结。"),
    S("a6", "审批手续", "康养中心消防验收排期长",
      "公司康养中心装修工程已完工，消防验收排期较长，影响按期开业。",
      "yellow", company=7, dept="zjj",
      notes=[("dept", "已受理消防验收申请，现场检查发现两处整改项，已告知企业整改。"),
             ("company", "整改项已全部完成，请尽快安排复验。")]),
    S("a7", "审批手续", "新购起重机使用登记",
      "公司新购置两台桥式起重机，已安装调试完毕，申请办理特种设备使用登记。",
      "closed", industry="装备制造", dept="scjgj",
      result="已完成特种设备使用登记，使用登记证已发放。"),
    S("a8", "审批手续", "增值电信业务许可与执照变更互为前置",
      "公司拟增加增值电信业务，办理营业执照经营范围变更时被要求先取得许可，申请许可时又被要求先变更执照，无法办理。",
      "reopened_then_closed", industry="信息技术", rating=Rating.BASICALLY_SATISFIED,
      first_result="已告知企业增值电信业务许可和经营范围变更的办理流程。",
      reopen="只告知了流程，互为前置的问题没有解决，仍无法办理。",
      result="协调省通信管理局与市行政审批服务管理局实行容缺办理，企业已完成经营范围变更并取得增值电信业务经营许可证。",
      rating_comment="问题最终解决了，但第一次答复没有解决实际问题。"),
    S("a9", "审批手续", "排污许可证重新申领进度慢",
      "公司技改后污染物排放种类变化，需要重新申领排污许可证，提交申请已超过一个月。",
      "overdue", industry="新材料", dept="sthjj",
      notes=[("dept", "已组织技术审查，企业需补充近三个月的自行监测数据。")]),
    S("a10", "审批手续", "道路危险货物运输经营许可办理",
      "公司新购置危险货物运输车辆10台，申请道路危险货物运输经营许可。",
      "assigned_late", industry="商贸物流",
      notes=[("dispatcher", "已电话提醒承办部门尽快签收。")]),
    # ---- 政策兑现 --------------------------------------------------------------------------
    S("p1", "政策兑现", "高新技术企业奖补资金未兑现",
      "公司去年通过高新技术企业认定，按我市政策应获得一次性奖励20万元，至今未兑现。",
      "reopened_then_resolved", industry="光机电", dept="kjj",
      first_result="已核实企业符合奖励条件，奖补资金已列入拨付计划。",
      reopen="只说列入计划，资金至今仍未到账，也没有明确时间。",
      result="市科学技术局会同市财政局完成拨付，20万元奖励资金已到达企业账户。"),
    S("p2", "政策兑现", "设备更新改造补助申报咨询",
      "公司今年购置数控加工设备约600万元，想了解大规模设备更新补助政策的申报条件和时间。",
      "new", company=0, by="company"),
    S("p3", "政策兑现", "省级专精特新企业市级配套奖励未落实",
      "公司被认定为省级专精特新中小企业，按政策市级配套奖励50万元，申请已半年未落实。",
      "closed", industry="新材料",
      result="已完成审核，50万元配套奖励资金已拨付。"),
    S("p4", "政策兑现", "研发费用加计扣除项目鉴定",
      "公司申报研发费用加计扣除时，部分研发项目被提示异常，需要科技部门出具项目鉴定意见。",
      "closed", industry="信息技术", dept="kjj", rating=Rating.BASICALLY_SATISFIED,
      result="市科学技术局组织专家完成项目鉴定并出具意见，企业已完成加计扣除申报。",
      rating_comment="鉴定完成了，希望以后有更明确的办事指引。"),
    S("p5", "政策兑现", "工业稳增长奖励资金未拨付",
      "去年四季度我市出台工业稳增长奖励政策，公司已通过审核公示，奖励资金一直未拨付。",
      "extension_refused", industry="煤炭及煤化工",
      reason="奖励资金需等待市财政下达预算指标，申请延期20个工作日。",
      decision="该项资金已列入年初预算，不同意延期，请立即协调拨付。"),
    S("p6", "政策兑现", "投资协议约定的厂房租金补贴未兑现",
      "公司落户开发区时签订的投资协议约定前三年给予厂房租金补贴，目前已有两年补贴未兑现。",
      "reopened", company=52, dept="swj",
      first_result="第一年租金补贴已拨付到企业账户。",
      reopen="第二年的租金补贴仍未兑现，问题只解决了一半。",
      notes=[("dept", "正在与开发区财政分局核对第二年补贴金额。")]),
    S("p7", "政策兑现", "出口信用保险保费补贴申请",
      "公司今年出口额增长明显，投保了出口信用保险，申请保费补贴。",
      "closed", industry="光机电", dept="swj",
      result="已完成审核，保费补贴按实际缴纳保费的50%拨付。"),
    S("p8", "政策兑现", "文旅消费券补贴结算慢",
      "公司参与了今年的文旅消费券活动，已核销的消费券补贴三个月未结算。",
      "auto_closed", industry="文旅康养", dept="swj",
      result="已协调结算平台完成对账，消费券补贴已全部结算到账。"),
    S("p9", "政策兑现", "首台（套）重大技术装备奖励申请",
      "公司研制的矿用智能掘进机入选省首台（套）重大技术装备目录，申请市级奖励。",
      "in_progress", industry="装备制造",
      notes=[("dept", "已受理申请，正在组织专家评审。")]),
    S("p10", "政策兑现", "首次纳入规上工业企业奖励未兑现",
      "公司今年首次纳入规模以上工业企业统计，按政策可享受一次性奖励10万元，申请后一直没有消息。",
      "closed", industry="新材料",
      result="已审核通过，10万元奖励资金已拨付。"),
    # ---- 水电气暖 --------------------------------------------------------------------------
    S("w1", "水电气暖", "双回路供电改造",
      "公司新增生产线后用电负荷增至4000千伏安，现有单回路供电不能满足需要，且近期多次停电造成设备损坏，申请双回路供电改造。",
      "resolved", company=0, by="company",
      result="供电公司完成现场勘察和方案设计，新建10千伏第二回路线路已投运，企业实现双回路供电。"),
    S("w2", "水电气暖", "工业园区频繁停电影响生产",
      "近一个月园区已停电5次，每次停电造成生产线停产、产品报废，损失较大，请尽快排查解决。",
      "closed", company=12, priority="urgent",
      result="供电公司已排查并更换园区线路老化设备，增设自动化开关，近一个月未再发生停电。"),
    S("w3", "水电气暖", "新建厂房用电报装超时",
      "公司新建厂房申请1250千伏安用电报装，已超过承诺办理时限，影响设备调试。",
      "closed_late", industry="新材料", rating=Rating.BASICALLY_SATISFIED,
      result="已完成外线工程施工和装表接电，企业设备正常调试。",
      rating_comment="已经通电，但比承诺时间晚了。"),
    S("w4", "水电气暖", "窑炉天然气供气压力不稳",
      "公司窑炉用天然气供气压力不稳，导致产品烧成质量波动，次品率上升，请协调燃气公司解决。",
      "closed", company=28, dept="zjj",
      result="市住建局协调燃气公司对供气管线进行调压改造，供气压力已稳定。"),
    S("w5", "水电气暖", "康养项目无法接入集中供热管网",
      "公司康养项目即将投入运营，冬季供暖无法接入城市集中供热管网，供热企业称管网容量不足。",
      "overdue", company=29, dept="zjj",
      notes=[("dept", "已协调供热企业现场勘察，正在研究管网扩容方案。")]),
    S("w6", "水电气暖", "用水高峰期供水压力不足",
      "夏季用水高峰期厂区供水压力不足，影响食品加工清洗环节正常生产。",
      "closed", industry="现代农业", dept="zjj",
      result="协调供水公司新增加压泵站，厂区供水压力已满足生产需要。"),
    S("w7", "水电气暖", "峰谷分时电价计量异常",
      "公司近两个月电费明显偏高，怀疑峰谷分时电价计量异常，请供电公司核查。",
      "auto_closed", industry="装备制造",
      result="供电公司现场校验发现电能表时钟偏差，已更换电能表并退补多收电费。"),
    S("w8", "水电气暖", "矿井瓦斯抽采泵站用电增容",
      "公司矿井瓦斯抽采泵站扩能改造，需要增加用电容量800千伏安，事关安全生产，希望尽快办理。",
      "assigned", industry="煤炭及煤化工", priority="urgent"),
    S("w9", "水电气暖", "屋顶分布式光伏并网验收慢",
      "公司厂房屋顶分布式光伏项目已建成一个月，并网验收迟迟未安排。",
      "resolved", company=45,
      result="供电公司已完成并网验收，光伏项目正式并网发电。"),
    # ---- 产供销对接 ------------------------------------------------------------------------
    S("s1", "产供销对接", "新型建材产品希望进入重点工程采购",
      "公司生产的新型墙体材料已通过省级认证，希望进入我市重点工程项目采购推荐名录。",
      "closed", industry="新材料", dept="gxj",
      result="已将企业产品纳入本市重点工程项目推荐产品名录，并组织与3家建设单位对接。"),
    S("s2", "产供销对接", "黄梨丰收滞销希望对接销售渠道",
      "今年黄梨丰收，目前滞销约300吨，冷库容量有限，希望帮助对接商超和电商平台。",
      "closed", company=22, priority="urgent",
      result="市商务局组织本地商超和电商平台开展助农产销对接，已签订采购协议260吨，其余通过直播带货销售。"),
    S("s3", "产供销对接", "希望对接本地煤矿企业配件采购",
      "公司生产的采煤机配件质量达到国内同类水平，希望与本地大型煤矿企业对接，进入其供应商名录。",
      "closed", company=25,
      result="组织企业参加全市煤机装备产需对接会，已与2家煤矿企业签订供货框架协议。"),
    S("s4", "产供销对接", "申请参加广交会晋城展团",
      "公司希望参加明年春季广交会，申请加入晋城展团并了解展位补贴政策。",
      "new", industry="光机电"),
    S("s5", "产供销对接", "陶瓷原料高岭土供应紧张",
      "主要供应商因环保整改限产，陶瓷生产所需高岭土原料供应紧张，库存仅够半个月生产。",
      "resolved", company=28, dept="gxj",
      result="市工信局协调省内两家高岭土生产企业建立供货关系，原料供应已恢复正常。"),
    S("s6", "产供销对接", "希望参加跨境电商培训并对接海外仓",
      "公司计划开展跨境电商业务，希望参加跨境电商培训，并对接海外仓资源。",
      "resolved", industry="商贸物流",
      result="已安排企业参加全市跨境电商业务培训，并推荐对接两家海外仓服务商。"),
    S("s7", "产供销对接", "铁路专用线运力不足",
      "公司铁路专用线近期车皮计划满足率不足六成，大量货物积压，希望协调增加运力。",
      "assigned_late", industry="商贸物流"),
    # ---- 产学研合作 ------------------------------------------------------------------------
    S("k1", "产学研合作", "激光器散热技术难题希望对接高校",
      "公司高功率激光器散热技术遇到瓶颈，希望对接省内高校联合攻关。",
      "closed", company=51,
      result="已对接太原理工大学相关团队，双方签订联合攻关协议，并申报市级科技计划项目。"),
    S("k2", "产学研合作", "申报省级企业技术中心",
      "公司研发投入逐年增加，希望申报省级企业技术中心，请给予指导。",
      "returned_then_closed", industry="装备制造", dept="gxj", wrong="kjj",
      reason="省级企业技术中心认定由工信部门负责，建议交办市工业和信息化局。",
      result="市工信局组织专家上门指导，企业已完成省级企业技术中心申报。"),
    S("k3", "产学研合作", "碳纤维复合材料成果本地转化",
      "公司与高校合作研发的碳纤维复合材料成果希望在本地转化，申请科技成果转化资金支持。",
      "new", company=53),
    S("k4", "产学研合作", "申请设立博士后科研工作站",
      "公司希望设立博士后科研工作站，开展煤基新材料研究，请指导申报。",
      "resolved", industry="煤炭及煤化工", dept="rsj",
      result="已指导企业完成申报材料准备，推荐申报省级博士后创新实践基地。"),
    S("k5", "产学研合作", "党参标准化种植技术指导",
      "希望对接农业院校专家，开展党参标准化种植和病虫害防治技术指导。",
      "closed", company=38,
      result="已对接山西农业大学专家团队，建立技术服务站，开展现场培训3次。"),
    # ---- 其他 ------------------------------------------------------------------------------
    S("o1", "其他", "园区道路破损影响货车通行",
      "通往园区的道路约2公里严重破损，雨天积水，大货车通行困难，影响物流运输。",
      "reopened_then_closed", industry="商贸物流", dept="zjj", rating=Rating.SATISFIED,
      first_result="已对破损最严重的路段进行了修补。",
      reopen="只修补了一小段，大部分路段仍然破损，雨天依旧积水。",
      result="已将该路段纳入道路改造计划，全线铣刨重铺并完善排水设施，现已恢复通行。",
      rating_comment="道路修好了，希望以后加强日常养护。"),
    S("o2", "其他", "一个月内多个部门重复检查",
      "公司一个月内先后接到5个部门的现场检查，内容多有重复，影响正常生产，希望统筹安排。",
      "returned", industry="煤炭及煤化工", wrong="scjgj",
      reason="该诉求涉及应急管理、生态环境、市场监管等多个部门，建议由市营商环境办统筹协调。"),
    S("o3", "其他", "离职员工加班费纠纷",
      "公司一名离职员工要求支付加班费，双方协商未果，希望政府出面调解。",
      "rejected",
      reason="属于职工个人劳动争议，应通过劳动人事争议仲裁途径解决，已告知企业申请仲裁的渠道。"),
    S("o4", "其他", "合作方拖欠货款",
      "合作方拖欠我公司货款80万元，已起诉至法院，希望政府督促对方尽快付款。",
      "rejected",
      reason="该事项属于市场主体之间的合同纠纷，已进入诉讼程序，不属于涉企诉求受理范围，建议通过司法途径解决。"),
    S("o5", "其他", "反映情况",
      "有问题需要反映，请联系我。",
      "rejected",
      reason="诉求内容不明确，已电话联系企业，建议补充具体事项后重新提交。"),
    S("o6", "其他", "员工个人公积金贷款咨询",
      "公司员工咨询个人住房公积金贷款额度和办理流程。",
      "rejected",
      reason="属于个人事项咨询，不属于涉企诉求，已告知拨打住房公积金服务热线咨询。"),
]

ASSIGN_NOTES = ["", "", "请按时限办理并及时向企业反馈。", "请尽快与企业联系，核实具体情况。", "企业反映较急，请优先办理。"]
DEPT_NOTES = [
    "已签收，正在与相关单位对接核实情况。",
    "已赴企业现场调研，了解具体诉求。",
    "已召集相关单位召开协调会，研究解决方案。",
    "已电话联系企业负责人，约定上门服务时间。",
]
COMPANY_NOTES = ["已按要求补充提交相关材料。", "请问目前办理到哪一步了？", "感谢部门上门服务，期待尽快解决。"]
SATISFIED_COMMENTS = ["问题解决及时，非常满意。", "部门办事效率高，感谢！", "感谢营商环境办和承办部门的大力支持。", ""]
YELLOW_NOTICE = "该诉求已超过办理时限，现予黄牌督办，请承办部门3个工作日内办结并反馈。"
RED_NOTICE = "该诉求经黄牌督办后仍未办结，现予红牌督办，请部门主要负责人亲自督办，2个工作日内书面说明情况。"
EXTENSION_APPROVAL = "同意延期，请在新的期限内办结。"

# --------------------------------------------------------------------------------------------
# Timelines: each scenario is a list of steps in working days, placed so the last is before today
# --------------------------------------------------------------------------------------------


@dataclass
class Step:
    action: str
    gap: int = 0  # working days after the previous step (0: the same day, a little later)
    after_due: int | None = None  # or: this many working days after (before, if negative) the due date
    kw: dict = field(default_factory=dict)


@dataclass
class Plan:
    story: Story
    start_ago: int = 0  # working days before today on which the ticket is submitted
    steps: list = field(default_factory=list)
    submitted_at: datetime.datetime | None = None
    historic: bool = False  # finished: placed anywhere in the past ten months
    earliest_start: int = 0
    side: list = field(default_factory=list)  # the co-handling and contact steps between these (demo_cohandling.Side)

    def then(self, action, gap=0, after_due=None, **kw):
        self.steps.append(Step(action, gap, after_due, kw))
        return self

    @property
    def span(self):
        return sum(step.gap for step in self.steps)


def _handle(plan, rng, sla, *, late=False, dept=None, notes=()):
    """assign → sign → progress notes → resolve, within the resolution time unless `late`.

    Gaps are counted so the resolution falls on or before the due date (or after it, if late)."""
    response_days, resolution_days = sla
    plan.then("assign", rng.randint(0, 1), dept=dept)
    sign = rng.randint(0, response_days)
    plan.then("sign", sign)
    total = resolution_days + rng.randint(2, 6) if late else rng.randint(max(2, resolution_days // 3), resolution_days)
    remaining = max(1, total - sign)
    for who, text in notes:
        if remaining < 2:
            break
        gap = rng.randint(1, min(3, remaining - 1))
        plan.then("comment", gap, who=who, text=text)
        remaining -= gap
    plan.then("resolve", remaining)


def _sign_and_notes(plan, rng, sla, notes, budget):
    """sign and progress notes using at most `budget` working days after the assignment."""
    sign = min(rng.randint(0, sla[0]), max(0, budget - 1))
    plan.then("sign", sign)
    budget -= sign
    for who, text in notes:
        gap = min(rng.randint(1, 3), max(0, budget - 1))
        plan.then("comment", gap, who=who, text=text)
        budget -= gap


def _closing(plan, rng, story):
    if story.scenario == "auto_closed":
        plan.then("auto_close", settings.AUTO_CLOSE_AFTER_WORKING_DAYS)
    else:
        plan.then("confirm", rng.randint(1, 4), rating=story.rating)


def _place_in_history(plan, rng, earliest_start=None):
    """A finished ticket: submitted some time in the past ten months (spread evenly over them by
    `spread_over_history`), ending at least three working days ago."""
    plan.historic = True
    plan.earliest_start = earliest_start or plan.span + 3


def spread_over_history(plans, rng):
    """Give the finished tickets submission dates spread evenly over the past ten months, so every
    month of the leadership report has some."""
    plans = list(plans)
    rng.shuffle(plans)
    slot = (HISTORY_WORKING_DAYS - 15) / len(plans)
    for i, plan in enumerate(plans):
        target = HISTORY_WORKING_DAYS - int((i + rng.random()) * slot)
        plan.start_ago = max(target, plan.earliest_start)


def plan_story(story, rng, sla, dept_notes):
    """The steps after submission and where they sit in time, for one story."""
    plan = Plan(story)
    response_days, resolution_days = sla
    scenario = story.scenario
    notes = story.notes
    if not notes:
        notes = [("dept", rng.choice(dept_notes))] if rng.random() < 0.5 else []
        if rng.random() < 0.25:
            notes.append(("company", rng.choice(COMPANY_NOTES)))

    if scenario in ("closed", "auto_closed", "closed_late"):
        _handle(plan, rng, sla, late=scenario == "closed_late", notes=notes)
        _closing(plan, rng, story)
        _place_in_history(plan, rng)
    elif scenario == "returned_then_closed":
        plan.then("assign", rng.randint(0, 1), dept=story.wrong)
        plan.then("return", rng.randint(0, 1), reason=story.reason)
        _handle(plan, rng, sla, notes=notes)
        _closing(plan, rng, story)
        _place_in_history(plan, rng)
    elif scenario == "reopened_then_closed":
        _handle(plan, rng, sla)
        plan.steps[-1].kw["result"] = story.first_result
        plan.then("reopen", rng.randint(1, 3))
        plan.then("comment", rng.randint(1, 2), who="dept", text=rng.choice(dept_notes))
        plan.then("resolve", rng.randint(2, 5))
        _closing(plan, rng, story)
        _place_in_history(plan, rng)
    elif scenario == "extension_approved":
        plan.then("assign", rng.randint(0, 1))
        plan.then("sign", 1)
        plan.then("comment", 3, who="dept", text=rng.choice(dept_notes))
        plan.then("extension", after_due=-2, days=10, reason=story.reason)
        plan.then("decide", 1, approve=True, note=EXTENSION_APPROVAL)
        plan.then("resolve", after_due=-5)  # after the original due date, within the extended one
        plan.then("confirm", rng.randint(1, 3), rating=story.rating)
        # span ignores the steps placed by due date: leave room for the resolution time and the extension
        _place_in_history(plan, rng, earliest_start=resolution_days + 20)
    elif scenario == "resolved":
        _handle(plan, rng, sla, notes=notes)
        plan.start_ago = plan.span + rng.randint(1, settings.AUTO_CLOSE_AFTER_WORKING_DAYS - 2)
    elif scenario == "reopened_then_resolved":
        _handle(plan, rng, sla)
        plan.steps[-1].kw["result"] = story.first_result
        plan.then("reopen", rng.randint(1, 2))
        plan.then("comment", 1, who="dept", text=rng.choice(dept_notes))
        plan.then("resolve", rng.randint(2, 4))
        plan.start_ago = plan.span + rng.randint(1, 3)
    elif scenario == "reopened":
        _handle(plan, rng, sla)
        plan.steps[-1].kw["result"] = story.first_result
        plan.then("reopen", 3)
        for who, text in story.notes:
            plan.then("comment", 2, who=who, text=text)
        plan.start_ago = plan.span + rng.randint(1, 3)
    elif scenario == "in_progress":
        # assigned `held` working days ago, due in the future
        longest = max(1, resolution_days - 2)
        held = rng.randint(min(3, longest), longest)
        assign_gap = rng.randint(0, 1)
        plan.then("assign", assign_gap)
        _sign_and_notes(plan, rng, sla, notes, held - 1)
        plan.start_ago = assign_gap + held
    elif scenario in ("overdue", "yellow", "red", "extension_refused"):
        # Working days overdue, as the sweep would see them: below the red-card threshold for the
        # ones that stay yellow (the sweep cards every overdue ticket yellow and raises it to red
        # at SUPERVISION_RED_AFTER_WORKING_DAYS), so the first sweep keeps the story as told.
        below_red = settings.SUPERVISION_RED_AFTER_WORKING_DAYS - 1
        overdue_by = {"overdue": (1, below_red), "yellow": (3, below_red), "red": (15, 22), "extension_refused": (3, below_red)}[scenario]
        overdue_by = rng.randint(*overdue_by)
        assign_gap = rng.randint(0, 1)
        plan.then("assign", assign_gap)
        _sign_and_notes(plan, rng, sla, notes, resolution_days - 2)
        if scenario == "extension_refused":
            plan.then("extension", after_due=-1, days=20, reason=story.reason)
            plan.then("decide", 1, approve=False, note=story.decision)
        if scenario in ("yellow", "red", "extension_refused"):
            plan.then("supervise", after_due=2, level=SupervisionLevel.YELLOW, notice=YELLOW_NOTICE)
        if scenario == "red":
            plan.then("comment", after_due=5, who="dept", text="正在协调解决，争取尽快办结。")
            plan.then("supervise", after_due=overdue_by - 3, level=SupervisionLevel.RED, notice=RED_NOTICE)
        plan.start_ago = assign_gap + resolution_days + overdue_by
    elif scenario == "extension_pending":
        held = max(4, resolution_days - 3)  # due in three working days (with the demo's service levels)
        assign_gap = rng.randint(0, 1)
        plan.then("assign", assign_gap)
        plan.then("sign", 1)
        plan.then("comment", 2, who="dept", text=rng.choice(dept_notes))
        plan.then("extension", held - 4, days=15, reason=story.reason)
        plan.start_ago = assign_gap + held  # the request was made yesterday
    elif scenario in ("assigned", "assigned_late"):
        assign_gap = rng.randint(0, 1)
        plan.then("assign", assign_gap)
        if scenario == "assigned":
            held = rng.randint(1, response_days)  # the response date is today or later
        else:
            held = response_days + rng.randint(2, 5)
        for who, text in story.notes:
            plan.then("comment", held - 1, who=who, text=text)
        plan.start_ago = assign_gap + held
    elif scenario == "new":
        if rng.random() < 0.5:
            plan.then("comment", 0, who="company", text="补充说明：相关材料已准备好，可随时提供。")
        plan.start_ago = rng.randint(1, 3)
    elif scenario == "returned":
        plan.then("assign", rng.randint(0, 1), dept=story.wrong)
        plan.then("return", rng.randint(0, 1), reason=story.reason)
        plan.start_ago = plan.span + rng.randint(1, 2)
    elif scenario == "rejected":
        plan.then("reject", rng.randint(0, 1), reason=story.reason)
        _place_in_history(plan, rng)
    elif scenario == "duplicate":
        plan.then("reject", 0)  # its reason names the original; the start is set once that is planned
    else:  # pragma: no cover - a typo in STORIES
        raise ValueError(f"unknown scenario {scenario!r}")
    return plan


# --------------------------------------------------------------------------------------------
# Building
# --------------------------------------------------------------------------------------------


class _OncePerMessage(logging.Filter):
    """Lets each distinct log message through once (the calendar warns on every date sum)."""

    def __init__(self):
        super().__init__()
        self.seen = set()

    def filter(self, record):
        message = record.getMessage()
        if message in self.seen:
            return False
        self.seen.add(message)
        return True


@contextmanager
def _quiet_calendar_warnings():
    logger = logging.getLogger(workdays.__name__)
    once = _OncePerMessage()
    logger.addFilter(once)
    try:
        yield
    finally:
        logger.removeFilter(once)


@dataclass
class Summary:
    districts: int = 0
    industries: int = 0
    departments: int = 0
    categories: int = 0
    enterprises: int = 0
    users: int = 0
    tickets: int = 0
    by_status: dict = field(default_factory=dict)


UNREAD_HISTORY = datetime.timedelta(days=3)


def build(now=None):
    """Create the whole demo data set in one transaction; returns a Summary."""
    now = now or timezone.now()
    # The demo's history is shown in the app; its notifications are not e-mailed. Its people and
    # reference data are a setting-up, not an administrator's changes: the audit trail
    # (config/audit.py) records none of them, and the load does not write a row for each.
    with _quiet_calendar_warnings(), notifications.emails_suppressed(), disable_auditlog(), transaction.atomic():
        summary = _Builder(now).run()
        # People read their messages as the months went by: only the last few days' are unread.
        Notification.objects.filter(created_at__lt=now - UNREAD_HISTORY).update(read_at=F("created_at"))
        return summary


class _Builder(cohandling.CoHandlingActions, outcomes.RatingReviewActions):
    def __init__(self, now):
        self.now = now
        self.today = timezone.localdate(now)
        self.tz = timezone.get_current_timezone()
        self.rng = random.Random(2025)
        self.password = make_password(DEMO_PASSWORD)  # hashed once: every demo login shares it
        span = datetime.timedelta(days=HISTORY_WORKING_DAYS * 2 + 120)
        self.calendar = workdays.Calendar(self.today - span, self.today + datetime.timedelta(days=200))
        self.last_day = self.shift(self.today, -1)  # nothing happens today or later

    # ----- dates ------------------------------------------------------------------------------

    def shift(self, day, working_days):
        """`working_days` working days after `day` (before it if negative); 0 is `day` itself."""
        step = 1 if working_days >= 0 else -1
        remaining = abs(working_days)
        while remaining:
            day += datetime.timedelta(days=step)
            if self.calendar.is_working_day(day):
                remaining -= 1
        return day

    def moment(self, day, previous, *, earliest=(8, 30), minutes=450):
        """A time on `day` during office hours, after `previous` if that is the same day."""
        if previous is not None and timezone.localtime(previous).date() == day:
            at = previous + datetime.timedelta(minutes=self.rng.randint(10, 90))
            if timezone.localtime(at).hour >= 18:  # late in the day: right after the previous step
                at = previous + datetime.timedelta(minutes=self.rng.randint(1, 5))
            return at
        start = datetime.datetime.combine(day, datetime.time(*earliest))
        return timezone.make_aware(start + datetime.timedelta(minutes=self.rng.randint(0, minutes)), self.tz)

    # ----- people and reference data -------------------------------------------------------

    def user(self, username, role, display_name, **fields):
        fields.setdefault("email", f"{username}@demo.jincheng.example")
        user = User(username=username, role=role, display_name=display_name, password=self.password, **fields)
        user.save()
        return user

    def run(self):
        summary = Summary()
        self.districts = {}
        for order, (name, _code) in enumerate(DISTRICTS, 1):
            self.districts[name], _ = District.objects.get_or_create(name=name, defaults={"sort_order": order})
        self.industries = {}
        for order, name in enumerate(INDUSTRIES, 1):
            self.industries[name], _ = Industry.objects.get_or_create(name=name, defaults={"sort_order": order})
        self.departments, self.dept_users = {}, {}
        for order, (short, name, abbr, phone) in enumerate(DEPARTMENTS, 1):
            department, _ = Department.objects.get_or_create(
                name=name, defaults={"sort_order": order, "phone": phone, "email": f"{short}@demo.jincheng.example"}
            )
            self.departments[short] = department
            surname = SURNAMES[(order * 7) % len(SURNAMES)]
            self.dept_users[department.pk] = self.user(
                department_username(short),
                User.Role.DEPARTMENT,
                f"{abbr} 经办人{surname}",
                department=department,
                phone=self.mobile(),
            )
        self.categories = {}
        DeadlineProfile.objects.get_or_create(category=None, priority="", defaults=_profile_fields(CITY_PROFILE))
        for order, (name, description, short, profile) in enumerate(CATEGORIES, 1):
            self.categories[name], _ = Category.objects.get_or_create(
                name=name,
                defaults={"description": description, "default_department": self.departments.get(short), "sort_order": order},
            )
            if profile:
                DeadlineProfile.objects.get_or_create(category=self.categories[name], priority="", defaults=_profile_fields(profile))
        for name, profile in URGENT_SLAS:
            DeadlineProfile.objects.get_or_create(category=self.categories[name], priority="urgent", defaults=_profile_fields(profile))
        for name, shorts in CO_HANDLERS:
            self.categories[name].co_departments.add(*(self.departments[short] for short in shorts))
        self.dispatcher = self.user("dispatcher", User.Role.DISPATCHER, "市营商环境办 交办员赵")
        self.supervisor = self.user("supervisor", User.Role.SUPERVISOR, "市委督查室 督办员杨")
        self.user("leader", User.Role.LEADER, "市领导")
        self.user("admin", User.Role.ADMIN, "系统管理员", is_staff=True, is_superuser=True)
        two_factor_admin = self.user(TWO_FACTOR_USERNAME, User.Role.ADMIN, "系统管理员（双重验证）", is_staff=True, is_superuser=True)
        demo_app(two_factor_admin).save()
        self.make_companies()
        demo_channels.add_addresses()  # before the stories write their notifications
        self.make_tickets()
        demo_returns.add_examples(self)
        demo_calls.add_calls(self)  # after the stories: calls on their resolved and closed tickets
        demo_visits.add_visits(self)  # liaison visits, the quota, problems raised on visits (last: their tickets are the newest)
        demo_assessment.add_assessment(self)  # last: the frozen months read the whole history

        summary.districts = len(self.districts)
        summary.industries = len(self.industries)
        summary.departments = len(self.departments)
        summary.categories = len(self.categories)
        summary.enterprises = len(self.companies)
        summary.users = User.objects.count()
        summary.tickets = Ticket.objects.count()
        for status in Ticket.objects.values_list("status", flat=True):
            summary.by_status[status] = summary.by_status.get(status, 0) + 1
        return summary

    def mobile(self):
        return "1" + self.rng.choice(["35", "39", "52", "58", "87", "38"]) + "".join(self.rng.choice("0123456789") for _ in range(8))

    def make_companies(self):
        rng = self.rng
        divisions = dict(DISTRICTS)
        codes = set()
        self.companies, self.company_users = [], []
        for index, (name, short, district, industry, size) in enumerate(COMPANIES):
            code = credit_code(rng, divisions[district])
            while code in codes:
                code = credit_code(rng, divisions[district])
            codes.add(code)
            surname = "王" if index == 0 else rng.choice(SURNAMES)
            contact = surname + rng.choice(GIVEN_NAMES)
            prefix, places = ADDRESSES[district]
            place = rng.choice(places)
            if place.endswith(("街", "路")):
                address = f"{prefix}{place}{rng.randint(1, 399)}号"
            elif place.endswith("园"):
                address = f"{prefix}{place}{rng.randint(1, 60)}号"
            else:
                address = f"{prefix}{place}工业园区{rng.randint(1, 60)}号"
            enterprise = Enterprise(
                name=name,
                credit_code=code,
                industry=self.industries[industry],
                district=self.districts[district],
                size=size,
                address=address,
                contact_name=contact,
                contact_phone=f"0356-{rng.randint(2, 8)}{rng.randint(0, 999999):06d}",
                contact_email=f"contact{index + 1:02d}@demo.jincheng.example",
            )
            enterprise.full_clean()
            enterprise.save()
            self.companies.append(enterprise)
            self.company_users.append(
                self.user(
                    company_username(index),
                    User.Role.COMPANY,
                    f"{short} {surname}经理",
                    enterprise=enterprise,
                    phone=self.mobile(),
                )
            )
        self.liaison_of = {}
        start = 0
        for index, (display, load) in enumerate(zip(LIAISON_NAMES, LIAISON_LOADS, strict=True)):
            liaison = self.user(liaison_username(index), User.Role.LIAISON, f"包联干部 {display}", phone=self.mobile())
            for enterprise in self.companies[start : start + load]:
                enterprise.liaisons.add(liaison)
                self.liaison_of[enterprise.pk] = liaison
            start += load
        assert start == len(self.companies)

    # ----- tickets -------------------------------------------------------------------------------

    def pick_company(self, story, load):
        if story.company is not None:
            index = story.company
        else:
            candidates = [i for i, c in enumerate(COMPANIES) if story.industry in (None, c[3])]
            fewest = min(load[i] for i in candidates)
            index = self.rng.choice([i for i in candidates if load[i] == fewest])
        load[index] += 1
        return self.companies[index]

    def make_tickets(self):
        rng = self.rng
        load = [0] * len(COMPANIES)
        plans, profiles = {}, {}
        for story in STORIES:
            category = self.categories[story.category]
            profile = profiles[story.key] = category.deadlines(story.priority)
            plan = plan_story(story, rng, (profile.response_days, self.resolution_days(story, profile)), DEPT_NOTES)
            plan.enterprise = self.pick_company(story, load)
            plan.category = category
            plan.by = story.by or rng.choices(["company", "liaison", "hotline"], weights=[70, 22, 8])[0]
            plans[story.key] = plan
        spread_over_history([plan for plan in plans.values() if plan.historic], rng)
        for plan in plans.values():
            if plan.story.duplicate_of:
                original = plans[plan.story.duplicate_of]
                plan.start_ago = max(1, original.start_ago - rng.randint(2, 3))
        co_rng = random.Random(2026)  # the co-handling's own: the stories' timelines stay as they were without it
        for plan in plans.values():
            profile = profiles[plan.story.key]
            plan.side = cohandling.side_steps(plan, co_rng, profile, self.resolution_days(plan.story, profile))
            plan.side = outcomes.with_review_steps(plan, self.resolution_days(plan.story, profile))
            submit_day = self.shift(self.today, -plan.start_ago)
            plan.submitted_at = self.moment(submit_day, None, earliest=(8, 0), minutes=540)
        self.tickets = {}
        # Submitted in date order, so reference numbers follow the submission dates.
        for plan in sorted(plans.values(), key=lambda p: p.submitted_at):
            self.tickets[plan.story.key] = self.play(plan)

    @staticmethod
    def resolution_days(story, profile):
        handling = cohandling.COHANDLED.get(story.key)
        return profile.resolution_days_for(handling is not None and handling.is_complex)

    def company_side(self, plan):
        """Who speaks for the company on this ticket: the liaison if the liaison raised it."""
        if plan.by == "liaison":
            return self.liaison_of[plan.enterprise.pk]
        return self.company_users[self.companies.index(plan.enterprise)]

    def play(self, plan):
        story = plan.story
        at = plan.submitted_at
        if plan.by == "hotline":  # a call to the hotline, entered by the dispatch office
            by, channel = self.dispatcher, "hotline"
        else:
            by, channel = self.company_side(plan), "liaison" if plan.by == "liaison" else "web"
        ticket = services.ticket_submit(
            by=by,
            enterprise=plan.enterprise,
            category=plan.category,
            title=story.title,
            description=story.description,
            priority=story.priority,
            channel=channel,
            at=at,
        )
        day = submitted_on = timezone.localtime(at).date()
        side = [(self.shift(submitted_on, s.day), s) for s in plan.side]  # in the order they happen
        for index, step in enumerate(plan.steps):
            if step.after_due is not None:
                day = max(day, self.shift(ticket.due_date, step.after_due))
            else:
                day = self.shift(day, step.gap)
            day = min(day, self.last_day)
            ticket, at = self.play_side(ticket, plan, side, index, day, at)
            at = self.moment(day, at)
            assert at < self.now, (story.key, step.action, at)
            ticket = getattr(self, f"do_{step.action}")(ticket, plan, at, **step.kw) or ticket
        ticket, at = self.play_side(ticket, plan, side, len(plan.steps), self.last_day, at)
        assert not side, (story.key, side)
        return ticket

    def play_side(self, ticket, plan, side, index, day, at):
        """Run the side steps (co-handling, contacts) that come before the story's step `index`,
        on `day`: those after an earlier step, due on or before `day`."""
        for entry in list(side):
            on, step = entry
            if step.after < index and on <= day:
                at = self.moment(on, at)
                getattr(self, f"do_{step.action}")(ticket, plan, at, **step.kw)
                ticket.refresh_from_db()
                side.remove(entry)
        return ticket, at

    def holder(self, ticket):
        return self.dept_users[ticket.department_id]

    def do_assign(self, ticket, plan, at, dept=None, co=(), is_complex=False):
        story = plan.story
        short = dept or story.dept
        department = self.departments[short] if short else plan.category.default_department
        note = self.rng.choice(ASSIGN_NOTES)
        co_departments = [self.departments[code] for code in co]
        if co_departments:
            abbreviations = {name: abbr for _short, name, abbr, _phone in DEPARTMENTS}
            note = cohandling.co_note(abbreviations[department.name], [abbreviations[d.name] for d in co_departments])
        return services.ticket_assign(
            ticket=ticket, by=self.dispatcher, department=department, note=note, co_departments=co_departments, is_complex=is_complex, at=at
        )

    def do_sign(self, ticket, plan, at):
        return services.ticket_sign(ticket=ticket, by=self.holder(ticket), at=at)

    def do_return(self, ticket, plan, at, reason):
        """退单审核 (DESIGN.md §9): the department asks, suggesting the category's department;
        dispatch upholds at once."""
        suggested = plan.category.default_department
        request = services.return_request_file(
            ticket=ticket, by=self.holder(ticket), reason=reason, at=at,
            suggested_department=suggested if suggested is not None and suggested.pk != ticket.department_id else None,
        )  # fmt: skip
        services.return_request_decide(request=request, by=self.dispatcher, uphold=True, at=at)
        return Ticket.objects.get(pk=ticket.pk)

    def do_comment(self, ticket, plan, at, who, text):
        by = {"dept": lambda: self.holder(ticket), "company": lambda: self.company_side(plan), "dispatcher": lambda: self.dispatcher}[who]()
        services.ticket_comment(ticket=ticket, by=by, text=text, at=at)

    def do_resolve(self, ticket, plan, at, result=None, override=""):
        kind, outcome_result = self.resolve_outcome(plan, at)
        result = result or outcome_result or plan.story.result
        return services.ticket_resolve(ticket=ticket, by=self.holder(ticket), result=result, override_reason=override, at=at, **kind)

    def do_confirm(self, ticket, plan, at, rating):
        comment = plan.story.rating_comment
        if comment is None:
            comment = self.rng.choice(SATISFIED_COMMENTS)
        return services.ticket_confirm(ticket=ticket, by=self.company_side(plan), rating=rating, comment=comment, at=at)

    def do_reopen(self, ticket, plan, at):
        return services.ticket_reopen(ticket=ticket, by=self.company_side(plan), comment=plan.story.reopen, at=at)

    def do_auto_close(self, ticket, plan, at):
        return services.ticket_auto_close(ticket=ticket, at=at, working_days=settings.AUTO_CLOSE_AFTER_WORKING_DAYS)

    def do_reject(self, ticket, plan, at, reason=None):
        duplicate_of = None
        if plan.story.duplicate_of:
            duplicate_of = self.tickets[plan.story.duplicate_of]
            duplicate_of.refresh_from_db()
            department = duplicate_of.department.name if duplicate_of.department else "承办部门"
            reason = f"与诉求{duplicate_of.reference}反映的是同一事项，该诉求已交办{department}办理，请关注原诉求的办理进度。"
        return services.ticket_reject(ticket=ticket, by=self.dispatcher, reason=reason, duplicate_of=duplicate_of, at=at)

    def do_supervise(self, ticket, plan, at, level, notice):
        return services.ticket_raise_supervision(ticket=ticket, by=self.supervisor, level=level, notice=notice, at=at)

    def do_extension(self, ticket, plan, at, days, reason):
        services.extension_request(
            ticket=ticket, by=self.holder(ticket), requested_due_date=self.shift(ticket.due_date, days), reason=reason, at=at
        )

    def do_decide(self, ticket, plan, at, approve, note):
        request = ticket.extension_requests.exclude(assignment__role=AssignmentRole.CO).get(state=ExtensionRequest.State.PENDING)
        services.extension_decide(request=request, by=self.dispatcher, approve=approve, note=note, at=at)
        ticket.refresh_from_db()
        return ticket


# --------------------------------------------------------------------------------------------
# The login table
# --------------------------------------------------------------------------------------------


def _width(text):
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text, width):
    return text + " " * (width - _width(text))


def login_table():
    """The demo logins as lines of text, columns aligned for a terminal (CJK is two columns wide)."""
    header = ("角色", "用户名", "密码", "能看到和能做的")
    rows = [(role, username, DEMO_PASSWORD, sees) for role, username, sees in LOGINS]
    widths = [max(_width(row[i]) for row in [header, *rows]) for i in range(3)]
    lines = []
    for row in [header, *rows]:
        lines.append("  ".join(_pad(cell, widths[i]) for i, cell in enumerate(row[:3])) + "  " + row[3])
        if row is header:
            lines.append("  ".join("-" * w for w in widths) + "  " + "-" * _width(header[3]))
    others = "、".join(f"{department_username(short)}（{name}）" for short, name, *_ in DEPARTMENTS if short != "fgw")
    lines.append("")
    lines.append(f"其他承办部门账号（密码相同）：{others}")
    co_handled = Counter(co.dept for handling in cohandling.COHANDLED.values() for co in handling.co)
    abbreviations = {short: abbr for short, _name, abbr, _phone in DEPARTMENTS}
    co_logins = "、".join(f"{department_username(short)}（{abbreviations[short]}，{n}件）" for short, n in co_handled.most_common())
    lines.append(f"协办诉求（主办部门牵头、协办部门签收并反馈协办意见）：{co_logins}。")
    lines.append(
        "月度考核：最近三个整月已冻结并发布通报（最早一个月另有更正版），leader 等在 /assessment/ 查看排名和红黑榜，"
        "各部门看本部门一行；公开页面 /public/monthly/ 无需登录。"
    )
    lines.append(
        f"每家企业另有一个企业账号 {company_username(1)}–{company_username(len(COMPANIES) - 1)}，"
        f"包联干部 {liaison_username(1)}–{liaison_username(len(LIAISON_NAMES) - 1)}（密码相同）。"
    )
    lines.append("")
    lines.append(f"双重验证：{TWO_FACTOR_USERNAME} 的身份验证器密钥 {TWO_FACTOR_SECRET}（基于时间，6 位，30 秒），")
    lines.append(f"  或把这个地址做成二维码扫描：{demo_app(User(username=TWO_FACTOR_USERNAME)).config_url}")
    return lines
