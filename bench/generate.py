#!/usr/bin/env python
"""Benchmark data generator: a city's worth of companies and a million realistic tickets.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/qiye_bench \\
        .venv/bin/python bench/generate.py --tickets 1000000 --years 3 [--action-fraction 0.01] [--seed 1] [--reset]

It migrates the database, creates the reference data (districts, industries, ~40 departments with
their staff, categories with their deadline profiles — the city's 13710 and the demo's own —,
~20 000 companies with valid 统一社会信用代码, company users, liaison officials, dispatch /
supervision / leadership / admin logins), then simulates every ticket's life over `--years` years
up to now and bulk-loads the result with PostgreSQL COPY: tickets, their TicketEvents (6–8 a
ticket), Assignments (the lead's, with its first contact, and co-handling departments' on ~15 %
of the tickets, in every state), ExtensionRequests, and the Reminder / AssignmentReminder rows
and supervision / auto-close events the 5-minute sweep would have left behind.

State of the data at the moment of generation ("as of", stored with the data):
- the vast majority of tickets closed, a few % rejected, open tickets in the last weeks;
- `--action-fraction` of all tickets need action by the sweep right now (a backlog, as after the
  sweep was stopped for a while), spread over its kinds: due soon, assigned but unsigned past the
  response date, overdue (supervision none), long overdue (supervision none or yellow), resolved
  with no company answer for AUTO_CLOSE_AFTER_WORKING_DAYS working days; plus (STAGE_SHARES) first
  contact due soon and co-handler's feedback due soon; the backlog's unsigned tickets owe their
  first contact too, and the co-handlers of its overdue ones are often behind;
- every other open ticket is not yet due, or the sweep has claimed it already: it has nothing
  else to do.

Metadata (as-of moment, counts, the sweep report to expect, timings) is stored as the database's
COMMENT, where bench/sweep_bench.py reads it. The database must be empty (or absent): `--reset`
drops and recreates it. Product tables, indexes and triggers are used as migrations made them.

Why this is long: one script a benchmark runner copies and runs alone — the reference data, the
simulation of each ticket's life and the COPY loader belong together, and the simulation must
mirror the services step by step to stay checkable against them (`manage.py report_facts`).
"""

import argparse
import datetime
import json
import logging
import random
import sys
import time
from array import array
from bisect import bisect_left
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

UTC = datetime.UTC
LOCAL_OFFSET = 8 * 3600  # Asia/Shanghai, no daylight saving since 1991
EPOCH_ORD = datetime.date(1970, 1, 1).toordinal()
DAY = 86400
HOUR = 3600

# --------------------------------------------------------------------------------------------
# Reference data (the 13 departments and the districts, industries and categories of the demo
# data set, plus the rest of a prefecture-level city's departments)
# --------------------------------------------------------------------------------------------

EXTRA_DEPARTMENTS = [
    ("jyj", "市教育局"), ("gaj", "市公安局"), ("mzj", "市民政局"), ("sfj", "市司法局"), ("jtysj", "市交通运输局"),
    ("slj", "市水务局"), ("nyncj", "市农业农村局"), ("whlyj", "市文化和旅游局"), ("wjw", "市卫生健康委员会"),
    ("yjglj", "市应急管理局"), ("gzw", "市人民政府国有资产监督管理委员会"), ("sws", "国家税务总局晋城市税务局"),
    ("ybj", "市医疗保障局"), ("nyj", "市能源局"), ("tjj", "市统计局"), ("cgj", "市城市管理局"), ("lyj", "市林业局"),
    ("xfzd", "市消防救援支队"), ("hg", "晋城海关"), ("sjj", "市数据局"), ("gjj", "市住房公积金管理中心"),
    ("cq", "城区人民政府"), ("zzx", "泽州县人民政府"), ("gps", "高平市人民政府"), ("ycx", "阳城县人民政府"),
    ("lcx", "陵川县人民政府"), ("qsx", "沁水县人民政府"), ("kfq", "晋城经济技术开发区管理委员会"),
]
DISTRICT_GOVERNMENT = {"城区": "cq", "泽州县": "zzx", "高平市": "gps", "阳城县": "ycx", "陵川县": "lcx", "沁水县": "qsx", "开发区": "kfq"}
EXTRA_INDUSTRIES = ["医药健康", "节能环保", "建筑建材", "电子信息"]
CATEGORY_WEIGHTS = {
    "融资信贷": 18,
    "用工招聘": 14,
    "用地用房": 10,
    "审批手续": 14,
    "政策兑现": 14,
    "水电气暖": 10,
    "产供销对接": 8,
    "产学研合作": 5,
    "其他": 7,
}
BRAND_CHARS = "晋泽兴华鑫源恒泰瑞丰金宏达隆盛昌宇天润通安康宁凯锦程鼎晟汇能北方中太行凤凰古城长平炎帝阳光丹河沁水陵川高平米山巴公"
INDUSTRY_WORDS = {
    "装备制造": ["机械制造", "精密机械", "铸造", "重工机械", "数控装备", "液压设备"],
    "煤炭及煤化工": ["煤业", "煤化工", "焦化", "煤层气开发", "能源化工"],
    "新材料": ["新材料科技", "新型建材", "耐火材料", "碳纤维材料", "陶瓷"],
    "光机电": ["光电科技", "光学仪器", "激光科技", "电机", "电子科技"],
    "文旅康养": ["文化旅游开发", "康养旅游", "旅游开发", "养老服务", "酒店管理"],
    "现代农业": ["农业科技", "生态农业", "食品", "中药材种植", "菌业"],
    "商贸物流": ["商贸", "物流", "冷链物流", "电子商务", "汽车运输"],
    "信息技术": ["软件技术", "信息技术", "大数据服务", "网络科技", "智能科技"],
    "医药健康": ["医药", "生物科技", "医疗器械", "健康产业"],
    "节能环保": ["环保科技", "节能技术", "再生资源", "水处理"],
    "建筑建材": ["建筑工程", "建材", "路桥工程", "装饰工程"],
    "电子信息": ["电子", "通信技术", "半导体", "智能装备"],
}
DEPT_STAFF = 3
LIAISONS = 200
REJECT_REASONS = [
    "属于个人事项咨询，不属于涉企诉求，已告知相关服务热线。",
    "诉求内容不明确，已电话联系企业，建议补充具体事项后重新提交。",
    "该事项已进入司法程序，不属于本平台受理范围。",
    "属于企业之间的合同纠纷，建议通过协商、仲裁或诉讼途径解决。",
]
DUPLICATE_REASON = "与该企业此前提交的诉求内容重复，已合并办理。"
RETURN_REASONS = [
    "该事项不在我单位职责范围，建议改派相关主管部门。",
    "经核实，该事项属于属地管理，建议交办所在县（市、区）人民政府。",
    "涉及多个部门职责，建议由牵头部门统一办理。",
]
EXTENSION_REASONS = [
    "涉及多个部门会商，需提交市政府专题会议研究，申请延期。",
    "需等待上级部门批复，申请延期。",
    "企业补充材料尚未齐全，申请延期办理。",
]
EXTENSION_REFUSALS = ["该事项时限要求明确，请在原期限内办结。", "延期理由不充分，请加快办理。"]
GENERIC_RESULTS = [
    "已会同相关单位研究解决，办理结果已向企业当面反馈。",
    "经协调，问题已按政策规定办理完毕，企业表示认可。",
]

# Shares of the sweep backlog (--action-fraction) by kind.
ACTION_SHARES = {"due_soon": 0.20, "unsigned": 0.15, "overdue": 0.25, "long_overdue": 0.20, "auto_close": 0.20}
# On top of those, the stages before the resolution (DESIGN.md §8), as shares of the same total:
# signed tickets whose first contact is due within one working day (not contacted yet), and
# tickets whose co-handler (signed, no feedback yet) is due within one working day. The other
# stage reminders come with the backlog above: an unsigned ticket has not contacted the company
# either; the co-handlers of an overdue ticket are often late too.
STAGE_SHARES = {"contact_due_soon": 0.05, "co_due_soon": 0.05}
CO_HANDLED = 0.15  # share of tickets with co-handling departments (协办), one or two
CONTACT_NOTES = [
    ("phone", "已电话联系企业负责人，了解诉求具体情况，告知办理流程和时限。"),
    ("visit", "已上门走访企业，现场查看情况并听取企业意见。"),
    ("meeting", "已约请企业座谈，沟通办理思路，企业表示理解。"),
]
CO_FEEDBACKS = [
    "我单位已按职责研究，意见如下：符合相关政策条件，可按程序办理，请主办单位统筹推进。",
    "经核查，该事项涉及我单位的部分已办理完毕，相关材料已转主办单位。",
    "我单位同意主办单位的处理意见，将配合做好后续工作。",
]
CO_RELEASE_REASONS = ["经核实，该事项不涉及该单位职责，解除协办。", "主办单位已独立办结相关事项，无需继续协办。"]
OVERRIDE_REASONS = ["企业诉求紧急，协办单位未按期反馈，主办单位先行办结。", "问题已解决，协办单位意见不影响办理结果。"]

