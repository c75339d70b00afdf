"""The eligibility questions: what each asks, how its answer is read, when it is asked.

The order of QUESTIONS is the order of the check. A question is skipped when `applies`
says it does not concern this person (no rent to ask a home owner), which keeps the check
at 8 questions for a single adult and 10 for a couple with children.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot import answers, parsing
from bot.messages import CHOICES

HOUSEHOLDS = ["single", "single_with_children", "couple", "couple_with_children"]
HOUSING = ["tenant", "social_tenant", "owner", "hosted", "homeless"]
MOMENTS = ["adult", "child", "single_parent", "senior", "other"]


def parse_age(text: str) -> Any:
    return answers.age(text)


def _postcode(text: str) -> Any:
    return answers.postcode(text)


def _choice(name: str, values: list[str], words: Callable[[str], Any]) -> Callable[[str], Any]:
    """The option's digit or words first, then what people write for it (« je vis seule »)."""
    def parse(text: str) -> Any:
        index = parsing.parse_choice(text, CHOICES[name])
        return values[index] if index is not None else words(text)

    return parse


def yes_no(text: str) -> Any:
    answer = parsing.parse_yes_no(text)
    if answer is None:
        index = parsing.parse_choice(text, CHOICES["yes_no"])
        answer = None if index is None else index == 0
    return answer if answer is not None else answers.yes_no(text)


def _disability(text: str) -> Any:
    index = parsing.parse_choice(text, CHOICES["yes_no"])
    return index == 0 if index is not None else answers.disability(text)


# The rate the MDPH recognised, by the menu's option: 80 % or more opens the AAH and the
# invalidity card alone; 50 to 79 % only with conditions a referent checks; not known: 80, as
# before the question (the referent checks it with the person, the read-back says « not known »).
RATES = [80, 50, 30]


def _disability_rate(text: str) -> Any:
    index = parsing.parse_choice(text, CHOICES["disability_rate"])
    if index is not None:
        return RATES[index]
    if (rate := answers.disability_rate(text)) is not None:
        return rate
    return "unknown" if answers.dont_know(text) else None


def _amount(text: str) -> Any:
    return answers.amount(text)


def _ages(text: str) -> Any:
    ages = answers.children_ages(text)
    return ages or None  # « avec enfants » was chosen: at least one age is needed


def parse_moment(text: str) -> str | None:
    """A moment of life by its number, its words, or what people write (« enceinte »)."""
    index = parsing.parse_choice(text, CHOICES["moment"])
    if index is not None:
        return MOMENTS[index]
    return answers.moment(text)


def _with_children(answers: dict) -> bool:
    return answers.get("household") in ("single_with_children", "couple_with_children")


def _rents(answers: dict) -> bool:
    return answers.get("housing") in ("tenant", "social_tenant")


@dataclass(frozen=True)
class Question:
    key: str
    parse: Callable[[str], Any]
    applies: Callable[[str, dict], bool]
    choices: str | None = None  # a name in messages.CHOICES
    kind: str = "text"  # "amount" questions take an amount entity from the NLU
    # What the parsed words mean given the earlier answers (« le deuxième » -> child 1),
    # None when they point at nothing.
    resolve: Callable[[Any, dict], Any] | None = None


QUESTIONS: list[Question] = [
    Question("age", parse_age, lambda m, a: True),
    Question("postcode", _postcode, lambda m, a: True),
    Question("household", _choice("household", HOUSEHOLDS, answers.household),
             lambda m, a: m != "single_parent", choices="household"),
    Question("children_ages", _ages, lambda m, a: _with_children(a)),
    Question("housing", _choice("housing", HOUSING, answers.housing), lambda m, a: True,
             choices="housing"),
    Question("rent", _amount, lambda m, a: _rents(a), kind="amount"),
    Question("disability", _disability, lambda m, a: m != "senior", choices="yes_no"),
    Question("disability_rate", _disability_rate,
             lambda m, a: m != "senior" and a.get("disability") is True,
             choices="disability_rate"),
    Question("salary", _amount, lambda m, a: m != "senior", kind="amount"),
    # After the salary: for couples, one prompt asks both (answers.PAIRS).
    Question("partner_income", _amount,
             lambda m, a: a.get("household", "").startswith("couple"), kind="amount"),
    Question("unemployment", _amount, lambda m, a: m != "senior", kind="amount"),
    Question("pension", _amount, lambda m, a: m == "senior", kind="amount"),
    Question("other_income", _amount, lambda m, a: m == "senior", kind="amount"),
]

