"""Co-handling (协办) and the first contact in the demo data set (DESIGN.md §8).

enterprises.demo tells what each company asked and how its ticket went; this module adds who
co-handled it and when the lead department first contacted the company:

- `COHANDLED` names the co-handling departments of 17 of the 75 stories and what each of them
  did, so that every stage of a co assignment shows somewhere: not signed yet (in time, and past
  its sign date), signed and working, feedback in time and late, more time asked for (granted, and
  waiting for a decision), released by dispatch with the reason, resolved by the lead without it
  (an override), added by dispatch after a reopen; one of them is a complex (疑难复杂) ticket.
- Every ticket a department signed gets a first contact with the company (`ticket_contact`) the
  day it signed, except the few in `LATE_CONTACT` (some days after the contact time) and
  `NO_CONTACT` (still none).

`side_steps()` turns both into steps placed between a story's own steps, in working days after
its submission like them; `enterprises.demo._Builder.play` runs them through the services at
those days, with the `do_*` actions of `CoHandlingActions` (mixed into the builder). They draw
their own random numbers (`random.Random(2026)`), so the stories' timelines stay what they were.
"""

from dataclasses import dataclass, field

from tickets import services
from tickets.models import Assignment, AssignmentRole, ExtensionRequest

# What a co-handling department did (Co.stage).
UNSIGNED = "unsigned"  # not signed yet
SIGNED = "signed"  # signed; working on its feedback (late by now, if its due date has passed)
ON_TIME = "on_time"  # gave its feedback by its due date
LATE = "late"  # gave its feedback after its due date
EXTENDED = "extended"  # asked for more time, got it, and gave its feedback within it
EXTENSION_PENDING = "extension_pending"  # signed and asked for more time, not decided yet
RELEASED = "released"  # dispatch ended its co-handling, saying why (Co.reason)
OVERRIDDEN = "overridden"  # signed; the lead resolved without its feedback (CoHandling.override)


@dataclass(frozen=True)
class Co:
    """One co-handling department of a story and what it did."""

    dept: str  # its short code in enterprises.demo.DEPARTMENTS
    stage: str
    feedback: str = ""  # its written contribution (ON_TIME, LATE, EXTENDED)
    reason: str = ""  # why it asked for more time (EXTENDED, EXTENSION_PENDING) or why dispatch released it
    added_after: str = ""  # added by dispatch after this step of the story ("reopen"), not at the assignment
    note: str = ""  # dispatch's note when it adds the department


@dataclass(frozen=True)
class CoHandling:
    co: tuple[Co, ...]
    is_complex: bool = False  # dispatch marks it complex: the profile's longer resolution time
    override: str = ""  # why the lead resolved without a co-handler's feedback


C = Co

COHANDLED = {
    # ---- 融资信贷: the bank side is the finance office's ---------------------------------------
    "r1": CoHandling((C("jrj", ON_TIME,
                        "已约谈贷款银行晋城分行，银行同意将企业技改贷款纳入绿色通道，授信审批材料已报省分行，预计两周内完成审批。"),)),
    "r6": CoHandling((C("jrj", ON_TIME,
                        "已向贷款银行晋城分行了解情况，压缩授信系省分行统一调整行业限额所致。我局已函请省分行对该企业予以差异化支持，"
                        "结果待省分行答复。"),)),
    "r8": CoHandling((C("jrj", EXTENSION_PENDING,
                        reason="需协调两家银行完成对企业的实地尽职调查后出具融资方案，申请延长协办反馈期限。"),)),
    # ---- 用地用房: the natural resources bureau leads, the approval bureau co-handles ---------------
    "l1": CoHandling((C("xzspj", LATE,
                        "项目立项备案和用地预审相关手续已在我局办结，土地组卷报批所需的项目审批文件已全部提供给市自然资源和规划局。"),)),
    "l2": CoHandling((C("zjj", LATE,
                        "厂房已完成房屋安全鉴定，我局已按历史遗留问题处置办法为企业补办竣工验收备案，备案表已出具。"),)),
    "l5": CoHandling((C("xzspj", ON_TIME,
                        "规划变更批复后，仓库的建设工程规划许可和施工许可可以并联办理，我局已安排专人提前指导企业准备申报材料。"),)),
    "l8": CoHandling((C("xzspj", SIGNED),)),
    # ---- 审批手续: a project with many approvals, marked complex -----------------------------------
    "a5": CoHandling(
        (
            C("fgw", ON_TIME, "项目已完成企业投资项目备案，备案证明已出具；节能审查由我委按容缺受理方式同步开展。"),
            C("zrzyj", ON_TIME, "项目用地已取得不动产权证书，建设工程规划许可申请材料齐全，同意容缺受理，规划许可可在5个工作日内核发。"),
            C("sthjj", EXTENDED,
              "项目环境影响报告书已通过专家技术评审，企业按专家意见修改完善后即可报批，我局承诺受理后10个工作日内完成审批。",
              reason="项目环境影响报告书需组织专家技术评审，评审会定于下周召开，申请延长协办反馈期限。"),
        ),
        is_complex=True,
    ),
    # ---- 水电气暖: the power company leads, the development and reform commission co-handles -----
    "w1": CoHandling((C("fgw", ON_TIME,
                        "企业新增生产线项目已备案，双回路供电改造属于项目配套工程，我委同意将其纳入重点项目用电保障清单。"),)),
    "w3": CoHandling((C("fgw", LATE,
                        "经核实，企业新建厂房项目备案手续齐全；外线工程涉及的道路占用审批，我委已协调相关部门办理。"),)),
    "w5": CoHandling((C("fgw", RELEASED,
                        reason="经核实，供热管网扩容由市住建局会同供热企业研究解决，不涉及项目审批和价格调整，市发改委不再协办。"),)),
    "w7": CoHandling((C("scjgj", ON_TIME,
                        "我局计量检定机构已对企业电能表进行现场检定，电能表时钟误差超出允许范围，检定结果已告知供电公司。"),)),
    "w8": CoHandling((C("fgw", UNSIGNED),)),
    "w9": CoHandling(
        (C("fgw", OVERRIDDEN),),
        override="企业光伏项目备案手续齐全，并网验收属供电公司职责且已验收合格；为不影响企业并网发电，未等市发改委书面意见先行办结。",
    ),
    # ---- 产供销对接 ---------------------------------------------------------------------------
    "s7": CoHandling((C("fgw", UNSIGNED),)),  # its sign date has passed
    # ---- 政策兑现: the money is paid by the finance bureau -------------------------------------------
    "p1": CoHandling((C("czj", ON_TIME,
                        "20万元高新技术企业奖励资金已列入本月拨付批次，我局已完成资金审核，3个工作日内拨付至企业账户。",
                        added_after="reopen", note="奖励资金需由市财政局拨付，请市财政局协办，核实资金拨付进度并反馈。"),)),
    "p5": CoHandling((C("czj", SIGNED),)),  # past its feedback date, none yet
}  # fmt: skip