TICKET_COLUMNS = (
    "id", "reference", "title", "description", "priority", "channel", "contact_name", "contact_phone", "status",
    "supervision_level", "response_due_date", "due_date", "submitted_at", "first_assigned_at", "assigned_at", "signed_at",
    "first_resolved_at", "resolved_at", "closed_at", "result", "rating", "rating_comment", "reject_reason", "updated_at",
    "category_id", "department_id", "duplicate_of_id", "enterprise_id", "submitted_by_id",
    # The current facts the leadership report reads (kept by the transitions in the product).
    "last_department_id", "first_resolved_on_time", "handling_working_days", "latest_rating", "was_returned",
    "was_reopened", "signings", "signings_on_time",
    # The staged deadlines (DESIGN.md §8).
    "contact_due_date", "contacted_at", "is_complex", "lead_assignments", "contacts_on_time", "resolve_overrides",
    # Follow-up (DESIGN.md §9): closed with the company's confirmation (online here); every
    # resolution here is `solved` (its event carries no outcome, which the timeline reads as solved).
    "followed_up", "outcome", "outcome_condition", "outcome_review_date", "rating_review_upheld",
)
EVENT_COLUMNS = ("id", "kind", "from_state", "to_state", "note", "data", "created_at", "actor_id", "ticket_id")
ASSIGNMENT_COLUMNS = (
    "id", "assigned_at", "response_due_date", "due_date", "signed_at", "ended_at", "end_reason", "assigned_by_id", "department_id",
    "ticket_id", "role", "state", "first_due_date", "contact_due_date", "contacted_at", "note", "feedback", "feedback_at",
    "feedback_on_time",
)
REMINDER_COLUMNS = ("id", "kind", "level", "due_date", "created_at", "ticket_id")
ASSIGNMENT_REMINDER_COLUMNS = ("id", "kind", "due_date", "created_at", "assignment_id")
EXTENSION_COLUMNS = (
    "id", "current_due_date", "requested_due_date", "reason", "state", "decided_at", "decision_note", "created_at",
    "decided_by_id", "department_id", "requested_by_id", "ticket_id", "assignment_id",
)
USER_COLUMNS = (
    "id", "password", "last_login", "is_superuser", "username", "first_name", "last_name", "email", "is_staff", "is_active",
    "date_joined", "role", "display_name", "phone", "department_id", "enterprise_id",
)
ENTERPRISE_COLUMNS = (
    "id",
    "name",
    "credit_code",
    "size",
    "address",
    "contact_name",
    "contact_phone",
    "contact_email",
    "created_at",
    "district_id",
    "industry_id",
)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="default: $DATABASE_URL, else " + common.DEFAULT_URL)
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--years", type=float, default=3.0, help="history spread over this many years up to now")
    parser.add_argument("--action-fraction", type=float, default=0.01, help="share of tickets the sweep must act on now")
    parser.add_argument("--enterprises", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--chunk", type=int, default=50_000, help="tickets per COPY batch and transaction")
    parser.add_argument("--reset", action="store_true", help="drop and recreate the database first")
    parser.add_argument(
        "--fk-checks",
        choices=["verify", "deferred"],
        default="verify",
        help="verify (default): load with session_replication_role=replica, which skips the per-row foreign-key "
        "triggers, then check every foreign key of the loaded tables with one anti-join each; "
        "deferred: let PostgreSQL check each row at commit (slower)",
    )
    parser.add_argument("--no-vacuum", action="store_true", help="skip VACUUM ANALYZE at the end (not recommended)")
    return parser.parse_args(argv)


# --------------------------------------------------------------------------------------------
# Working days, cached: one table for the whole range instead of a query per ticket
# --------------------------------------------------------------------------------------------


class WorkCalendar:
    """Working-day arithmetic on date ordinals, precomputed once from tickets.workdays.Calendar
    (the stored official calendar, Monday–Friday for an unknown year, like the product)."""

    def __init__(self, start_o, end_o):
        from tickets import workdays

        calendar = workdays.Calendar(datetime.date.fromordinal(start_o), datetime.date.fromordinal(end_o))
        self.base = start_o
        self.end = end_o
        size = end_o - start_o + 1
        self.is_work = bytearray(size)
        self.cum = array("i", bytes(4 * size))  # working days in [start, day]
        self.wdates = array("i")  # ordinals of the working days, ascending
        count = 0
        for k in range(size):
            if calendar.is_working_day(datetime.date.fromordinal(start_o + k)):
                self.is_work[k] = 1
                count += 1
                self.wdates.append(start_o + k)
            self.cum[k] = count
        self.fallback_years = sorted(calendar.fallback_years)

    def working(self, o):
        return self.is_work[o - self.base] == 1

    def add(self, o, n):
        """workdays.add_working_days: the n-th working day after o (o itself never counts)."""
        if n <= 0:
            return o
        return self.wdates[self.cum[o - self.base] + n - 1]

    def sub(self, o, n):
        """The n-th working day before o."""
        before = self.cum[o - self.base] - self.is_work[o - self.base]
        return self.wdates[before - n]

    def between(self, a, b):
        """workdays.working_days_between: working days d with a < d <= b."""
        return self.cum[b - self.base] - self.cum[a - self.base] if b > a else 0

    def latest_with_days_until(self, today, days):
        """workdays.latest_date_with_working_days_until."""
        return self.wdates[self.cum[today - self.base] - days] - 1

    def check_against(self, workdays, rng, samples=200):
        """The cached arithmetic must agree with the product's own functions."""
        lo, hi = self.base + 40, self.end - 120
        for _ in range(samples):
            o = rng.randint(lo, hi)
            n = rng.randint(1, 25)
            day = datetime.date.fromordinal(o)
            assert workdays.add_working_days(day, n).toordinal() == self.add(o, n), (day, n)
            assert workdays.latest_date_with_working_days_until(day, n).toordinal() == self.latest_with_days_until(o, n), (day, n)
            other = o + rng.randint(0, 60)
            assert workdays.working_days_between(day, datetime.date.fromordinal(other)) == self.between(o, other)


def midnight(o):
    return (o - EPOCH_ORD) * DAY - LOCAL_OFFSET


def day_of(t):
    return (t + LOCAL_OFFSET) // DAY + EPOCH_ORD


def to_dt(t):
    return datetime.datetime.fromtimestamp(t, UTC)


_DATES = {}


def to_date(o):
    d = _DATES.get(o)
    if d is None:
        d = _DATES[o] = datetime.date.fromordinal(o)
    return d


def iso(o):
    return to_date(o).isoformat()


class TimeOrderedSink:
    """Rows that must get ids in time order (events happen in time order across tickets, not
    ticket by ticket). Rows wait here until no ticket still to come can produce an earlier one."""

    def __init__(self):
        self.pending = []
        self.seq = 0
        self.next_id = 1

    def add(self, t, row):
        self.seq += 1
        self.pending.append((t, self.seq, row))

    def flush(self, watermark):
        """Rows earlier than `watermark`, sorted, with ids."""
        self.pending.sort()
        cut = bisect_left(self.pending, (watermark,))
        ready, self.pending = self.pending[:cut], self.pending[cut:]
        start = self.next_id
        self.next_id += len(ready)
        return [(start + k, *row) for k, (_t, _s, row) in enumerate(ready)]


# --------------------------------------------------------------------------------------------
# The generator
# --------------------------------------------------------------------------------------------


class Generator:
    def __init__(self, args):
        from django.conf import settings
        from django.utils import timezone

        self.args = args
        self.rng = random.Random(args.seed)
        self.as_of = timezone.now().replace(microsecond=0)
        self.now_t = int(self.as_of.timestamp())
        self.today_o = day_of(self.now_t)
        self.start_o = self.today_o - int(round(365.25 * args.years))
        self.cal = WorkCalendar(self.start_o - 15, self.today_o + 400)
        self.settings = settings
        self.timings = {}
        self.counts = Counter()

    # ----- helpers -----------------------------------------------------------------------------

    def work_time(self, o):
        """A moment during office hours (08:30–17:30) on day o."""
        return midnight(o) + 8 * HOUR + 1800 + self.rng.randrange(0, 9 * HOUR)

    def later_same_day(self, t, lo=600, hi=3 * HOUR):
        return t + self.rng.randint(lo, hi)

    def step(self, t, previous):
        """t, but strictly after `previous`."""
        return t if t > previous + 60 else previous + self.rng.randint(300, 1800)

    def phase(self, name, started):
        self.timings[name] = round(time.perf_counter() - started, 2)
        print(f"  {name}: {common.fmt_seconds(self.timings[name])}", flush=True)

    # ----- reference data ------------------------------------------------------------------------

    def make_reference_data(self):
        from django.contrib.auth.hashers import make_password
        from django.db import connection
        from django.utils import translation

        from enterprises import demo
        from enterprises.models import Department, District, Enterprise, Industry, User
        from tickets import notifications
        from tickets.models import Category, DeadlineProfile

        started = time.perf_counter()
        rng = self.rng
        joined = to_dt(midnight(self.start_o - 30) + 9 * HOUR)

        districts = {}
        for order, (name, code) in enumerate(demo.DISTRICTS, 1):
            districts[name] = (District.objects.create(name=name, sort_order=order).pk, code)
        industries = {}
        for order, name in enumerate(demo.INDUSTRIES + EXTRA_INDUSTRIES, 1):
            industries[name] = Industry.objects.create(name=name, sort_order=order).pk
        departments = [(short, name, phone) for short, name, _abbr, phone in demo.DEPARTMENTS]
        departments += [(short, name, f"0356-2{rng.randint(100000, 999999)}") for short, name in EXTRA_DEPARTMENTS]
        self.dept_ids, self.dept_names = {}, {}
        for order, (short, name, phone) in enumerate(departments, 1):
            dept = Department.objects.create(name=name, sort_order=order, phone=phone, email=f"{short}@jcs.gov.example")
            self.dept_ids[short] = dept.pk
            self.dept_names[dept.pk] = name
        self.all_depts = list(self.dept_names)

        # Deadline profiles (DESIGN.md §8), as in the demo: the city's 13710 (sign 1, contact 1,
        # co-feedback 3, resolve 7, complex 22), a category's own, and the urgent ones.
        # (id, name, default dept id or None, {priority: (sign, contact, co-feedback, resolve, complex)})
        self.categories = []

        def profile(fields, category=None, priority=""):
            name, *days = fields
            DeadlineProfile.objects.create(
                name=name, category=category, priority=priority, response_days=days[0], contact_days=days[1],
                co_feedback_days=days[2], resolution_days=days[3], complex_resolution_days=days[4],
            )
            return tuple(days)

        city = profile(demo.CITY_PROFILE)
        urgent = dict(demo.URGENT_SLAS)
        co_handlers = dict(demo.CO_HANDLERS)
        self.usual_co = []  # per category index: the departments that usually co-handle it
        for order, (name, description, short, own) in enumerate(demo.CATEGORIES, 1):
            category = Category.objects.create(
                name=name, description=description, default_department_id=self.dept_ids.get(short), sort_order=order
            )
            usual = [self.dept_ids[code] for code in co_handlers.get(name, ())]
            if usual:
                category.co_departments.add(*usual)
            base = profile(own, category) if own else city
            sla = {"normal": base, "high": base, "urgent": profile(urgent[name], category, "urgent") if name in urgent else base}
            self.categories.append((category.pk, name, self.dept_ids.get(short), sla))
            self.usual_co.append(usual)

        # Stories: what companies ask, from the demo data set, by category.
        results_by_category = {}
        for story in demo.STORIES:
            if story.result:
                results_by_category.setdefault(story.category, []).append(story.result)
        self.stories = []  # per category index: [(title, description)]
        self.results = []  # per category index: [result]
        for _pk, name, _dept, _sla in self.categories:
            self.stories.append(
                [(s.title, s.description) for s in demo.STORIES if s.category == name and s.scenario not in ("rejected", "duplicate")]
            )
            self.results.append(results_by_category.get(name) or GENERIC_RESULTS)
        self.reopen_comments = [s.reopen for s in demo.STORIES if s.reopen]
        self.rating_comments = [s.rating_comment for s in demo.STORIES if s.rating_comment] + demo.SATISFIED_COMMENTS
        self.dept_notes = demo.DEPT_NOTES
        self.company_notes = demo.COMPANY_NOTES
        self.assign_notes = demo.ASSIGN_NOTES
        with translation.override(self.settings.LANGUAGE_CODE):
            self.note_overdue = notifications.system_note("overdue")
            self.note_long = notifications.system_note("long_overdue", days=self.settings.SUPERVISION_RED_AFTER_WORKING_DAYS)
            self.note_no_answer = notifications.system_note("no_answer")
            self.note_reopen = translation.gettext("Reopened: the company is not satisfied.")
        self.extension_approval = demo.EXTENSION_APPROVAL

        # People: everyone shares one password hash (the demo password).
        password = make_password(demo.DEMO_PASSWORD)
        users = []
        next_user = [0]

        def user(username, role, display_name, email="", department=None, enterprise=None, superuser=False, phone=""):
            next_user[0] += 1
            users.append((
                next_user[0], password, None, superuser, username, "", "", email, superuser, True, joined, role,
                display_name[:50], phone, department, enterprise,
            ))
            return next_user[0]

        def person():
            return rng.choice(demo.SURNAMES) + rng.choice(demo.GIVEN_NAMES)

        def mobile():
            return "1" + rng.choice(["35", "39", "52", "58", "87", "38"]) + "".join(rng.choice("0123456789") for _ in range(8))

        user("admin", "admin", "系统管理员", "admin@jcs.gov.example", superuser=True)
        self.dispatchers = [
            user(f"dispatcher{k or ''}", "dispatcher", f"市营商环境办 交办员{person()}", f"dispatcher{k}@jcs.gov.example") for k in range(3)
        ]
        self.supervisors = [
            user(f"supervisor{k or ''}", "supervisor", f"市委督查室 督办员{person()}", f"supervisor{k}@jcs.gov.example") for k in range(3)
        ]
        self.leaders = [user(f"leader{k or ''}", "leader", f"市领导{person()}", f"leader{k}@jcs.gov.example") for k in range(2)]
        self.staff = {}
        for short, pk in self.dept_ids.items():
            self.staff[pk] = [
                user(
                    f"dept_{short}_{k}",
                    "department",
                    f"{self.dept_names[pk][:20]} 经办人{person()}",
                    f"{short}{k}@jcs.gov.example",
                    department=pk,
                    phone=mobile(),
                )
                for k in range(1, DEPT_STAFF + 1)
            ]
        liaisons = [
            user(f"liaison{k:03d}", "liaison", f"包联干部{person()}", f"liaison{k:03d}@jcs.gov.example", phone=mobile())
            for k in range(1, LIAISONS + 1)
        ]

        # Companies, with valid credit codes, unique names and codes.
        district_names = list(districts)
        district_weights = [30, 20, 15, 12, 6, 7, 10]
        industry_names = list(industries)
        sizes, size_weights = ["large", "medium", "small", "micro"], [3, 17, 50, 30]
        codes, names = set(), set()
        enterprises = []
        self.ent_district = []
        self.company_users = []  # per enterprise index: [user id]
        self.ent_contact = []
        n_ent = self.args.enterprises
        for k in range(n_ent):
            district = rng.choices(district_names, district_weights)[0]
            industry = rng.choice(industry_names)
            prefix = {"开发区": "晋城市", "城区": "晋城市"}.get(district, district)
            for attempt in range(100):
                # Two-character brands; three once most pairs of this district and trade are taken.
                brand = "".join(rng.choice(BRAND_CHARS) for _ in range(2 if attempt < 20 else 3))
                name = f"{prefix}{brand}{rng.choice(INDUSTRY_WORDS[industry])}有限公司"
                if name not in names:
                    break
            names.add(name)
            code = demo.credit_code(rng, districts[district][1])
            while code in codes:
                code = demo.credit_code(rng, districts[district][1])
            codes.add(code)
            place_prefix, places = demo.ADDRESSES[district]
            address = f"{place_prefix}{rng.choice(places)}{rng.randint(1, 399)}号"
            contact, phone = person(), mobile()
            created = to_dt(midnight(self.start_o - rng.randint(30, 900)) + 10 * HOUR)
            enterprises.append((
                k + 1, name, code, rng.choices(sizes, size_weights)[0], address, contact, phone,
                f"contact{k + 1}@qiye{k + 1}.example" if rng.random() < 0.7 else "", created,
                districts[district][0], industries[industry],
            ))
            self.ent_district.append(district)
            self.ent_contact.append((contact, phone))
        # Company logins for 60% of the companies (a few have two), liaisons for all.
        for k in range(n_ent):
            members = []
            if rng.random() < 0.6:
                for j in range(2 if rng.random() < 0.15 else 1):
                    members.append(user(
                        f"qy{k + 1:06d}" + (f"_{j + 1}" if j else ""), "company", f"{enterprises[k][1][:40]} {person()}",
                        f"user{j + 1}@qiye{k + 1}.example" if rng.random() < 0.85 else "", enterprise=k + 1, phone=mobile(),
                    ))
            self.company_users.append(members)
        # Every company has one liaison official; each official looks after ~100 companies.
        order = list(range(n_ent))
        rng.shuffle(order)
        self.ent_liaison = [None] * n_ent
        links = []
        for position, k in enumerate(order):
            self.ent_liaison[k] = liaisons[position % LIAISONS]
            links.append((len(links) + 1, k + 1, self.ent_liaison[k]))

        raw = connection.connection
        with raw.cursor() as cursor:
            self.copy(cursor, Enterprise._meta.db_table, ENTERPRISE_COLUMNS, enterprises)
            self.copy(cursor, User._meta.db_table, USER_COLUMNS, users)
            self.copy(cursor, Enterprise.liaisons.through._meta.db_table, ("id", "enterprise_id", "user_id"), links)
        self.counts.update(
            enterprises=len(enterprises), users=len(users), departments=len(self.dept_ids), categories=len(self.categories),
            company_users=sum(len(m) for m in self.company_users), liaison_links=len(links),
        )
        self.phase("reference data", started)

    @staticmethod
    def copy(cursor, table, columns, rows):
        with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            write = copy.write_row
            for row in rows:
                write(row)

    # ----- ticket plan ------------------------------------------------------------------------

    def plan_tickets(self):
        """Submission moments, companies, categories, priorities, submitters and dispatch moments
        of all tickets; then the sweep backlog: which tickets need action now, and of what kind."""
        started = time.perf_counter()
        rng, cal, n = self.rng, self.cal, self.args.tickets
        days = list(range(self.start_o, self.today_o + 1))
        span = max(1, self.today_o - self.start_o)
        weights = []
        for o in days:
            growth = 0.75 + 0.5 * (o - self.start_o) / span
            w = (1.0 if cal.working(o) else 0.12) * growth
            if o == self.today_o:
                w *= (self.now_t - midnight(o)) / DAY
            weights.append(w)
        per_day = Counter(rng.choices(days, weights, k=n))
        sub = []
        for o in days:
            base = midnight(o)
            limit = self.now_t - 60 - base if o == self.today_o else DAY
            working = cal.working(o)
            for _ in range(per_day.get(o, 0)):
                r = rng.random()
                if working:
                    secs = (
                        rng.randint(8 * HOUR, 18 * HOUR)
                        if r < 0.8
                        else rng.randint(18 * HOUR, 22 * HOUR)
                        if r < 0.95
                        else rng.randint(6 * HOUR, 8 * HOUR)
                    )
                else:
                    secs = rng.randint(9 * HOUR, 21 * HOUR)
                if secs >= limit:
                    secs = rng.randint(0, max(0, limit - 1))
                sub.append(base + secs)
        sub.sort()
        self.sub_t = sub

        n_ent = self.args.enterprises
        ent_weights = [rng.paretovariate(1.3) for _ in range(n_ent)]
        self.ent = rng.choices(range(n_ent), ent_weights, k=n)
        cat_weights = [CATEGORY_WEIGHTS.get(name, 5) for _pk, name, _d, _s in self.categories]
        self.cat = rng.choices(range(len(self.categories)), cat_weights, k=n)
        self.pri = rng.choices(["normal", "high", "urgent"], [85, 10, 5], k=n)
        self.rejected = bytearray(n)
        self.wrong = bytearray(n)
        self.a_t = array("q", bytes(8 * n))
        for i in range(n):
            s = sub[i]
            s_o = day_of(s)
            local = s - midnight(s_o)
            if cal.working(s_o) and local < 16 * HOUR and rng.random() < 0.55:
                a = s + rng.randint(600, 3 * HOUR)
            else:
                a = self.work_time(cal.add(s_o, 1 if rng.random() < 0.9 else 2))
            self.a_t[i] = a
            r = rng.random()
            if r < 0.04:
                self.rejected[i] = 1
            elif r < 0.07:
                self.wrong[i] = 1
        self.phase("ticket plan", started)

    def sla(self, i):
        return self.categories[self.cat[i]][3][self.pri[i]]

    def plan_backlog(self):
        """Pick the tickets the sweep must act on now, by kind, among the recent ones whose
        natural schedule fits that kind (a dispatcher-set due date where too few fit)."""
        started = time.perf_counter()
        rng, cal = self.rng, self.cal
        today, soon, red_cut, close_cut = self.today_o, self.soon_o, self.red_cut_o, self.close_cut_o
        total = int(round(self.args.action_fraction * self.args.tickets))
        quota = {kind: int(round(total * share)) for kind, share in ACTION_SHARES.items()}
        quota["long_overdue"] += total - sum(quota.values())
        quota.update({kind: int(round(total * share)) for kind, share in STAGE_SHARES.items()})
        cands = {kind: [] for kind in quota}
        pool = []
        first = bisect_left(self.sub_t, midnight(today - 100))
        before_today = midnight(today)
        close_lo = close_cut - 14
        for i in range(first, self.args.tickets):
            if self.rejected[i] or self.wrong[i] or self.a_t[i] >= before_today:
                continue
            response, contact, co_feedback, resolution, _complex = self.sla(i)
            a_o = day_of(self.a_t[i])
            due = cal.add(a_o, resolution)
            resp = min(cal.add(a_o, response), due)
            pool.append(i)
            if due > soon and today <= min(cal.add(a_o, contact), due) <= soon:
                cands["contact_due_soon"].append(i)
            if due > soon and today <= min(cal.add(a_o, co_feedback), due) <= soon:
                cands["co_due_soon"].append(i)
            if today <= due <= soon:
                cands["due_soon"].append(i)
            if resp < today and due > soon:
                cands["unsigned"].append(i)
            if red_cut < due < today:
                cands["overdue"].append(i)
            if today - 60 <= due <= red_cut:
                cands["long_overdue"].append(i)
            lo, hi = max(cal.add(a_o, 1), close_lo), min(close_cut, due)
            if lo <= hi:
                cands["auto_close"].append(i)
        self.force = {}
        shortfall = {}
        for kind in ("due_soon", "overdue", "auto_close", "unsigned", "long_overdue", "contact_due_soon", "co_due_soon"):
            free = [i for i in cands[kind] if i not in self.force]
            rng.shuffle(free)
            chosen = free[: quota[kind]]
            for i in chosen:
                self.force[i] = (kind, None)
            missing = quota[kind] - len(chosen)
            if missing and kind in ("due_soon", "overdue", "long_overdue"):
                # A dispatcher-set due date (allowed by assign(due_date=…)) puts more tickets there.
                if kind == "due_soon":
                    targets = [o for o in range(today, soon + 1) if cal.working(o)]
                elif kind == "overdue":
                    targets = [o for o in range(red_cut + 1, today) if cal.working(o)]
                else:
                    targets = [o for o in range(today - 60, red_cut + 1) if cal.working(o)]
                spare = [i for i in pool if i not in self.force]
                rng.shuffle(spare)
                for i in spare:
                    if not missing:
                        break
                    a_o = day_of(self.a_t[i])
                    fits = [o for o in targets if o > a_o]
                    if fits:
                        self.force[i] = (kind, rng.choice(fits))
                        missing -= 1
            if missing:
                shortfall[kind] = missing
        self.planned_backlog = Counter(kind for kind, _due in self.force.values())
        self.backlog_shortfall = shortfall
        self.phase("sweep backlog plan", started)

    # ----- one ticket's life --------------------------------------------------------------------

    def life(self, i, force, prompt):
        """Simulate ticket i up to now. Returns (ticket row, facts, events, assignments, reminders,
        assignment reminders, extension requests); nothing is written yet, so the caller may draw
        again (ids of assignments and requests are taken from the next free ones only when the
        caller keeps the result)."""
        rng, cal, now = self.rng, self.cal, self.now_t
        tid = i + 1
        s = self.sub_t[i]
        response_days, contact_days, co_days, resolution_days, _complex_days = self.sla(i)
        cat_index = self.cat[i]
        cat_pk, _cat_name, default_dept, _sla = self.categories[cat_index]
        e = self.ent[i]
        submitter, channel = self.submitter[i]
        company_side = (
            submitter if channel in ("web", "liaison") else (self.company_users[e][0] if self.company_users[e] else self.ent_liaison[e])
        )
        kind = force[0] if force else None

        events = [(s, "submitted", "", "submitted", "", "{}", submitter)]
        assignments, reminders, extensions, co_reminders = [], [], [], []
        keys, co_keys = set(), set()
        f = {
            "status": "submitted", "sup": "none", "dept": None, "resp": None, "due": None, "first_assigned": None,
            "assigned": None, "signed": None, "first_resolved": None, "resolved": None, "closed": None, "result": "",
            "rating": "", "rating_comment": "", "reject_reason": "", "dup": None, "last": s,
            "last_dept": None, "on_time": None, "handling": None, "latest_rating": "", "returned": False,
            "reopened": False, "signings": 0, "signings_on_time": 0,
            "contact_due": None, "contacted": None, "lead_assignments": 0, "contacts_on_time": 0, "overrides": 0, "co": [],
            "followed_up": False, "keys": keys, "co_keys": co_keys,
        }

        def event(t, kind_, from_state, to_state, note="", data="{}", actor=None):
            events.append((t, kind_, from_state, to_state, note, data, actor))
            if t > f["last"]:
                f["last"] = t

        def remind(t, kind_, level, due_o):
            key = (kind_, level, due_o)
            if key in keys:
                return False
            keys.add(key)
            reminders.append((t, kind_, level, due_o))
            return True

        def co_remind(t, kind_, due_o, co):
            key = (co["id"], kind_, due_o)
            if key not in co_keys:
                co_keys.add(key)
                co_reminders.append((t, kind_, due_o, co["id"]))

        def sweep_time(o, t0):
            """When the 5-minute sweep first sees a condition that starts on day o (or at t0)."""
            return max(midnight(o), t0) + rng.randint(5, 300)

        def claims(t0, t1, due_o, resp_o, signed_t):
            """What the sweep claimed while the ticket was held from t0 to t1 (exclusive)."""
            t1 = min(t1, now + 1)
            if resp_o is not None:
                held_unsigned = min(t1, signed_t) if signed_t else t1
                t = sweep_time(resp_o + 1, t0)
                if t < held_unsigned:
                    remind(t, "unsigned", "", resp_o)
            t = sweep_time(max(day_of(t0), cal.sub(due_o, 1)), t0)
            if day_of(t) <= due_o and t < t1:
                remind(t, "due_soon", "", due_o)
            t = sweep_time(due_o + 1, t0)
            if t < t1 and remind(t, "overdue", "yellow", due_o) and f["sup"] == "none":
                event(t, "supervision", "none", "yellow", self.note_overdue)
                f["sup"] = "yellow"
            t = sweep_time(cal.add(due_o, self.red_after), t0)
            if t < t1 and remind(t, "long_overdue", "red", due_o) and f["sup"] != "red":
                event(t, "supervision", f["sup"], "red", self.note_long)
                f["sup"] = "red"

        def contact_claims(t0, t1, contact_o):
            """The first-contact reminders the sweep claimed while the ticket was handled, not
            contacted, from t0 to t1 (exclusive)."""
            t1 = min(t1, now + 1)
            t = sweep_time(max(day_of(t0), cal.sub(contact_o, 1)), t0)
            if day_of(t) <= contact_o and t < t1:
                remind(t, "contact_due_soon", "", contact_o)
            t = sweep_time(contact_o + 1, t0)
            if t < t1:
                remind(t, "contact_overdue", "", contact_o)

        def co_claims(co):
            """The reminders the sweep claimed about a co assignment while it waited for its
            feedback (until it was given, the assignment ended, or now)."""
            t0 = co["t"]
            t1 = min(x for x in (co["feedback_at"], co["ended"], now + 1) if x is not None)
            t = sweep_time(co["resp"] + 1, t0)
            if t < min(t1, co["signed"] or t1):
                co_remind(t, "co_unsigned", co["resp"], co)
            t = sweep_time(max(day_of(t0), cal.sub(co["due"], 1)), t0)
            if day_of(t) <= co["due"] and t < t1:
                co_remind(t, "co_feedback_due_soon", co["due"], co)
            t = sweep_time(co["due"] + 1, t0)
            if t < t1:
                co_remind(t, "co_feedback_late", co["due"], co)

        def co_data(co, **extra):
            data = {"assignment_id": co["id"], "department_id": co["dept"], "department": self.dept_names[co["dept"]], **extra}
            return json.dumps(data, ensure_ascii=False)

        def add_co(t, dept, due, note, dispatcher):
            """A co assignment made with the lead's (ticket_assign(co_departments=…))."""
            co_due = min(cal.add(day_of(t), co_days), due)
            co = {
                "id": self.next_assignment_id + len(assignments), "t": t, "dept": dept, "by": dispatcher, "note": note,
                "resp": min(cal.add(day_of(t), response_days), co_due), "due": co_due, "state": "assigned", "signed": None,
                "feedback_at": None, "feedback": "", "on_time": None, "ended": None, "reason": "",
            }
            assignments.append(co)
            f["co"].append(co)
            event(t, "co_assign", "", "", note, co_data(co, due_date=iso(co_due), response_due_date=iso(co["resp"])), dispatcher)
            return co

        def co_plan(co, prompt_):
            """When the co-handler would sign, give its feedback, or be released (None: never)."""
            a_o, a_t_ = day_of(co["t"]), co["t"]
            if prompt_:
                t_cs = self.later_same_day(a_t_, 600, HOUR)
                return t_cs, self.later_same_day(t_cs, 600, HOUR), None
            r = rng.random()
            if kind in ("unsigned", "overdue", "long_overdue") and r < 0.6:
                # A neglected ticket's co-handlers are often behind too: never signed, or no feedback.
                return (None, None, None) if r < 0.25 else (self.step(self.work_time(a_o), a_t_), None, None)
            if r < 0.04:
                return None, None, self.step(self.work_time(cal.add(a_o, rng.randint(1, 2))), a_t_)
            if rng.random() < 0.85:
                t_cs = self.step(self.work_time(a_o if rng.random() < 0.6 else cal.add(a_o, 1)), a_t_)
            else:
                t_cs = self.step(self.work_time(cal.add(co["resp"], rng.randint(1, 3))), a_t_)
            cs_o = day_of(t_cs)
            r = rng.random()
            if r < 0.72:
                fb_o = rng.randint(cs_o, co["due"]) if cs_o < co["due"] else cs_o
                while not cal.working(fb_o) and fb_o < co["due"]:
                    fb_o += 1
                t_fb = self.step(self.work_time(fb_o), t_cs)
            elif r < 0.87:
                t_fb = self.step(self.work_time(cal.add(max(co["due"], cs_o), rng.randint(1, 4))), t_cs)
            else:
                t_fb = None  # the lead resolves without it (an override)
            return t_cs, t_fb, None

        def co_live(co, plan, until):
            """The co-handler's part up to `until` (the lead's resolution, or now): what it did
            while the ticket was still being handled."""
            t_cs, t_fb, t_rel = plan
            limit = min(until, now)
            if t_rel is not None and t_rel <= limit:
                co.update(state="ended", ended=t_rel, reason="released")
                note = rng.choice(CO_RELEASE_REASONS)
                event(t_rel, "co_end", "", "", note, co_data(co, reason="released"), rng.choice(self.dispatchers))
                return
            if t_cs is None or t_cs >= limit:
                return
            staff_ = self.staff[co["dept"]]
            co.update(state="signed", signed=t_cs)
            event(t_cs, "co_sign", "", "", "", co_data(co), rng.choice(staff_))
            if t_fb is None or t_fb >= limit:
                return
            text = rng.choice(CO_FEEDBACKS)
            on_time = day_of(t_fb) <= co["due"]
            co.update(state="fed_back", feedback_at=t_fb, feedback=text, on_time=on_time)
            event(t_fb, "co_feedback", "", "", text, co_data(co, due_date=iso(co["due"]), on_time=on_time), rng.choice(staff_))

        def sign(t):
            f.update(status="in_progress", signed=t)
            f["signings"] += 1
            f["signings_on_time"] += day_of(t) <= f["resp"]

        def assign(t, dept, due_o=None, co_depts=()):
            a_o = day_of(t)
            due = due_o or cal.add(a_o, resolution_days)
            resp = min(cal.add(a_o, response_days), due)
            contact = min(cal.add(a_o, contact_days), due)
            dispatcher = rng.choice(self.dispatchers)
            f.update(status="assigned", dept=dept, last_dept=dept, due=due, resp=resp, assigned=t, signed=None)
            f.update(contact_due=contact, contacted=None)
            f["first_assigned"] = f["first_assigned"] or t
            f["lead_assignments"] += 1
            # [0] assigned, [1] sign by, [2] due, [3] signed, [4] ended, [5] why, [6] by, [7] department,
            # [8] contact by, [9] contacted, [10] state, [11] first due date, [12] id
            pk = self.next_assignment_id + len(assignments)
            row = [t, resp, due, None, None, "", dispatcher, dept, contact, None, "assigned", due, pk]
            assignments.append(row)
            note = rng.choice(self.assign_notes)
            data = json.dumps(
                {
                    "department_id": dept, "department": self.dept_names[dept], "due_date": iso(due), "response_due_date": iso(resp),
                    "contact_due_date": iso(contact), "complex": False, "co_departments": [self.dept_names[d] for d in co_depts],
                },
                ensure_ascii=False,
            )
            event(t, "assign", "submitted", "assigned", note, data, dispatcher)
            for co_dept in co_depts:
                add_co(t, co_dept, due, note, dispatcher)
            return row

        def finish():
            row = (
                tid, self.references[i], self.titles[i][0], self.titles[i][1], self.pri[i], channel,
                self.ent_contact[e][0], self.ent_contact[e][1], f["status"], f["sup"],
                to_date(f["resp"]) if f["resp"] else None, to_date(f["due"]) if f["due"] else None,
                to_dt(s), opt_dt(f["first_assigned"]), opt_dt(f["assigned"]), opt_dt(f["signed"]),
                opt_dt(f["first_resolved"]), opt_dt(f["resolved"]), opt_dt(f["closed"]), f["result"], f["rating"],
                f["rating_comment"], f["reject_reason"], to_dt(f["last"]), cat_pk, f["dept"], f["dup"], e + 1, submitter,
                f["last_dept"], f["on_time"], f["handling"], f["latest_rating"], f["returned"], f["reopened"],
                f["signings"], f["signings_on_time"],
                to_date(f["contact_due"]) if f["contact_due"] else None, opt_dt(f["contacted"]), False, f["lead_assignments"],
                f["contacts_on_time"], f["overrides"], f["followed_up"], "solved" if f["first_resolved"] else "", "", None,
                False,
            )
            rows = []
            for a in assignments:
                if isinstance(a, dict):  # co
                    rows.append((
                        a["id"], to_dt(a["t"]), to_date(a["resp"]), to_date(a["due"]), opt_dt(a["signed"]), opt_dt(a["ended"]),
                        a["reason"], a["by"], a["dept"], tid, "co", a["state"], to_date(a["due"]), None, None, a["note"],
                        a["feedback"], opt_dt(a["feedback_at"]), a["on_time"],
                    ))
                else:
                    t, resp, due, signed, ended, reason, by, dept, contact, contacted, state, first_due, pk = a
                    rows.append((
                        pk, to_dt(t), to_date(resp), to_date(due), opt_dt(signed), opt_dt(ended), reason, by, dept, tid, "lead", state,
                        to_date(first_due), to_date(contact), opt_dt(contacted), "", "", None, None,
                    ))
            return row, f, events, rows, reminders, co_reminders, extensions

        a_t = self.a_t[i]
        if a_t > now:
            return finish()
        if self.rejected[i]:
            previous = self.last_of_enterprise.get(e)
            if previous is not None and rng.random() < 0.25:
                f.update(reject_reason=DUPLICATE_REASON, dup=previous[0])
                data = f'{{"duplicate_of": "{previous[1]}"}}'
            else:
                f["reject_reason"] = rng.choice(REJECT_REASONS)
                data = "{}"
            f.update(status="rejected", closed=a_t)
            event(a_t, "reject", "submitted", "rejected", f["reject_reason"], data, rng.choice(self.dispatchers))
            return finish()

        district_gov = self.dept_ids[DISTRICT_GOVERNMENT[self.ent_district[e]]]
        right = self.dept[i]
        if self.wrong[i] and not force and not prompt:
            wrong = district_gov if right != district_gov and rng.random() < 0.5 else rng.choice(self.all_depts)
            if wrong == right:
                wrong = self.all_depts[(self.all_depts.index(right) + 1) % len(self.all_depts)]
            row = assign(a_t, wrong)
            t = a_t
            if rng.random() < 0.5:
                t = self.later_same_day(t, 1800, 3 * HOUR)
                if t > now:
                    return finish()
                sign(t)
                row[3], row[10] = t, "signed"
                event(t, "sign", "assigned", "in_progress", actor=rng.choice(self.staff[wrong]))
            t_ret = self.step(self.work_time(cal.add(day_of(a_t), rng.choice((0, 1, 1, 2)))), t)
            claims(a_t, t_ret, row[2], row[1], row[3])
            contact_claims(a_t, t_ret, row[8])
            if t_ret > now:
                return finish()
            row[4], row[5], row[10] = t_ret, "returned", "ended"
            event(
                t_ret, "return_to_dispatch", f["status"], "submitted", rng.choice(RETURN_REASONS),
                f'{{"department_id": {wrong}, "department": "{self.dept_names[wrong]}"}}', rng.choice(self.staff[wrong]),
            )
            f.update(status="submitted", dept=None, due=None, resp=None, assigned=None, signed=None, returned=True)
            f.update(contact_due=None, contacted=None)
            a_t = self.step(self.work_time(cal.add(day_of(t_ret), rng.choice((0, 1)))), t_ret)
            if a_t > now:
                return finish()

        dept = right
        staff = self.staff[dept]
        row = assign(a_t, dept, force[1] if force else None, self.co_departments(i, dept, district_gov, kind))
        due_o, resp_o, contact_o = row[2], row[1], row[8]
        a_o = day_of(a_t)
        cos = f["co"]
        if kind == "co_due_soon":  # signed at once, its feedback still to come
            plans = [(self.later_same_day(a_t, 600, HOUR), None, None) for _co in cos]
        else:
            plans = [co_plan(co, prompt) for co in cos]

        def co_until(t):
            """The co-handlers' part while the ticket was handled, up to t; then what the sweep
            claimed about it (none for the backlog: as after a stopped sweep)."""
            for co, plan in zip(cos, plans, strict=True):
                co_live(co, plan, t)

        def co_history():
            if not force:
                for co in cos:
                    co_claims(co)

        # Sign for it.
        if kind == "unsigned":
            co_until(now)
            return finish()
        r = rng.random()
        if force or prompt or r < 0.72:
            t_sign = self.later_same_day(a_t, 900, 4 * HOUR)
        elif r < 0.92:
            t_sign = self.step(self.work_time(cal.add(a_o, rng.randint(1, max(1, cal.between(a_o, resp_o))))), a_t)
        else:
            t_sign = self.step(self.work_time(cal.add(resp_o, rng.randint(1, 3))), a_t)
        if t_sign > now:
            co_until(now)
            if not force:
                claims(a_t, now + 1, due_o, resp_o, None)
                contact_claims(a_t, now + 1, contact_o)
            co_history()
            return finish()
        sign(t_sign)
        row[3], row[10] = t_sign, "signed"
        event(t_sign, "sign", "assigned", "in_progress", actor=rng.choice(staff))
        sign_o = day_of(t_sign)

        # First contact with the company (首次联系): mostly in time, some late, a few never.
        r = rng.random()
        if kind == "contact_due_soon":
            t_contact = None
        elif force or prompt or r < 0.85:
            if sign_o < contact_o and rng.random() < 0.4:
                t_contact = self.step(self.work_time(contact_o), t_sign)
            else:
                t_contact = self.later_same_day(t_sign, 600, 2 * HOUR)
        elif r < 0.97:
            t_contact = self.step(self.work_time(cal.add(max(contact_o, sign_o), rng.randint(1, 3))), t_sign)
        else:
            t_contact = None

        # An extension request (4%): approved (the due date moves) or refused.
        segments = []  # (from, to, due) the due dates in force while held
        seg_start = a_t
        t_dec = None
        if not force and not prompt and rng.random() < 0.04 and cal.between(sign_o, due_o) >= 2:
            t_req = self.step(self.work_time(cal.add(sign_o, rng.randint(1, cal.between(sign_o, due_o) - 1))), t_sign)
            if t_req <= now:
                requested = cal.add(due_o, rng.randint(5, 10))
                requester = rng.choice(staff)
                reason = rng.choice(EXTENSION_REASONS)
                t_dec = self.step(self.work_time(cal.add(day_of(t_req), rng.choice((0, 1)))), t_req)
                ext = [t_req, due_o, requested, reason, "pending", None, "", None, dept, requester, row[12]]
                extensions.append(ext)
                ext_id = self.next_extension_id + len(extensions) - 1
                data = (
                    f'{{"request_id": {ext_id}, "assignment_id": {row[12]}, "role": "lead", '
                    f'"from": "{iso(due_o)}", "to": "{iso(requested)}"}}'
                )
                event(t_req, "extension_requested", "", "", reason, data, requester)
                if t_dec <= now:
                    approve = rng.random() < 0.75
                    decider = rng.choice(self.dispatchers + self.supervisors)
                    note = self.extension_approval if approve else rng.choice(EXTENSION_REFUSALS)
                    ext[4:8] = ["approved" if approve else "refused", t_dec, note, decider]
                    event(t_dec, "extension_approved" if approve else "extension_refused", "", "", note, data, decider)
                    if approve:
                        segments.append((seg_start, t_dec, due_o))
                        seg_start = t_dec
                        due_o = requested
                        f["due"] = due_o
                        row[2] = due_o
                else:
                    t_dec = now  # still pending: nothing may happen before it is decided
        segments.append((seg_start, None, due_o))

        # Resolve it.
        total = cal.between(sign_o, due_o)
        if kind in ("due_soon", "overdue", "long_overdue", "contact_due_soon", "co_due_soon"):
            t_res = now + DAY * 1000
        elif kind == "auto_close":
            lo = max(cal.add(a_o, 1), self.close_cut_o - 14)
            choices = [o for o in range(lo, min(self.close_cut_o, due_o) + 1) if cal.working(o)]
            t_res = self.step(self.work_time(rng.choice(choices)), t_sign)
        else:
            r = rng.random()
            if prompt:
                k = max(0, total - 2)
            elif r < 0.5:
                k = rng.randint(0, max(0, total // 2))
            elif r < 0.9:
                k = rng.randint(total // 2, max(total // 2, total))
            else:
                k = total + rng.randint(1, 8)
            t_res = self.later_same_day(t_sign, HOUR, 5 * HOUR) if k == 0 else self.step(self.work_time(cal.add(sign_o, k)), t_sign)
            if t_dec is not None and t_res <= t_dec:
                t_res = self.step(self.later_same_day(t_dec, HOUR, 4 * HOUR), t_dec)
            # The lead mostly waits for the co-handlers' feedback (else it overrides, with a reason).
            waits = [plan[1] for plan in plans if plan[1] is not None]
            if waits and rng.random() < 0.92:
                t_res = max(t_res, self.step(self.later_same_day(max(waits), HOUR, 4 * HOUR), max(waits)))
        # The first contact, if made before the resolution; the co-handlers' part until then.
        if t_contact is not None and t_contact < t_res and t_contact <= now:
            method, note = rng.choice(CONTACT_NOTES)
            on_time = day_of(t_contact) <= contact_o
            f["contacted"] = row[9] = t_contact
            f["contacts_on_time"] += on_time
            data = f'{{"method": "{method}", "first": true, "contact_due_date": "{iso(contact_o)}", "on_time": {str(on_time).lower()}}}'
            event(t_contact, "contact", "", "", note, data, rng.choice(staff))
        else:
            t_contact = None
        co_until(t_res)
        # Progress notes while it is handled.
        for _ in range(rng.choices((0, 1, 2), (60, 30, 10))[0]):
            t = rng.randint(t_sign + 60, max(t_sign + 120, min(t_res, now) - 60))
            if t < min(t_res, now):
                if rng.random() < 0.7:
                    event(t, "comment", "", "", rng.choice(self.dept_notes), actor=rng.choice(staff))
                else:
                    event(t, "comment", "", "", rng.choice(self.company_notes), actor=company_side)
        # What the sweep claimed while it was held.
        if not force:
            for k, (t0, t1, due) in enumerate(segments):
                claims(t0, t_res if t1 is None else t1, due, resp_o if k == 0 else None, t_sign)
            contact_claims(a_t, min(t_res, t_contact or t_res), contact_o)
        elif kind == "long_overdue" and rng.random() < 0.5:
            # Half of the long-overdue backlog was already yellow-carded when it became overdue.
            t = sweep_time(due_o + 1, a_t)
            remind(sweep_time(max(a_o, cal.sub(due_o, 1)), a_t), "due_soon", "", due_o)
            remind(t, "overdue", "yellow", due_o)
            event(t, "supervision", "none", "yellow", self.note_overdue)
            f["sup"] = "yellow"
        if t_res > now:
            co_history()
            return finish()

        result = rng.choice(self.results[cat_index])
        f.update(status="resolved", resolved=t_res, first_resolved=t_res, result=result)
        f.update(on_time=day_of(t_res) <= due_o, handling=cal.between(day_of(f["first_assigned"]), day_of(t_res)))
        resolver = rng.choice(staff)
        missing = [co for co in cos if co["state"] in ("assigned", "signed")]
        if missing:
            # Without every co-handler's feedback: only with the reason (an override); they end.
            override = rng.choice(OVERRIDE_REASONS)
            f["overrides"] += 1
            data = json.dumps(
                {"due_date": iso(due_o), "override": override, "missing": [self.dept_names[co["dept"]] for co in missing]},
                ensure_ascii=False,
            )
            event(t_res, "resolve", "in_progress", "resolved", result, data, resolver)
            for co in missing:
                co.update(state="ended", ended=t_res, reason="resolved")
                event(t_res, "co_end", "", "", override, co_data(co, reason="resolved"), resolver)
        else:
            event(t_res, "resolve", "in_progress", "resolved", result, f'{{"due_date": "{iso(due_o)}"}}', resolver)
        co_history()
        if kind == "auto_close":
            return finish()

        # The company answers: confirms (most), reopens (a few), or never answers (auto-close).
        for round_ in (1, 2):
            res_o = day_of(f["resolved"])
            t_auto = sweep_time(cal.add(res_o, self.close_after), f["resolved"])
            r = rng.random()
            if prompt or r < 0.86:
                t_ans = self.step(
                    self.work_time(cal.add(res_o, rng.choice((0, 1, 1, 2, 3, 4))))
                    if rng.random() < 0.7
                    else self.later_same_day(f["resolved"], HOUR, 6 * HOUR),
                    f["resolved"],
                )
                if prompt:
                    t_ans = min(t_ans, self.step(self.work_time(cal.add(res_o, 1)), f["resolved"]))
                answer = "confirm"
            elif r < 0.92 and round_ == 1:
                t_ans = self.step(self.work_time(cal.add(res_o, rng.randint(0, 4))), f["resolved"])
                answer = "reopen"
            else:
                t_ans, answer = t_auto, "none"
            if answer != "none" and t_ans >= t_auto:
                t_ans, answer = t_auto, "none"
            if t_ans > now:
                return finish()
            if answer == "none":
                f.update(status="closed", rating="no_answer", rating_comment="", closed=t_ans)
                event(t_ans, "auto_close", "resolved", "closed", self.note_no_answer, f'{{"working_days": {self.close_after}}}')
                return finish()
            if answer == "confirm":
                rating = "satisfied" if rng.random() < 0.78 else "basically_satisfied"
                comment = rng.choice(self.rating_comments) if rng.random() < 0.4 else ""
                f.update(status="closed", rating=rating, latest_rating=rating, rating_comment=comment, closed=t_ans, followed_up=True)
                event(t_ans, "confirm", "resolved", "closed", comment, f'{{"rating": "{rating}"}}', company_side)
                return finish()
            # Reopened: a new due date, at least yellow supervision, handled again.
            comment = rng.choice(self.reopen_comments)
            new_due = cal.add(day_of(t_ans), resolution_days)
            f.update(status="in_progress", rating="dissatisfied", latest_rating="dissatisfied", reopened=True)
            f.update(rating_comment=comment, resolved=None, due=new_due)
            row[2] = new_due
            event(
                t_ans,
                "reopen",
                "resolved",
                "in_progress",
                comment,
                f'{{"rating": "dissatisfied", "due_date": "{iso(new_due)}"}}',
                company_side,
            )
            if f["sup"] == "none":
                event(t_ans, "supervision", "none", "yellow", self.note_reopen)
                f["sup"] = "yellow"
            total = cal.between(day_of(t_ans), new_due)
            k = rng.randint(1, max(1, total - 1)) if rng.random() < 0.9 else total + rng.randint(1, 5)
            t_res2 = self.step(self.work_time(cal.add(day_of(t_ans), k)), t_ans)
            claims(t_ans, t_res2, new_due, None, t_ans)
            if f["contacted"] is None:
                contact_claims(t_ans, t_res2, contact_o)
            if t_res2 > now:
                return finish()
            result = rng.choice(self.results[cat_index])
            f.update(status="resolved", resolved=t_res2, result=result)
            event(t_res2, "resolve", "in_progress", "resolved", result, f'{{"due_date": "{iso(new_due)}"}}', rng.choice(staff))
        return finish()

    def co_departments(self, i, lead, district_gov, kind):
        """The co-handling departments dispatch names for ticket i (CO_HANDLED of the tickets):
        the category's usual ones, the company's district government, or another department."""
        if kind == "co_due_soon":
            n = 1
        elif self.rng.random() < CO_HANDLED:
            n = 1 if self.rng.random() < 0.75 else 2
        else:
            return []
        usual = self.usual_co[self.cat[i]]
        chosen = []
        while len(chosen) < n:
            r = self.rng.random()
            pick = self.rng.choice(usual) if usual and r < 0.6 else district_gov if r < 0.8 else self.rng.choice(self.all_depts)
            if pick != lead and pick not in chosen:
                chosen.append(pick)
        return chosen

    def sweep_conflict(self, f):
        """Would the sweep act on (or have acted on) this open, not-backlog ticket now?"""
        status, today, soon = f["status"], self.today_o, self.soon_o
        # The stages before the resolution: a first contact or a co-handler's part due soon or
        # late is fine if the sweep has claimed it already (with one working day to make contact,
        # every ticket assigned today is "due soon" at once, and was reminded minutes later).
        for co in f["co"]:
            if co["state"] in ("assigned", "signed") and status in ("submitted", "assigned", "in_progress"):
                if co["state"] == "assigned" and co["resp"] < today and (co["id"], "co_unsigned", co["resp"]) not in f["co_keys"]:
                    return True
                if today <= co["due"] <= soon and (co["id"], "co_feedback_due_soon", co["due"]) not in f["co_keys"]:
                    return True
                if co["due"] < today and (co["id"], "co_feedback_late", co["due"]) not in f["co_keys"]:
                    return True
        if status in ("assigned", "in_progress") and f["contacted"] is None:
            contact = f["contact_due"]
            if today <= contact <= soon and ("contact_due_soon", "", contact) not in f["keys"]:
                return True
            if contact < today and ("contact_overdue", "", contact) not in f["keys"]:
                return True
        if status in ("assigned", "in_progress"):
            return f["due"] <= self.soon_o or (status == "assigned" and f["resp"] < self.today_o)
        if status == "resolved":
            return day_of(f["resolved"]) <= self.close_cut_o
        return False

    # ----- the load ------------------------------------------------------------------------------

    def make_tickets(self):
        from django.db import connection, transaction

        from tickets.models import Assignment, AssignmentReminder, ExtensionRequest, Reminder, Ticket, TicketEvent

        started = time.perf_counter()
        rng, n = self.rng, self.args.tickets
        prefix = self.settings.TICKET_REFERENCE_PREFIX
        # References: QY-YYYY-NNNNNN, numbered by submission within each (local) year.
        self.references = []
        self.year_last = Counter()
        for s in self.sub_t:
            year = to_date(day_of(s)).year
            self.year_last[year] += 1
            self.references.append(f"{prefix}-{year}-{self.year_last[year]:06d}")
        # Content, department and submitter of each ticket.
        self.titles = [rng.choice(self.stories[c]) for c in self.cat]
        self.dept = []
        self.submitter = []
        for i in range(n):
            e = self.ent[i]
            default = self.categories[self.cat[i]][2]
            r = rng.random()
            if default and r < 0.8:
                self.dept.append(default)
            elif r < 0.9:
                self.dept.append(self.dept_ids[DISTRICT_GOVERNMENT[self.ent_district[e]]])
            else:
                self.dept.append(rng.choice(self.all_depts))
            members = self.company_users[e]
            r = rng.random()
            if members and r < 0.75:
                self.submitter.append((rng.choice(members), "web"))
            elif r < (0.9 if members else 0.6):
                self.submitter.append((self.ent_liaison[e], "liaison"))
            else:
                self.submitter.append((rng.choice(self.dispatchers), "hotline"))
        self.phase("ticket content", started)

        events_sink, reminders_sink, co_reminders_sink = TimeOrderedSink(), TimeOrderedSink(), TimeOrderedSink()
        self.next_extension_id = 1
        self.next_assignment_id = 1
        self.last_of_enterprise = {}
        tables = {
            "ticket": Ticket._meta.db_table, "event": TicketEvent._meta.db_table, "assignment": Assignment._meta.db_table,
            "reminder": Reminder._meta.db_table, "extension": ExtensionRequest._meta.db_table,
            "assignment_reminder": AssignmentReminder._meta.db_table,
        }
        status_counts, redraws, prompts, unsettled = Counter(), 0, 0, 0
        raw = connection.connection
        load_started = time.perf_counter()
        copy_seconds = 0.0
        chunk = self.args.chunk
        for chunk_start in range(0, n, chunk):
            chunk_end = min(n, chunk_start + chunk)
            ticket_rows, extension_rows, assignment_rows = [], [], []
            for i in range(chunk_start, chunk_end):
                force = self.force.get(i)
                result = self.life(i, force, False)
                if not force:
                    tries = 0
                    while result[1]["status"] in ("assigned", "in_progress", "resolved") and self.sweep_conflict(result[1]):
                        tries += 1
                        if tries > 40:  # (a ticket assigned minutes ago, say): the sweep will take it
                            unsettled += 1
                            break
                        redraws += 1
                        prompt = tries > 12
                        prompts += prompt
                        result = self.life(i, None, prompt)
                row, f, events, assignments, reminders, co_reminders, extensions = result
                tid = i + 1
                ticket_rows.append(row)
                status_counts[f["status"]] += 1
                self.last_of_enterprise[self.ent[i]] = (tid, self.references[i])
                for t, kind, from_state, to_state, note, data, actor in events:
                    events_sink.add(t, (kind, from_state, to_state, note, data, to_dt(t), actor, tid))
                # Assignment ids follow the tickets' order (events reference them), not time order.
                assignment_rows.extend(assignments)
                self.next_assignment_id += len(assignments)
                self.counts["co_assignments"] += sum(1 for a in assignments if a[10] == "co")
                for t, kind, level, due in reminders:
                    reminders_sink.add(t, (kind, level, to_date(due), to_dt(t), tid))
                for t, kind, due, assignment_id in co_reminders:
                    co_reminders_sink.add(t, (kind, to_date(due), to_dt(t), assignment_id))
                for t_req, cur, req, reason, state, t_dec, note, decider, dept, requester, assignment_id in extensions:
                    extension_rows.append((
                        self.next_extension_id, to_date(cur), to_date(req), reason, state, opt_dt(t_dec), note, to_dt(t_req),
                        decider, dept, requester, tid, assignment_id,
                    ))
                    self.next_extension_id += 1
            watermark = self.sub_t[chunk_end] if chunk_end < n else float("inf")
            copy_started = time.perf_counter()
            with transaction.atomic(), raw.cursor() as cursor:
                self.copy(cursor, tables["ticket"], TICKET_COLUMNS, ticket_rows)
                events = events_sink.flush(watermark)
                self.copy(cursor, tables["event"], EVENT_COLUMNS, events)
                self.copy(cursor, tables["assignment"], ASSIGNMENT_COLUMNS, assignment_rows)
                reminders = reminders_sink.flush(watermark)
                self.copy(cursor, tables["reminder"], REMINDER_COLUMNS, reminders)
                co_reminders = co_reminders_sink.flush(watermark)
                self.copy(cursor, tables["assignment_reminder"], ASSIGNMENT_REMINDER_COLUMNS, co_reminders)
                self.copy(cursor, tables["extension"], EXTENSION_COLUMNS, extension_rows)
            copy_seconds += time.perf_counter() - copy_started
            self.counts.update(
                tickets=len(ticket_rows), events=len(events), assignments=len(assignment_rows), reminders=len(reminders),
                assignment_reminders=len(co_reminders),
                extension_requests=len(extension_rows),
            )
            elapsed = time.perf_counter() - load_started
            rate = chunk_end / elapsed if elapsed else 0
            print(
                f"  tickets {chunk_end:>9,}/{n:,}  events {self.counts['events']:>10,}  "
                f"{elapsed:6.0f} s  ({rate:,.0f} tickets/s; COPY {copy_seconds:.0f} s)",
                flush=True,
            )
        self.status_counts = status_counts
        self.redraws, self.prompts, self.unsettled = redraws, prompts, unsettled
        self.timings["copy_statements"] = round(copy_seconds, 1)
        self.phase("tickets, events, assignments, reminders (simulate + COPY)", load_started)

    # ----- after the load ------------------------------------------------------------------------

    def verify_foreign_keys(self, cursor, tables):
        """Every foreign key of the loaded tables, checked with one anti-join each."""
        cursor.execute(
            """
            SELECT c.conrelid::regclass::text, a.attname, c.confrelid::regclass::text, fa.attname
            FROM pg_constraint c
            JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
            JOIN pg_attribute fa ON fa.attrelid = c.confrelid AND fa.attnum = c.confkey[1]
            WHERE c.contype = 'f' AND c.conrelid::regclass::text = ANY(%s)
            """,
            [list(tables)],
        )
        broken = []
        for table, column, ref_table, ref_column in cursor.fetchall():
            cursor.execute(
                f"SELECT count(*) FROM {table} x WHERE x.{column} IS NOT NULL "
                f"AND NOT EXISTS (SELECT 1 FROM {ref_table} y WHERE y.{ref_column} = x.{column})"
            )
            missing = cursor.fetchone()[0]
            if missing:
                broken.append(f"{table}.{column} → {ref_table}: {missing} rows")
        if broken:
            raise SystemExit("Foreign keys broken after the load:\n  " + "\n  ".join(broken))
        return len(tables)

    def finish_load(self, tables):
        from django.db import connection

        from tickets.models import ReferenceCounter

        started = time.perf_counter()
        with connection.cursor() as cursor:
            for table in tables:
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), GREATEST((SELECT max(id) FROM {table}), 1), "
                    f"(SELECT max(id) FROM {table}) IS NOT NULL)"
                )
        for year, last in self.year_last.items():
            ReferenceCounter.objects.update_or_create(year=year, defaults={"last_number": last})
        self.phase("sequences and reference counters", started)
        if self.args.fk_checks == "verify":
            started = time.perf_counter()
            with connection.cursor() as cursor:
                cursor.execute("SET session_replication_role = DEFAULT")
                self.verify_foreign_keys(cursor, tables)
            self.phase("foreign keys verified", started)
        if not self.args.no_vacuum:
            started = time.perf_counter()
            with connection.cursor() as cursor:
                # The state autovacuum would reach on its own: statistics, visibility map, hint bits.
                for table in tables:
                    cursor.execute(f"VACUUM (ANALYZE) {table}")
                cursor.execute("CHECKPOINT")
            self.phase("VACUUM ANALYZE + CHECKPOINT", started)

    def sweep_backlog_sql(self):
        """What the sweep would do now, counted in SQL from the loaded data."""
        import sweep_expect
        from django.db import connection

        with connection.cursor() as cursor:
            return sweep_expect.expected_report(cursor, self.as_of)

    # ----- main --------------------------------------------------------------------------------

    def run(self):
        from django.db import connection

        from enterprises.models import Enterprise, User
        from tickets import workdays
        from tickets.models import Assignment, AssignmentReminder, ExtensionRequest, Reminder, Ticket, TicketEvent

        total_started = time.perf_counter()
        settings = self.settings
        today = datetime.date.fromordinal(self.today_o)
        self.cal.check_against(workdays, random.Random(self.args.seed + 1))
        if self.cal.fallback_years:
            print(f"No official calendar stored for {self.cal.fallback_years}: Monday–Friday, as the product does.")
        self.soon_o = workdays.add_working_days(today, settings.REMINDER_DUE_SOON_WORKING_DAYS).toordinal()
        self.red_after = settings.SUPERVISION_RED_AFTER_WORKING_DAYS
        self.red_cut_o = workdays.latest_date_with_working_days_until(today, self.red_after).toordinal()
        self.close_after = settings.AUTO_CLOSE_AFTER_WORKING_DAYS
        self.close_cut_o = workdays.latest_date_with_working_days_until(today, self.close_after).toordinal()
        print(
            f"As of {self.as_of.astimezone(datetime.timezone(datetime.timedelta(hours=8))):%Y-%m-%d %H:%M:%S} (Asia/Shanghai): "
            f"today {today}, due soon ≤ {iso(self.soon_o)}, long overdue ≤ {iso(self.red_cut_o)}, "
            f"no answer since ≤ {iso(self.close_cut_o)}; history from {iso(self.start_o)}",
            flush=True,
        )
        with connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit = off")
            if self.args.fk_checks == "verify":
                try:
                    cursor.execute("SET session_replication_role = replica")
                except Exception as error:  # noqa: BLE001 — it needs a superuser
                    raise SystemExit(f"Cannot skip the per-row foreign-key checks ({error}); run with --fk-checks deferred.") from error
        self.make_reference_data()
        self.plan_tickets()
        self.plan_backlog()
        self.make_tickets()
        tables = [
            Enterprise._meta.db_table, User._meta.db_table, Enterprise.liaisons.through._meta.db_table, Ticket._meta.db_table,
            TicketEvent._meta.db_table, Assignment._meta.db_table, Reminder._meta.db_table, ExtensionRequest._meta.db_table,
            AssignmentReminder._meta.db_table,
        ]
        self.finish_load(tables)
        started = time.perf_counter()
        expected = self.sweep_backlog_sql()
        self.phase("expected sweep report (SQL)", started)
        self.timings["total"] = round(time.perf_counter() - total_started, 1)
        return expected


def opt_dt(t):
    return None if t is None else to_dt(t)


def check_columns():
    """The COPY column lists must cover every column of the product's tables (a new NOT NULL
    column without a database default would otherwise fail, or be silently left empty)."""
    from django.db.models.fields import NOT_PROVIDED

    from enterprises.models import Enterprise, User
    from tickets.models import Assignment, AssignmentReminder, ExtensionRequest, Reminder, Ticket, TicketEvent

    problems = []
    for model, columns in (
        (Ticket, TICKET_COLUMNS), (TicketEvent, EVENT_COLUMNS), (Assignment, ASSIGNMENT_COLUMNS), (Reminder, REMINDER_COLUMNS),
        (AssignmentReminder, ASSIGNMENT_REMINDER_COLUMNS),
        (ExtensionRequest, EXTENSION_COLUMNS), (User, USER_COLUMNS), (Enterprise, ENTERPRISE_COLUMNS),
    ):
        # A column the generator leaves out takes the database's default (db_default) or NULL: it
        # is new since the generator was written and the simulated history has nothing to put there
        # (a ticket's visit, a user's channel addresses).
        actual = {f.column for f in model._meta.concrete_fields}
        defaulted = {f.column for f in model._meta.concrete_fields if f.null or f.db_default is not NOT_PROVIDED}
        if not set(columns) <= actual or actual - set(columns) - defaulted:
            missing, extra = sorted(actual - set(columns) - defaulted), sorted(set(columns) - actual)
            problems.append(f"{model.__name__}: model has {missing}, generator has {extra} extra")
    if problems:
        raise SystemExit("bench/generate.py is out of date with the models:\n  " + "\n  ".join(problems))


def main(argv=None):
    args = parse_args(argv)
    # The product warns once per calculation about a year with no official calendar (next year,
    # usually); the generator precomputes its calendar once and says so itself.
    logging.getLogger("tickets.workdays").setLevel(logging.ERROR)
    url = common.database_url(args.database_url)
    name = common.database_name(url)
    started = time.perf_counter()
    with common.admin_connection(url) as admin:
        if args.reset:
            common.drop_database(admin, name)
        if not common.database_exists(admin, name):
            common.create_database(admin, name)
            print(f"Created database {name}.")
    common.setup_django(url)
    from django.core.management import call_command

    from enterprises.models import Department, Enterprise, User
    from tickets.models import Ticket

    check_columns()
    call_command("migrate", verbosity=0, interactive=False)
    tickets, companies = Ticket.objects.count(), Enterprise.objects.count()
    if tickets or companies or Department.objects.exists() or User.objects.exists():
        raise SystemExit(
            f"Database {name} already has data ({tickets:,} tickets, {companies:,} companies). The generator loads into an "
            f"empty database only: run it with --reset to drop and recreate {name}, or choose another DATABASE_URL."
        )
    print(
        f"Migrated {name} in {time.perf_counter() - started:.1f} s; generating {args.tickets:,} tickets over {args.years} years…",
        flush=True,
    )
    generator = Generator(args)
    expected = generator.run()
    metadata = {
        "generator": "bench/generate.py",
        "as_of": generator.as_of.isoformat(),
        "tickets": args.tickets,
        "years": args.years,
        "enterprises": args.enterprises,
        "seed": args.seed,
        "action_fraction": args.action_fraction,
        "counts": dict(generator.counts),
        "status": dict(generator.status_counts),
        "backlog_planned": dict(generator.planned_backlog),
        "backlog_shortfall": generator.backlog_shortfall,
        "expected_report": expected,
        "timings_s": generator.timings,
    }
    with common.admin_connection(url) as admin:
        common.write_metadata(admin, name, metadata)
    print_summary(generator, expected, metadata)


def print_summary(generator, expected, metadata):
    n = generator.args.tickets
    counts = generator.counts
    print()
    print("=" * 72)
    print(f"Generated {n:,} tickets as of {metadata['as_of']} in {common.fmt_seconds(generator.timings['total'])}")
    print(
        f"  reference data: {counts['departments']} departments, {counts['categories']} categories, "
        f"{counts['enterprises']:,} companies, {counts['users']:,} users ({counts['company_users']:,} company logins)"
    )
    print(
        f"  rows: {counts['events']:,} events ({counts['events'] / n:.2f} a ticket), {counts['assignments']:,} assignments, "
        f"{counts['reminders']:,} reminders, {counts['extension_requests']:,} extension requests"
    )
    print(f"  co-handling: {counts['co_assignments']:,} co assignments, {counts['assignment_reminders']:,} co-handling reminders")
    print("  tickets by status:")
    for status, count in sorted(generator.status_counts.items(), key=lambda kv: -kv[1]):
        print(f"    {status:<12} {count:>10,}  {100 * count / n:6.2f} %")
    print(
        f"  open tickets redrawn to be not yet due: {generator.redraws:,} draws ({generator.prompts:,} forced prompt; "
        f"{generator.unsettled:,} left for the sweep after 40 draws)"
    )
    print("  sweep backlog planned (need action now):")
    for kind in [*ACTION_SHARES, *STAGE_SHARES]:
        print(f"    {kind:<13} {generator.planned_backlog.get(kind, 0):>8,}")
    if generator.backlog_shortfall:
        print(f"    SHORT of candidates: {generator.backlog_shortfall}")
    print(f"  the sweep should report (counted in SQL): {json.dumps(expected)}")
    print("  timings: " + ", ".join(f"{k} {v}" for k, v in generator.timings.items()))


if __name__ == "__main__":
    main()