BY_KEY = {q.key: q for q in QUESTIONS}

# Answers implied by the moment of life, so they are not asked.
IMPLIED = {"single_parent": {"household": "single_with_children"}}


def next_question(moment: str, answers: dict, after: str | None = None) -> Question | None:
    """The first question after `after` that applies and is not answered yet."""
    started = after is None
    for question in QUESTIONS:
        if not started:
            started = question.key == after
            continue
        if question.applies(moment, answers) and question.key not in answers:
            return question
    return None


def pair_of(key: str, moment: str, answers_so_far: dict) -> str | None:
    """The question asked together with KEY (« âge et code postal »), if it is pending too."""
    pair = answers.PAIRS.get(key)
    if pair is None or pair[0] in answers_so_far:
        return None
    if key in answers.UNCONDITIONAL_PAIRS:
        return pair[0]
    return pair[0] if BY_KEY[pair[0]].applies(moment, answers_so_far) else None


def read_pair(key: str, text: str) -> tuple:
    return answers.PAIRS[key][1](text)


def questions_for(moment: str, answers: dict) -> list[str]:
    """Keys of every question this person is asked, given the answers so far."""
    return [q.key for q in QUESTIONS if q.applies(moment, answers)]


# ---------------------------------------------------------------- after the first result
# Questions the main check leaves out to stay short (issue 14): offered after the first
# result, only to whom they concern, and only when a right they open is not found yet.


def _job_seeker(text: str) -> Any:
    index = parsing.parse_choice(text, CHOICES["yes_no"])
    return index == 0 if index is not None else answers.job_seeker(text)


def _yes_no_choice(text: str) -> Any:
    index = parsing.parse_choice(text, CHOICES["yes_no"])
    return index == 0 if index is not None else yes_no(text)


def _child_disability(text: str) -> Any:
    """Oui / non, or words naming the child (« le deuxième », « les deux »): a yes."""
    answer = _yes_no_choice(text)
    if answer is None and answers.which_children(text):
        return True
    return answer


def _disabled_children(said: dict, answers_so_far: dict) -> Any:
    return answers.resolve_children(said, answers_so_far.get("children_ages") or [])


def _several_children(answers_so_far: dict) -> bool:
    return len(answers_so_far.get("children_ages") or []) > 1


def _partner_age(text: str) -> Any:
    return answers.age(text)


def school_children(answers_so_far: dict) -> list[int]:
    """Indexes of the children whose school level is asked: bourses and ARS, 10 to 18."""
    return [i for i, age in enumerate(answers_so_far.get("children_ages", []))
            if 10 <= int(age) <= 18]


def _age_of(answers_so_far: dict) -> int:
    return int(answers_so_far.get("age", 0))


def _single_parent(answers_so_far: dict) -> bool:
    return answers_so_far.get("household") == "single_with_children"