# The first contact: some days after the contact time on these, none yet on these (open ones).
LATE_CONTACT = {"a4", "e8", "w3", "l1", "r6", "a9", "k1", "o1"}
NO_CONTACT = {"e9"}

# (method, note); {name} is the company's contact person
CONTACT_NOTES = [
    ("phone", "电话联系企业负责人{name}，核实诉求的具体情况，告知办理流程和预计办结时间。"),
    ("phone", "电话联系企业负责人{name}，了解诉求背景和企业的具体要求，约定近期上门对接。"),
    ("visit", "上门走访企业，与企业负责人{name}当面沟通，查看现场情况并收集相关材料。"),
    ("visit", "会同属地乡镇上门走访企业，听取企业负责人{name}的意见，明确下一步工作安排。"),
    ("meeting", "约企业负责人{name}座谈，会同相关科室研究解决办法，明确办理时间节点。"),
]
CO_EXTENSION_APPROVAL = "同意延长协办反馈期限，请在新的期限内反馈协办意见。"


def co_note(lead, co_departments):
    """Dispatch's note when it names co-handlers at the assignment (lead and co: abbreviations)."""
    return f"请{lead}牵头办理，{'、'.join(co_departments)}协办，按时限反馈协办意见。"


# --------------------------------------------------------------------------------------------
# Planning: the steps between a story's steps
# --------------------------------------------------------------------------------------------


@dataclass
class Side:
    """A step placed between a story's steps: on working day `day` after the submission, after
    the story's step number `after` (and before its next step, if that is on the same day)."""

    day: int
    after: int
    action: str
    kw: dict = field(default_factory=dict)


def step_days(steps, resolution_days):
    """The working day (after the submission) each of a story's steps falls on as the builder
    places them, and the lead's due day after each (None while no department holds it)."""
    day, due, asked = 0, None, 0
    days, dues = [], []
    for step in steps:
        day = max(day, due + step.after_due) if step.after_due is not None else day + step.gap
        if step.action in ("assign", "reopen"):
            due = day + resolution_days
        elif step.action == "return":
            due = None
        elif step.action == "extension":
            asked = step.kw["days"]
        elif step.action == "decide" and step.kw["approve"]:
            due += asked
        days.append(day)
        dues.append(due)
    return days, dues


