"""Outcome kinds and rating reviews in the demo data set (DESIGN.md §9).

enterprises.demo resolves every ticket with the outcome `solved`, except the stories in
`OUTCOMES`: explained (已解释说明), and not feasible for now (暂不具备解决条件) with the condition
and a review date — one whose date has come (the sweep reminds the lead department) and one still
ahead. `RatingReviewActions` (mixed into the
builder) has the lead department ask supervision to review three 不满意 ratings (评价复核) the day
the company gave them (`with_review_steps`, side steps played like the co-handling's): one
upheld (the rating leaves the satisfaction rate), one refused, one still waiting for
supervision's decision.
"""

import datetime
from dataclasses import dataclass

from django.utils import timezone

from tickets import services
from tickets.models import Outcome, RatingReview

from .demo_cohandling import Side, step_days

DUE = "due"  # the review date has come (at most 10 days after the resolution, today at the latest)
AHEAD = "ahead"  # a month from today


@dataclass(frozen=True)
class OutcomeOf:
    outcome: str
    result: str = ""  # the story's result text, if it says something else
    condition: str = ""
    review: str = ""  # DUE or AHEAD


OUTCOMES = {
    "s6": OutcomeOf(
        Outcome.EXPLAINED,
        "经核实，海外仓属市场化服务，政府部门不指定服务商；已向企业逐条解释跨境电商出口退税、海外仓建设补助政策，"
        "并安排企业参加全市跨境电商业务培训。",
    ),
    "l6": OutcomeOf(
        Outcome.EXPLAINED,
        "经核实，冷库和烘干房属于设施农业用地，按规定只需备案、无需办理农用地转用审批；已向企业解释政策并指导乡镇完成备案。",
    ),
    "s5": OutcomeOf(
        Outcome.NOT_FEASIBLE,
        "本地暂无取得采矿许可的高岭土矿山，原料只能依靠省外供应；已协调省内两家企业临时供货，缓解原料紧张。",
        condition="市内新设高岭土采矿权出让完成、矿山投产",
        review=DUE,
    ),
    "e6": OutcomeOf(
        Outcome.NOT_FEASIBLE,
        "3名人才已办理落户手续；子女就近入学的学校本学期学位已满，暂不具备插班条件，已安排在相邻学校就读。",
        condition="秋季学期学位调剂，就近学校空出学位",
        review=AHEAD,
    ),
}

# The reviews of 不满意 ratings: story key -> (decision, the department's reason, supervision's note).
UPHELD, REFUSED, PENDING = "upheld", "refused", "pending"
REVIEWS = {
    "p6": (
        UPHELD,
        "投资协议约定的租金补贴须经开发区管委会和市财政共同审核，企业提交的租赁合同未备案，补贴暂不能兑现，已一次性告知企业补正；"
        "企业不满意的是协议条款本身，并非本局办理不力。",
        "经核实，补贴未兑现系企业租赁合同未备案所致，承办部门已依规告知，不满意评价不计入该部门满意率。",
    ),
    "o1": (
        REFUSED,
        "道路维修需纳入年度计划并完成招标，本局已按程序推进，企业不满意系工期较长所致。",
        "道路破损影响企业正常生产，承办部门首次办理只作了临时修补，评价成立。",
    ),
    "p1": (
        PENDING,
        "奖补资金须由市财政局统一拨付，本局已按时完成审核并移交，资金拨付时间不在本局职责范围内。",
        "",
    ),
}


class RatingReviewActions:
    """The outcome of each resolution and the rating reviews, for enterprises.demo._Builder
    (which has the departments' users, the supervisor, `tickets`, `now` and `today`)."""

    def resolve_outcome(self, plan, at):
        """The outcome keyword arguments of a story's resolution, and its result text (or None)."""
        chosen = OUTCOMES.get(plan.story.key)
        if chosen is None:
            return {"outcome": Outcome.SOLVED}, None
        kwargs = {"outcome": chosen.outcome}
        if chosen.outcome == Outcome.NOT_FEASIBLE:
            resolved_on = timezone.localdate(at)
            if chosen.review == DUE:
                review = min(resolved_on + datetime.timedelta(days=10), self.today)
            else:
                review = self.today + datetime.timedelta(days=30)
            kwargs |= {"condition": chosen.condition, "review_date": review}
        return kwargs, chosen.result or None

    def do_rating_review(self, ticket, plan, at, reason):
        services.rating_review_request(ticket=ticket, by=self.holder(ticket), reason=reason, at=at)

    def do_rating_review_decide(self, ticket, plan, at, uphold, note):
        review = RatingReview.objects.get(ticket=ticket)
        services.rating_review_decide(review=review, by=self.supervisor, uphold=uphold, note=note, at=at)


def with_review_steps(plan, resolution_days):
    """The story's side steps with its rating review's (REVIEWS): asked the day the company sent
    the ticket back, decided the same day (upheld, refused) or still waiting."""
    review = REVIEWS.get(plan.story.key)
    if review is None:
        return plan.side
    decision, reason, note = review
    days, _dues = step_days(plan.steps, resolution_days)
    reopen = max(index for index, step in enumerate(plan.steps) if step.action == "reopen")
    steps = [Side(days[reopen], reopen, "rating_review", {"reason": reason})]
    if decision != PENDING:
        steps.append(Side(days[reopen], reopen, "rating_review_decide", {"uphold": decision == UPHELD, "note": note}))
    return sorted([*plan.side, *steps], key=lambda side: side.day)  # stable: the same day keeps the order