FOLLOWUPS: list[Question] = [
    # CEJ, aide au permis, Fluo 67: France Travail registration, not asked in the check.
    Question("job_seeker", _job_seeker, lambda m, a: m != "senior" and 16 <= _age_of(a) < 60
             and (not a.get("salary") or _age_of(a) <= 25), choices="yes_no"),
    Question("student", _yes_no_choice, lambda m, a: 18 <= _age_of(a) <= 25,
             choices="yes_no"),
    # RSA majoré: a child under 3 opens it anyway; older children, a separation under 18 months.
    Question("separated_recently", _yes_no_choice, lambda m, a: _single_parent(a)
             and min(int(x) for x in a.get("children_ages") or [0]) >= 3, choices="yes_no"),
    # ASF: reduced or stopped by the alimony the other parent pays, 0 when it is not paid.
    Question("alimony_received", _amount, lambda m, a: _single_parent(a), kind="amount"),
    Question("children_school", answers.school_levels, lambda m, a: bool(school_children(a))),
    Question("child_disability", _child_disability, lambda m, a: _with_children(a),
             choices="yes_no"),
    # AEEH per child (its amount and age limit are the child's): which one, when several.
    Question("disabled_children", answers.which_children,
             lambda m, a: a.get("child_disability") is True and _several_children(a),
             resolve=_disabled_children),
    Question("autonomy_loss", _yes_no_choice, lambda m, a: m == "senior" or _age_of(a) >= 60,
             choices="yes_no"),
    # The AAH and the invalidity card are the partner's own when the partner has the disability
    # (read when said: SAID_ONLY).
    Question("partner_disability", _yes_no_choice,
             lambda m, a: a.get("household", "").startswith("couple"), choices="yes_no"),
    # The partner's age matters where the applicant's stands in badly: near retirement.
    Question("partner_age", _partner_age,
             lambda m, a: a.get("household", "").startswith("couple")
             and (m == "senior" or _age_of(a) >= 55)),
]
FOLLOWUP_KEYS = [q.key for q in FOLLOWUPS]
# The rights each follow-up question can open: it is offered only while one is not found.
FOLLOWUP_RIGHTS = {
    "job_seeker": ["contrat_engagement_jeune", "aide_permis_demandeur_emploi",
                   "grand_est_fluo_67_gratuite"],
    "student": ["strasbourg_fonds_aide_jeunes"],
    "separated_recently": ["rsa"],
    "alimony_received": ["asf"],
    "children_school": ["bourse_college", "bourse_lycee", "ars"],
    "child_disability": ["aeeh"],
    "disabled_children": ["aeeh"],
    "autonomy_loss": ["apa"],
    "partner_disability": ["aah", "carte_mobilite_inclusion"],
    "partner_age": ["aspa", "asi", "apa"],
}
# Facts read when the person says them (« ma femme est handicapée »), never offered as a
# question: the follow-up stays as short as it was.
SAID_ONLY = {"partner_disability"}
# Questions a yes to another one calls for (not counted in the offer: asked only then).
FOLLOWS = {"child_disability": "disabled_children"}
# Rights for young people only: not counted in the offer to whom they cannot concern.
YOUTH_RIGHTS = {"contrat_engagement_jeune": 25, "strasbourg_fonds_aide_jeunes": 25}
# Questions that change the amount of a right already found (RSA majoré, ASF less the
# alimony): offered when that right is found too.
CHANGES_AMOUNT = {"separated_recently", "alimony_received"}
BY_KEY.update({q.key: q for q in FOLLOWUPS})


def followups(moment: str, answers_so_far: dict, found: set[str]) -> tuple[list[str], int]:
    """The follow-up questions worth asking this person, and how many rights they check."""
    if "followup" in answers_so_far:  # offered once already (taken or declined)
        return [], 0
    keys, rights = [], set()
    for question in FOLLOWUPS:
        if question.key in answers_so_far or question.key in FOLLOWS.values() \
                or question.key in SAID_ONLY \
                or not question.applies(moment, answers_so_far):
            continue
        concerned = {right for right in FOLLOWUP_RIGHTS[question.key]
                     if _age_of(answers_so_far) <= YOUTH_RIGHTS.get(right, 200)}
        if question.key not in CHANGES_AMOUNT:
            concerned -= found
        if concerned:
            keys.append(question.key)
            rights |= concerned
    return keys, len(rights)


def called_for(answers_so_far: dict) -> Question | None:
    """The question a fact said during the check calls for (« Lequel ? » after « mon fils a
    un handicap » when there are several children), if it is not answered yet."""
    for key, then in FOLLOWS.items():
        if answers_so_far.get(key) is True and then not in answers_so_far \
                and BY_KEY[then].applies("", answers_so_far):
            return BY_KEY[then]
    return None


def next_followup(answers_so_far: dict) -> Question | None:
    """The next follow-up question the person agreed to and has not answered."""
    for key in answers_so_far.get("followup") or []:
        if key not in answers_so_far:
            return BY_KEY[key]
        then = FOLLOWS.get(key)
        if then and then not in answers_so_far and BY_KEY[then].applies("", answers_so_far):
            return BY_KEY[then]
    return None
