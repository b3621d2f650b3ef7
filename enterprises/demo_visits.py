"""Liaison work (包联, DESIGN.md §12) in the demo data set: the city's visit quota, a backdated
log of visits, and problems raised on visits.

After enterprises.demo has played its stories: the city's quota (one visit per company and
quarter, from the start of last year); last quarter, every liaison visited most of their
companies; this quarter, about half of them so far, so that the ledgers and the overview show
companies behind quota (the demo login `liaison` among them). Yesterday afternoon, after every
story's submission (reference numbers follow the submission dates), two visits raised problems:
the demo login `liaison` at the demo company (two tickets on its behalf, channel liaison, linked
to the visit, waiting for dispatch) and another liaison at one of theirs (one ticket). Everything
goes through tickets.services.visit_record.
"""

import datetime

from django.utils import timezone

from enterprises.models import User
from tickets import services
from tickets.models import VisitQuota, quarter_of

PEOPLE = ["王经理", "总经理 李建国", "财务 张会计", "办公室 赵主任", "生产副总 刘工", "董事长 陈总"]
DISCUSSIONS = [
    "了解企业一季度生产经营情况，订单饱满，用工基本稳定。宣讲了稳岗补贴和技改贴息政策。",
    "走访企业新建生产线，企业介绍了设备安装进度，暂无需要协调的问题。",
    "座谈了解企业融资需求，介绍了“晋企贷”等金融产品，企业表示将进一步对接。",
    "了解企业用电、用气保障情况，企业反映今冬供气稳定。",
    "宣讲减税降费政策，了解企业研发投入情况，鼓励申报高新技术企业。",
    "了解企业安全生产和环保整改进展，企业已完成整改。",
]
# (liaison login, company index in the liaison's list, people met, discussion, problems: (category, title, description))
PROBLEM_VISITS = [
    (
        "liaison",
        0,
        "总经理 李建国、财务 张会计",
        "走访企业，了解新厂房建设和技改项目进展。企业反映两个问题，现场登记为诉求代为提交。",
        [
            ("水电气暖", "新厂房用电报装两个月未通电", "企业4月提交新厂房用电报装申请，至今未安排施工接电，影响设备调试。"),
            ("融资信贷", "技改项目贴息资金尚未拨付", "企业去年技改项目已通过验收，市级贴息资金至今未拨付，请协调财政部门。"),
        ],
    ),
    (
        "liaison2",
        1,
        "办公室 赵主任",
        "走访企业了解用工情况，企业反映招工难。",
        [("用工招聘", "熟练技工招聘困难", "企业扩产需要焊工、电工30名，多次招聘未果，希望人社部门组织专场招聘。")],
    ),
]


def add_visits(builder):
    """Record the demo's visits through the services (builder: enterprises.demo._Builder)."""
    rng = builder.rng
    VisitQuota.objects.create(
        valid_from=datetime.date(builder.today.year - 1, 1, 1), visits_per_quarter=1, note="市包联工作制度：每家企业每季度至少走访一次"
    )
    start, _end = quarter_of(builder.today)
    previous_start, _previous_end = quarter_of(start - datetime.timedelta(days=1))
    liaisons = list(User.objects.filter(role=User.Role.LIAISON).order_by("username"))
    for liaison in liaisons:
        companies = list(liaison.liaison_enterprises.order_by("pk"))
        for index, company in enumerate(companies):
            if rng.random() < 0.85:  # last quarter: most companies
                _visit(builder, liaison, company, _working_day_between(builder, previous_start, start - datetime.timedelta(days=1)))
            # This quarter: about half so far, never the first (the problem visit's) nor the demo company.
            if index >= 2 and index % 2 == 0 and start <= builder.last_day:
                _visit(builder, liaison, company, _working_day_between(builder, start, builder.last_day))
    by_login = {liaison.username: liaison for liaison in liaisons}
    for number, (login, index, people, discussion, problems) in enumerate(PROBLEM_VISITS):
        liaison = by_login[login]
        company = list(liaison.liaison_enterprises.order_by("pk"))[index]
        at = timezone.make_aware(datetime.datetime.combine(builder.last_day, datetime.time(17, 30 + 15 * number)), builder.tz)
        services.visit_record(
            by=liaison,
            enterprise=company,
            visited_on=builder.last_day,
            people_met=people,
            discussion=discussion,
            problems=[
                services.Problem(category=builder.categories[category], title=title, description=description)
                for category, title, description in problems
            ],
            at=at,
        )


def _working_day_between(builder, first, last):
    days = [first + datetime.timedelta(days=n) for n in range((last - first).days + 1)]
    working = [day for day in days if builder.calendar.is_working_day(day) and day <= builder.last_day]
    return builder.rng.choice(working or [min(last, builder.last_day)])


def _visit(builder, liaison, company, day):
    at = builder.moment(day, None, earliest=(9, 0), minutes=420)
    services.visit_record(
        by=liaison,
        enterprise=company,
        visited_on=day,
        people_met=builder.rng.choice(PEOPLE),
        discussion=builder.rng.choice(DISCUSSIONS),
        at=at,
    )
