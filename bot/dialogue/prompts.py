"""Asking: the prompt of each question and menu, and asking again what is pending."""

from __future__ import annotations

from bot import language, messages
from bot.dialogue import questions
from bot.dialogue.turn import Turn
from bot.dialogue.types import Reply


def choices(question: questions.Question) -> list[str]:
    return list(messages.CHOICES[question.choices]) if question.choices else []


def prompt(key: str, pair: str | None = None) -> Reply:
    """The question KEY as it is first asked, with its pair when both are pending."""
    if pair:
        return Reply(messages.text(f"ask_{key}_{pair}"), choices(questions.BY_KEY[key]))
    return Reply(messages.text(f"ask_{key}"), choices(questions.BY_KEY[key]))


def ask(turn: Turn, key: str, *, remember: bool = True) -> Reply:
    """Moves the conversation to question KEY (kept in its history for RETOUR) and asks it."""
    conversation = turn.conversation
    if remember:
        history = [k for k in (conversation.history or []) if k != key]
        conversation.history = history + [key]
    conversation.state = f"ask:{key}"
    pair = questions.pair_of(key, conversation.moment or "other", turn.answers)
    conversation.context = {"pair": pair} if pair else {}
    return prompt(key, pair)


def ask_moment(turn: Turn, *, hint: bool = False, first: bool = False) -> Reply:
    turn.conversation.state = "moment"
    key = "moment_reask" if hint else "ask_moment_first" if first else "ask_moment"
    return Reply(messages.text(key), messages.CHOICES["moment"])


def consent_prompt(turn: Turn) -> Reply:
    return Reply(messages.text("privacy", months=turn.services.retention_months),
                 messages.CHOICES["consent"])


def after_result_prompt() -> Reply:
    return Reply(messages.text("offer_human"), messages.CHOICES["after_result"])


def not_understood(turn: Turn, reask: Reply) -> list[Reply]:
    """A short re-ask with an example; from the second in a row, a person is offered too.

    The question stays open: a digit typed next still answers it (it never books anything).
    """
    conversation = turn.conversation
    conversation.misunderstood = (conversation.misunderstood or 0) + 1
    # A person who did not follow gets the re-ask alone: the follow-up offer and the
    # question on sex wait for a turn that was understood.
    turn.notes["not_understood"] = True
    if conversation.misunderstood >= 2:
        return [Reply(messages.text("not_understood_again")), reask]
    return [reask]


def repeat(turn: Turn) -> list[Reply]:
    """What the person is being asked right now, asked again (after a command or a detour)."""
    state = turn.conversation.state
    if state == "consent":
        return [consent_prompt(turn)]
    if state == "moment":
        return [ask_moment(turn)]
    if state == "result":
        return [after_result_prompt()]
    if state.startswith("ask:"):
        return [prompt(state.split(":", 1)[1], (turn.conversation.context or {}).get("pair"))]
    if state == "confirm":
        return [confirm_prompt(turn)]
    if state == "recap":
        return [recap(turn)]
    return []


def describe_facts(facts: dict) -> str:
    """« 34 ans, seul(e) avec enfant(s), loyer 480 € »: what was understood, in words."""
    parts = []
    for key in questions.BY_KEY:
        if key not in facts:
            continue
        value = facts[key]
        if key in ("household", "housing"):
            parts.append(messages.text(f"fact_{key}_{value}"))
        elif key == "disability_rate":
            parts.append(messages.text("fact_disability_rate_unknown") if value == "unknown"
                         else messages.text("fact_disability_rate", value=value))
        elif key == "disability" or isinstance(value, bool):
            parts.append(messages.text(f"fact_{key}_yes" if value else f"fact_{key}_no"))
        elif key == "children_school":
            labels = ", ".join(messages.SCHOOL_LABELS[level] for level in value)
            parts.append(messages.text("fact_children_school", value=labels))
        elif key == "disabled_children":
            ranks = [str(int(i) + 1) for i in value]
            joined = _listed(ranks)
            parts.append(messages.text("fact_disabled_children", value=joined))
        elif key == "children_ages":
            ages = [str(a) for a in value]
            joined = _listed(ages)
            parts.append(messages.text("fact_children_ages", value=joined))
        elif questions.BY_KEY[key].kind == "amount":
            parts.append(messages.text(f"fact_{key}", value=messages.euros(value)))
        else:
            parts.append(messages.text(f"fact_{key}", value=value))
    return ", ".join(parts)


def checked_facts(turn: Turn) -> dict:
    """The answers the check uses, in the order of the questions."""
    moment = turn.conversation.moment or "other"
    # « seul(e) avec enfant(s) », chosen with the moment, is used but never asked.
    keys = set(questions.questions_for(moment, turn.answers)) | set(questions.IMPLIED.get(
        moment, {}))
    keys |= set(questions.FOLLOWUP_KEYS)  # said or asked already: the check uses them too
    return {k: turn.answers[k] for k in questions.BY_KEY if k in keys and k in turn.answers}


def recap(turn: Turn) -> Reply:
    """Every answer is in: the facts the check will use, read back before it runs."""
    turn.conversation.state = "recap"
    turn.conversation.context = {}
    return recap_prompt(checked_facts(turn))


def recap_prompt(facts: dict) -> Reply:
    """« Je vérifie : 34 ans, … C'est juste ? »"""
    return Reply(messages.text("recap", facts=recap_facts(facts)), messages.CHOICES["yes_no"])


def recap_facts(facts: dict) -> str:
    """Every fact of a check in as few characters as reads plainly (two SMS parts at most):
    « 34 ans, 67100, seul(e), enfants de 3 et 7 ans, logement social 420 €, … »."""
    shown = dict(facts)
    parts = []
    if "postcode" in shown:
        postcode = shown.pop("postcode")
    else:
        postcode = None
    household = shown.pop("household", None)
    if household and "children_ages" in shown:
        household = household.replace("_with_children", "")  # the ages say there are some
    housing, rent = shown.pop("housing", None), shown.pop("rent", None)
    partner = shown.pop("partner_income", None)
    for key in questions.BY_KEY:
        if key == "postcode" and postcode is not None:
            parts.append(str(postcode))
        elif key == "household" and household:
            parts.append(messages.text(f"fact_household_{household}"))
        elif key == "housing" and housing:
            where = messages.text(f"fact_housing_{housing}")
            parts.append(f"{where} {messages.euros(rent)} €" if rent is not None else where)
        elif key == "partner_income" and partner is not None:
            parts.append(messages.text("recap_partner_income", value=messages.euros(partner)))
        elif key in shown:
            parts.append(describe_facts({key: shown[key]}))
    return ", ".join(parts)


def fact_choices(facts: dict, keys: list[str]) -> list[str]:
    return [describe_facts({key: facts[key]}) for key in keys if key in facts]


def which_prompt(turn: Turn, facts: dict) -> Reply:
    """« Que faut-il corriger ? » with each fact read back as a numbered choice."""
    turn.conversation.context = {"which": list(facts)}
    return Reply(messages.text("recap_which"), fact_choices(facts, list(facts)))


def _listed(items: list[str]) -> str:
    """« 3, 7 et 12 » with the conversation's own « and » (« ve », « and », « و »)."""
    if len(items) < 2:
        return items[0] if items else ""
    joiner = (language.setting("and") or ["et"])[0]
    return f"{', '.join(items[:-1])} {joiner} {items[-1]}"


def confirm_prompt(turn: Turn) -> Reply:
    noted = (turn.conversation.context or {}).get("noted", {})
    return Reply(messages.text("confirm_noted", facts=describe_facts(noted)),
                 messages.CHOICES["confirm"])