def side_steps(plan, rng, profile, resolution_days):
    """The first contact and the co-handling of one planned story, as Side steps in the order
    they happen; marks its assignment with its co-handlers (and complex), and its resolution with
    the override's reason."""
    steps, key = plan.steps, plan.story.key
    days, dues = step_days(steps, resolution_days)
    yesterday = plan.start_ago - 1  # nothing happens today or later

    def handled_until(index):
        """The day the department stops handling after step `index`: it resolves or returns."""
        return next((days[j] for j in range(index + 1, len(steps)) if steps[j].action in ("resolve", "return")), yesterday)

    def assignment_of(index):
        return max(j for j in range(index + 1) if steps[j].action == "assign")

    sides = []
    for index, step in enumerate(steps):
        if step.action != "sign" or key in NO_CONTACT:
            continue
        assigned = assignment_of(index)
        contact_by = min(days[assigned] + profile.contact_days, dues[assigned])
        day, until = days[index], handled_until(index)
        late = range(max(day, contact_by + 1), min(contact_by + 3, until) + 1)
        if key in LATE_CONTACT and late:
            day = rng.choice(late)
        method, text = rng.choice(CONTACT_NOTES)
        sides.append(Side(day, index, "contact", {"method": method, "text": text}))

    handling = COHANDLED.get(key)
    if handling:
        assigned = max(j for j, step in enumerate(steps) if step.action == "assign")
        steps[assigned].kw.update(co=tuple(co.dept for co in handling.co if not co.added_after), is_complex=handling.is_complex)
        if handling.override:
            resolved = next(j for j in range(assigned, len(steps)) if steps[j].action == "resolve")
            steps[resolved].kw["override"] = handling.override
        for co in handling.co:
            anchor = assigned
            if co.added_after:
                anchor = next(j for j in range(assigned, len(steps)) if steps[j].action == co.added_after)
                sides.append(Side(days[anchor], anchor, "add_co", {"dept": co.dept, "note": co.note}))
            sides += _co_steps(co, rng, profile, after=anchor, start=days[anchor], lead_due=dues[anchor], until=handled_until(anchor))
    sides.sort(key=lambda side: side.day)  # stable: the same day keeps the order above
    return sides


def _co_steps(co, rng, profile, *, after, start, lead_due, until):
    """The steps of one co-handler, which starts on day `start`, while the lead handles the
    ticket until day `until`."""
    feedback_by = min(start + profile.co_feedback_days, lead_due)
    sign_by = min(start + profile.response_days, feedback_by)

    def side(day, action, **kw):
        assert start <= day <= until, (co, action, start, day, until)
        return Side(day, after, action, {"dept": co.dept, **kw})

    if co.stage == UNSIGNED:
        return []
    signed = rng.randint(start, min(sign_by, until))
    sides = [side(signed, "co_sign")]
    if co.stage == ON_TIME:
        last = min(feedback_by, until)
        sides.append(side(rng.randint(max(signed, last - 1), last), "co_feedback", text=co.feedback))
    elif co.stage == LATE:
        sides.append(side(rng.randint(feedback_by + 1, min(feedback_by + 3, until)), "co_feedback", text=co.feedback))
    elif co.stage in (EXTENDED, EXTENSION_PENDING):
        more = min(rng.randint(3, 5), lead_due - feedback_by)  # never past the lead's due date
        assert more >= 1, co
        asked = min(max(signed, feedback_by - 1), until) if co.stage == EXTENDED else max(signed, min(feedback_by, until))
        sides.append(side(asked, "co_extension", days=more, reason=co.reason))
        if co.stage == EXTENDED:
            sides.append(side(asked + 1, "co_decide", note=CO_EXTENSION_APPROVAL))
            feedback = rng.randint(feedback_by + 1, min(feedback_by + more, until))
            sides.append(side(feedback, "co_feedback", text=co.feedback))
    elif co.stage == RELEASED:
        sides.append(side(min(signed + rng.randint(1, 2), until), "co_end", reason=co.reason))
    else:
        assert co.stage in (SIGNED, OVERRIDDEN), co
    return sides


# --------------------------------------------------------------------------------------------
# Playing: the builder's actions for these steps
# --------------------------------------------------------------------------------------------


class CoHandlingActions:
    """The co-handling and contact actions of enterprises.demo._Builder (which has the
    departments, their users, the dispatcher, holder() and shift())."""

    def co_user(self, dept):
        return self.dept_users[self.departments[dept].pk]

    def co_assignment(self, ticket, dept):
        return Assignment.objects.get(ticket=ticket, department=self.departments[dept], role=AssignmentRole.CO, ended_at__isnull=True)

    def do_contact(self, ticket, plan, at, method, text):
        note = text.format(name=plan.enterprise.contact_name)
        services.ticket_contact(ticket=ticket, by=self.holder(ticket), method=method, note=note, at=at)

    def do_add_co(self, ticket, plan, at, dept, note):
        services.ticket_add_co_department(ticket=ticket, by=self.dispatcher, department=self.departments[dept], note=note, at=at)

    def do_co_sign(self, ticket, plan, at, dept):
        services.assignment_co_sign(ticket=ticket, by=self.co_user(dept), at=at)

    def do_co_feedback(self, ticket, plan, at, dept, text):
        services.assignment_co_feedback(ticket=ticket, by=self.co_user(dept), text=text, at=at)

    def do_co_extension(self, ticket, plan, at, dept, days, reason):
        requested = self.shift(self.co_assignment(ticket, dept).due_date, days)
        services.extension_request(ticket=ticket, by=self.co_user(dept), requested_due_date=requested, reason=reason, at=at)

    def do_co_decide(self, ticket, plan, at, dept, note):
        request = ExtensionRequest.objects.get(assignment=self.co_assignment(ticket, dept), state=ExtensionRequest.State.PENDING)
        services.extension_decide(request=request, by=self.dispatcher, approve=True, note=note, at=at)

    def do_co_end(self, ticket, plan, at, dept, reason):
        services.assignment_end(assignment=self.co_assignment(ticket, dept), by=self.dispatcher, reason=reason, at=at)
