"""From the answers of the conversation to the profile the eligibility evaluator reads."""

from __future__ import annotations

from typing import Any

from bot.dialogue.questions import school_children

HOUSING_WITHOUT_RENT = {"owner", "hosted", "homeless"}


def _person(age: int, **income: float) -> dict[str, Any]:
    return {
        "age": age,
        "pregnant": False,
        "disability_rate": 0,
        "student": False,
        "income": {
            "salary": income.get("salary", 0.0),
            "unemployment": income.get("unemployment", 0.0),
            "pension": income.get("pension", 0.0),
            "other": income.get("other", 0.0),
        },
    }


def build_profile(moment: str, answers: dict[str, Any], period: str) -> dict[str, Any]:
    applicant = _person(
        int(answers["age"]),
        salary=float(answers.get("salary", 0)),
        unemployment=float(answers.get("unemployment", 0)),
        pension=float(answers.get("pension", 0)),
        other=float(answers.get("other_income", 0)),
    )
    if moment == "child":
        applicant["pregnant"] = True
    for key in ("job_seeker", "student", "separated_recently", "autonomy_loss"):
        if key in answers:  # asked after the first result (questions.FOLLOWUPS)
            applicant[key] = bool(answers[key])
    if answers.get("disability"):
        # The rate the person gave; not known (or not asked, before the question existed):
        # 80 %, the rate that opens the AAH on its own, and the referent checks it.
        rate = answers.get("disability_rate", "unknown")
        applicant["disability_rate"] = 80 if rate == "unknown" else int(rate)
    partner = None
    household = answers.get("household", "single")
    if household.startswith("couple"):
        # The partner's age is asked only after the first result, to those near retirement;
        # until then the applicant's age stands in.
        # A senior's partner lives on a pension far more often than on a wage, and the two
        # count differently (the AAH's and the ASPA's allowances on earnings).
        income_kind = "pension" if moment == "senior" else "salary"
        partner = _person(int(answers.get("partner_age", answers["age"])),
                          **{income_kind: float(answers.get("partner_income", 0))})
        if answers.get("partner_disability"):
            partner["disability_rate"] = 80  # as the person's own when its rate is not known
    children = [{"age": int(age)} for age in answers.get("children_ages", [])]
    # School levels are said in the order of the children aged 10 to 18.
    for index, level in zip(school_children(answers), answers.get("children_school") or [],
                            strict=False):
        children[index]["school"] = level
    if answers.get("child_disability") and children:
        # The AEEH is the child's (under 20, its own amount): mark the ones named; with
        # one child, or none named, the first under 20.
        named = answers.get("disabled_children")
        if named is None:
            named = [next((i for i, c in enumerate(children) if c["age"] < 20), 0)]
        for index in named:
            if 0 <= int(index) < len(children):
                children[int(index)]["disability"] = True
    alimony = None
    if "alimony_received" in answers:
        received = float(answers["alimony_received"])
        alimony = {"received": received, "unpaid": received == 0}
    housing_status = answers.get("housing", "hosted")
    rent = 0.0 if housing_status in HOUSING_WITHOUT_RENT else float(answers.get("rent", 0))
    return {
        "period": period,
        "commune": answers["postcode"],
        "applicant": applicant,
        "partner": partner,
        "children": children,
        "housing": {"status": housing_status, "rent": rent},
        **({"alimony": alimony} if alimony else {}),
    }
