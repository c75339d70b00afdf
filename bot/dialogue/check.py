"""Consent and the eligibility check: greet, ask consent, the moment of life, each question.

States it handles (see the core's table):
    new       anything: the first message                -> welcome
    consent   oui / non to keeping the answers           -> consent
    declined  oui to change one's mind                   -> declined
    moment    a moment of life, 1 to 5                   -> moment
    ask:KEY   the answer to question KEY                 -> answer
    confirm   oui / non to facts understood in passing   -> confirm
    recap     oui / a correction to the facts read back  -> recap_answer
    computing a check interrupted before its result      -> begin_check (again)

Answers are read the way people write them (bot/answers.py). A fact read outside its own
question (« je paie 480 de loyer » while asked the salary) counts only once confirmed, and
a number that answers the current question is never taken for another one. Nothing is
computed from a fact the person has not seen: once every answer is in, they are read back
in one message (« Je vérifie : … C'est juste ? ») and only « oui » computes.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from bot import answers, language, messages, parsing
from bot.dialogue import languages, prompts, questions
from bot.dialogue.profile import build_profile
from bot.dialogue.turn import Turn
from bot.dialogue.types import Reply
from storage.models import Consent

CONSENT_VERSION = "2026-11"
# A first message that says it all is kept until the consent answer, at most this long.
INTRO_KEPT = timedelta(hours=1)
# Middle of each range offered after « je ne sais pas » (messages.CHOICES["range_*"]).
RANGE_VALUES = {"range_income": [150.0, 500.0, 950.0, 1500.0],
                "range_rent": [300.0, 500.0, 700.0, 900.0]}
# Facts that complete the answer to a question, read with it without a confirmation.
RELATED = {"household": ("children_ages",), "housing": ("rent",),
           "salary": ("unemployment", "partner_income"), "unemployment": ("partner_income",),
           "disability": ("child_disability", "partner_disability"),
           "partner_income": ("partner_disability",)}
# The person's own questions: what the message says of someone else is not their answer.
OWN = {"salary", "unemployment", "pension", "other_income", "disability"}
CORRECTION = re.compile(r"^(non|nan|pardon|en fait|enfait|finalement|plutot|erreur|oups|"
                        r"je me suis trompee?|correction|attention)\b|\bje me suis trompee?\b|"
                        r"\ben fait\b")
# Without a fact to say what changes (« pardon 1600 pas 16000 »), a bare « non » is an
# answer (« non rien »), not a correction: only these words correct a number.
STRONG_CORRECTION = re.compile(r"\b(pardon|en fait|enfait|finalement|plutot|erreur|oups|"
                               r"je me suis trompee?|correction|je voulais dire)\b")
# Words that, opening a message, point back at the answer just given (« en fait » and
# « finalement » often open a plain answer, so they do not count here).
OPENS_WITH_CORRECTION = re.compile(r"^(oups|oops|pardon|erreur|correction|je me suis trompee?|"
                                   r"je voulais dire|attendez? non|non pardon|non oups)\b")
DISCOURAGED = re.compile(r"\b(droit a rien|droits? a rien|jamais droit|ai droit a rien|"
                         r"pas droit|ca sert a rien|pour rien de toute facon|on a droit a rien)\b")


def welcome(turn: Turn) -> list[Reply]:
    """Greets, says what is kept and for how long, and asks consent.

    A first message full of facts is kept (not as answers) until the consent answer.
    """
    conversation = turn.conversation
    moment = turn.moment_intent() or answers.moment(turn.text)
    if moment and not conversation.consented:
        conversation.moment = moment
    conversation.state = "consent"
    if _facts(turn) or answers.student_in(turn.text):
        conversation.context = {"intro": turn.text, "intro_at": turn.clock().isoformat()}
    replies = [Reply(messages.text("encourage"))] if discouraged(turn.text) else []
    return languages.notice(turn) + replies + [Reply(messages.text("greeting")),
                                               prompts.consent_prompt(turn)]


def discouraged(text: str) -> bool:
    """« De toute façon je n'ai droit à rien »: the belief behind much non-take-up."""
    return bool(DISCOURAGED.search(parsing.normalize(text).replace("'", " ")))


def consent(turn: Turn) -> list[Reply]:
    """Records the consent and starts the check, or keeps nothing if declined."""
    answer = questions.yes_no(turn.text)
    if answer is None:
        return prompts.not_understood(
            turn, Reply(messages.text("consent_reask"), messages.CHOICES["consent"]))
    conversation = turn.conversation
    intro = _fresh_intro(turn)
    conversation.context = {}  # the first message is used now or never
    if not answer:
        conversation.state = "declined"
        conversation.moment = None
        return [Reply(messages.text("declined", contact=turn.contact))]
    conversation.consented = True
    turn.session.add(Consent(person_id=conversation.person_id, version=CONSENT_VERSION,
                             given_at=turn.clock()))
    turn.event("consent")
    facts = answers.facts_in(intro) if intro else {}
    moment = conversation.moment or (_moment_from(facts) if facts else None)
    if moment:
        _begin(turn, moment)
        # « divorcée, j'élève ma fille seule »: the moment says more than « seule » (a
        # single parent), as at the menu; the partial reading is not put to the person.
        implied = questions.IMPLIED.get(moment, {})
        facts = {k: v for k, v in facts.items() if implied.get(k, v) == v}
    if intro and answers.student_in(answers.whose(intro)[0]):
        turn.set_answer("student", True)  # « i'm an irish student »: read back before the result
    if facts:
        return [confirm_facts(turn, facts, after=None)]
    if moment:
        return next_step(turn, after=None)
    return [prompts.ask_moment(turn, first=True)]


def _fresh_intro(turn: Turn) -> str | None:
    context = turn.conversation.context or {}
    intro, at = context.get("intro"), context.get("intro_at")
    if not intro or not at or turn.clock() - datetime.fromisoformat(at) > INTRO_KEPT:
        return None
    return intro


def _facts(turn: Turn) -> dict[str, Any]:
    """The facts of the turn's message, read knowing the household already told, each
    given to whom it is about (« mon fils a un handicap » is the child's, not the person's)."""
    implied = questions.IMPLIED.get(turn.conversation.moment or "", {})
    first = _subject_asked(turn)
    own, others = answers.whose(turn.text, first)
    # Asked about the partner, the message is the partner's until it names the person.
    facts = answers.facts_in(turn.text if first == "me" else own,
                             known_household=turn.answers.get("household")
                             or implied.get("household"))
    if "disability" in others and not (turn.answers.get("disability") is True
                                       or turn.conversation.state == "ask:disability"):
        # The person's own « no » is inferred only where their disability is in question.
        others.pop("disability")
        facts.pop("disability", None)
    if first == "me" and "student" not in turn.answers and answers.student_in(own):
        # A student's prime d'activité differs: asked only in the follow-up, it was stated to
        # a student who said so four times (improvised resident en1). Kept at once, without
        # a « J'ai noté » turn of its own (an SMS part): the read-back before the result
        # shows it, and a « non » there corrects it.
        turn.set_answer("student", True)
    return {**facts, **others}


# Questions about the partner: what the answer says is the partner's unless it says « moi ».
PARTNER_QUESTIONS = {"partner_income", "partner_age", "partner_disability"}


def _subject_asked(turn: Turn) -> str:
    state = turn.conversation.state
    return "partner" if state.startswith("ask:") and state[4:] in PARTNER_QUESTIONS else "me"


def _own_words(turn: Turn, key: str) -> tuple[str, dict[str, Any]]:
    """The words of the message that answer the person's own question KEY, and the facts it
    states of others or of other incomes (« maaş yok, işsizlik parası 1050 » asked the
    salary: « maas yok », and unemployment 1050)."""
    if key not in OWN:
        return turn.text, {}
    own, others = answers.whose(turn.text)
    if key == "disability" and not {"child_disability", "partner_disability"} & set(others) \
            and (whom := answers.spoken_of(turn.text)) and questions.yes_no(own) is True:
        # « oui, mon fils » asked « Avez-vous un handicap reconnu ? »: the child's.
        return "", {f"{whom}_disability": True, "disability": False}
    if key in answers.INCOME_KINDS:
        own, kinds = answers.incomes(own, key)
        others = {**kinds, **others}
    return own, others


def _moment_from(facts: dict) -> str | None:
    """Only what the facts say for sure: a parent alone with children."""
    if facts.get("household") == "single_with_children":
        return "single_parent"
    return None


def declined(turn: Turn) -> list[Reply]:
    """Lets a person who declined change their mind; otherwise repeats the contact."""
    if questions.yes_no(turn.text) is True:
        turn.conversation.state = "consent"
        return consent(turn)
    if discouraged(turn.text):
        return [Reply(messages.text("encourage")), Reply(messages.text("declined_again"))]
    return [Reply(messages.text("declined_again"))]


def moment(turn: Turn) -> list[Reply]:
    """Stores the moment of life and asks the first question of its check."""
    chosen = questions.parse_moment(turn.text) or turn.moment_intent()
    if chosen is None and (told := _facts(turn)):
        # « je vis seule », « 34 ans 67100 »: no moment named, but the person has started
        # telling their situation. Asking the menu again would lose it: the general check
        # (« Autre ») takes it, unless the facts themselves name a moment.
        chosen = _moment_from(told) or "other"
    if chosen is None:
        return prompts.not_understood(turn, prompts.ask_moment(turn, hint=True))
    implied = questions.IMPLIED.get(chosen, {})
    # « Maman seule » chose the single-parent path: « seule » is not a separate fact.
    facts = {k: v for k, v in _facts(turn).items()
             if k not in turn.answers and k not in implied}
    start_replies = start(turn, chosen)
    if facts:
        return [confirm_facts(turn, facts, after=None)]
    return start_replies


def answer(turn: Turn) -> list[Reply]:
    """Reads the answer to the current question and asks the next one."""
    key = turn.conversation.state.split(":", 1)[1]
    question = questions.BY_KEY[key]
    context = turn.conversation.context or {}
    if context.get("ranges") == key:
        value = _range_value(question, turn.text)
        if value is not None:
            turn.conversation.context = {}
            turn.set_answer(key, value)
            return next_step(turn, after=key)
    elif question.kind == "amount" and answers.dont_know(turn.text) \
            and _amount_said(question, turn) is None:
        # « 620, not sure charges are included », « environ 1050 jsp »: the number said is the
        # answer; the ranges are for « je ne sais pas » alone (an improvised resident's 620
        # became the range's middle, 700).
        return [_offer_ranges(turn, key)]
    if context.get("pair"):
        return _answer_pair(turn, key, context["pair"])
    if key == "disability_rate" and questions.BY_KEY[key].parse(turn.text) is None \
            and (questions.yes_no(turn.text) is False or answers.disability(turn.text) is False):
        # « No, I do not have any disability » asked the rate: the yes before was misread.
        return _apply_corrections(turn, {"disability": False})
    if key == "children_ages" and answers.no_children(turn.text) \
            and answers.children_ages(turn.text) is None:
        # « yanımda çocuk yok, yalnızım » asked the children's ages: the household had them
        # wrong (grown children living elsewhere); it is corrected, not asked again.
        household = turn.answers.get("household", "single_with_children")
        return _apply_corrections(turn, {"household": household.replace("_with_children", "")})
    own, said_of_others = _own_words(turn, key)
    facts = {**_facts(turn), **said_of_others}
    value = question.parse(own) if own.strip() else None
    if question.kind == "amount" and value and value in _other_amounts(facts, key):
        value = facts.get(key)  # « je touche le chômage 820 » asked the salary: not a salary
    if value is None:
        value = facts.get(key)
    if value is None and not said_of_others:
        value = from_entities(turn, question)
    if value is not None and question.resolve is not None:
        value = question.resolve(value, turn.answers)
    corrected = _corrections(turn, facts, current=key)
    if value is None and not corrected:
        corrected = _number_corrections(turn, key)
    elif value is not None and _opens_with_correction(turn.text):
        # « oups non 950 » asked the next question: the number corrects the answer just
        # given (« oups non 67000 » an earlier one), not this one (which is asked again).
        if previous := corrected or _number_corrections(turn, key):
            return _apply_corrections(turn, previous)
    if value is None:
        if corrected:
            return _apply_corrections(turn, corrected)
        if _is_mistake(turn.text):
            return _back_one(turn)
        ahead = {k: v for k, v in facts.items() if k != key and k not in turn.answers}
        if ahead:
            # « 2 enfants de 4 et 9 ans » asked the age: other facts, not an answer to this
            # one; noted (and confirmed as any fact in passing), then this question again.
            return [confirm_facts(turn, ahead, after=None)]
        reask = Reply(messages.text(f"reask_{key}"), prompts.choices(question))
        return prompts.not_understood(turn, reask)
    turn.set_answer(key, value)
    turn.conversation.misunderstood = 0
    turn.conversation.context = {}
    if key == "disability" and value is True and answers.says_rate(own):
        # « oui, 50 % »: the rate comes with the yes, not asked again.
        turn.set_answer("disability_rate", answers.disability_rate(own))
    noted = {k: v for k, v in facts.items()
             if k != key and k not in turn.answers and v != value}
    # What completes this very answer (the children's ages with « avec 2 enfants de 2 et 5
    # ans », the rent with « hlm, 520 de loyer ») is part of it, not a fact in passing.
    for related in RELATED.get(key, ()):
        if related in noted and questions.BY_KEY[related].applies(
                turn.conversation.moment or "other", turn.answers):
            turn.set_answer(related, noted.pop(related))
    _read_what_follows(turn, key)
    replies = []
    if corrected:
        replies.append(_corrected_reply(turn, corrected))
    if noted:
        return replies + [confirm_facts(turn, noted, after=key)]
    return replies + next_step(turn, after=key)


def _read_what_follows(turn: Turn, key: str) -> None:
    """« Oui, le deuxième »: the question a yes calls for is answered in the same words."""
    then = questions.FOLLOWS.get(key)
    if then is None or then in turn.answers or not questions.BY_KEY[then].applies(
            turn.conversation.moment or "other", turn.answers):
        return
    question = questions.BY_KEY[then]
    value = question.parse(turn.text)
    if value is not None and question.resolve is not None:
        value = question.resolve(value, turn.answers)
    if value is not None:
        turn.set_answer(then, value)


def _answer_pair(turn: Turn, key: str, pair: str) -> list[Reply]:
    """Two questions in one prompt: keep what came, ask alone what did not."""
    own, said_of_others = _own_words(turn, key)
    if pair == "partner_income" and "partner_income" in said_of_others:
        # « I have no income, my husband earns 1,520 »: each amount for whom it is about.
        first = questions.BY_KEY[key].parse(own) if own.strip() else None
        second = said_of_others["partner_income"]
    else:
        first, second = questions.read_pair(key, turn.text)
    if first is None and second is None:
        corrected = _corrections(turn, _facts(turn), current=key) \
            or _number_corrections(turn, key)
        if corrected:
            return _apply_corrections(turn, corrected)
        if _is_mistake(turn.text):
            return _back_one(turn)
        ahead = {k: v for k, v in _facts(turn).items()
                 if k not in (key, pair) and k not in turn.answers}
        if ahead:
            return [confirm_facts(turn, ahead, after=None)]
        return prompts.not_understood(turn, Reply(messages.text(f"reask_{key}_{pair}"),
                                                  prompts.choices(questions.BY_KEY[key])))
    turn.conversation.misunderstood = 0
    if second is not None:
        turn.set_answer(pair, second)
    turn.conversation.context = {}
    if first is not None:
        turn.set_answer(key, first)
    taken = {first, second}
    noted = {k: v for k, v in {**_facts(turn), **said_of_others}.items()
             if k not in (key, pair) and k not in turn.answers and v not in taken}
    for related in RELATED.get(key, ()):
        if related in noted and questions.BY_KEY[related].applies(
                turn.conversation.moment or "other", turn.answers):
            turn.set_answer(related, noted.pop(related))
    if noted:
        return [confirm_facts(turn, noted, after=key)]
    if first is None:
        return [prompts.prompt(key)]
    return next_step(turn, after=key)


def confirm(turn: Turn) -> list[Reply]:
    """Facts understood in passing: « oui » keeps them, « non » drops them (or corrects)."""
    context = turn.conversation.context or {}
    noted = context.get("noted", {})
    after = context.get("after")
    index = parsing.parse_choice(turn.text, messages.CHOICES["confirm"])
    verdict = (index == 0) if index is not None else questions.yes_no(turn.text)
    if verdict is None and _repeats(turn.text, noted):
        verdict = True  # « 0 » to « J'ai noté : salaire 0 €. C'est bien ça ? »
    facts = _facts(turn)
    replacement = {k: v for k, v in facts.items() if k in noted}
    _own, others = answers.whose(turn.text)
    theirs = {k: v for k, v in others.items() if k in ("child_disability", "partner_disability")}
    if noted.get("disability") is True and not theirs and answers.disability(_own) is False \
            and (whom := answers.spoken_of(turn.text)) is not None:
        theirs = {f"{whom}_disability": True}  # « engel benim değil, eşim Hasan'ın »
    if noted.get("disability") is True and theirs:
        # « ماشي انا، الولد ديالي هو اللي عندو الاعاقة », « engel benim değil, eşim Hasan'ın »:
        # the disability noted from the first message is someone else's. Two improvised
        # residents said so at this question and kept it as their own.
        noted = {k: v for k, v in noted.items() if k not in ("disability", "disability_rate")}
        replacement = {**replacement, "disability": False, **theirs}
    if verdict is None and not replacement:
        if facts and turn.conversation.moment is not None:
            return _carry_on(turn, noted, after)
        return prompts.not_understood(turn, prompts.confirm_prompt(turn))
    turn.conversation.context = {}
    turn.conversation.misunderstood = 0
    replies = []
    if verdict is True or replacement:
        for key, value in {**noted, **replacement}.items():
            if verdict is True or key in replacement:
                turn.set_answer(key, value)
        if replacement:
            replies.append(Reply(messages.text(
                "corrected", facts=prompts.describe_facts(replacement))))
    else:
        replies.append(Reply(messages.text("confirm_dropped")))
    if turn.conversation.moment is None:
        return replies + [prompts.ask_moment(turn)]
    return replies + next_step(turn, after=after)


def _repeats(text: str, noted: dict) -> bool:
    """The message is just the number that was noted: the person confirms it."""
    value = parsing.parse_amount(text) if re.fullmatch(r"[\d\s.,€e]+", text.strip()) else None
    numbers = [v for v in noted.values() if isinstance(v, (int, float))
               and not isinstance(v, bool)]
    texts = [v for v in noted.values() if isinstance(v, str)]
    return (value is not None and value in numbers) or text.strip() in texts


def _carry_on(turn: Turn, noted: dict, after: str | None) -> list[Reply]:
    """« 34 ans, 67100 » instead of « oui »: the person read what was noted, did not object
    and went on with the check. What was noted stands, and the message is read as the
    answer to the next question (its facts in passing confirmed as usual): nothing is lost.
    """
    turn.conversation.context = {}
    turn.conversation.misunderstood = 0
    for key, value in noted.items():
        turn.set_answer(key, value)
    asked = next_step(turn, after=after)
    if not turn.conversation.state.startswith("ask:"):
        return asked  # every answer is in: the check is computed
    return answer(turn)


def confirm_facts(turn: Turn, facts: dict[str, Any], *, after: str | None) -> Reply:
    """Asks « J'ai noté : … C'est bien ça ? » before the facts count as answers."""
    turn.conversation.state = "confirm"
    turn.conversation.context = {"noted": facts, "after": after}
    return prompts.confirm_prompt(turn)


def _corrections(turn: Turn, facts: dict, *, current: str) -> dict:
    """Earlier answers this message changes (« non j'ai 25 ans », « en fait on est en couple »).

    Only with words of correction: otherwise a different fact is confirmed like any other.
    """
    if not CORRECTION.search(parsing.normalize(turn.text).replace("'", " ")) \
            and not _says_correction(turn.text):
        return {}
    return {k: v for k, v in facts.items()
            if k != current and k in turn.answers and turn.answers[k] != v}


def _other_amounts(facts: dict, key: str) -> set:
    return {v for k, v in facts.items()
            if k != key and k in questions.BY_KEY and questions.BY_KEY[k].kind == "amount"}


def _number_corrections(turn: Turn, current: str) -> dict:
    """« Pardon 900 pas 1900 », « non pardon 4 et 9 ans »: a bare correction of an answer.

    The number that matches an earlier answer is replaced by the other one; otherwise the
    previous question is read again from the message.
    """
    words = parsing.normalize(turn.text).replace("'", " ")
    if not STRONG_CORRECTION.search(words) and not _says_correction(turn.text):
        return {}
    numbers = parsing.numbers_in(turn.text)
    if len(numbers) == 2:
        for key, value in turn.answers.items():
            if key in questions.BY_KEY and not isinstance(value, bool | list | str) \
                    and value in numbers:
                other = numbers[1] if numbers[0] == value else numbers[0]
                parsed = questions.BY_KEY[key].parse(str(other))
                if parsed is not None and parsed != value:
                    return {key: parsed}
    history = list(turn.conversation.history or [])
    if current not in history or history.index(current) == 0:
        return {}
    previous = history[history.index(current) - 1]
    rest = _without_correction_words(words)
    # Two questions asked in one prompt (« âge et code postal ») were both the previous one.
    asked_together = [k for k, (second, _read) in answers.PAIRS.items() if second == previous]
    for key in [previous, *asked_together]:
        if key != previous and key not in turn.answers:
            continue
        parsed = questions.BY_KEY[key].parse(rest) if rest else None
        if parsed is not None and parsed != turn.answers.get(key):
            return {key: parsed}
    return {}


def correct_after_result(turn: Turn) -> list[Reply] | None:
    """« oups non 650 », « en fait j'ai 25 ans » once the result is shown: the answer changes
    and the rights are computed again. Only with words of correction; None otherwise."""
    words = parsing.normalize(turn.text).replace("'", " ")
    if not STRONG_CORRECTION.search(words) and not CORRECTION.search(words) \
            and not _says_correction(turn.text):
        return None
    corrected = _corrections(turn, _facts(turn), current="")
    history = list(turn.conversation.history or [])
    if not corrected and history:
        # A bare number corrects the last question answered, or the number it names.
        corrected = _number_corrections(turn, current="")
        last = history[-1]
        rest = _without_correction_words(words)
        parsed = questions.BY_KEY[last].parse(rest) if rest and last in questions.BY_KEY \
            else None
        if not corrected and parsed is not None and parsed != turn.answers.get(last):
            corrected = {last: parsed}
    if not corrected:
        return None
    return _apply_corrections(turn, corrected)


def _opens_with_correction(text: str) -> bool:
    words = parsing.normalize(text).replace("'", " ")
    return bool(OPENS_WITH_CORRECTION.match(words)) or _says_correction(text)


def _without_correction_words(words: str) -> str:
    """« oups non 650 » -> « 650 »: what is left to read as the corrected answer."""
    return STRONG_CORRECTION.sub(" ", CORRECTION.sub(" ", words)).strip()


def _says_correction(text: str) -> bool:
    """Words of correction of the conversation's language (locales/<code>/words.yml)."""
    return language.says(language.fold(text), language.words("correction"))


def _apply_corrections(turn: Turn, corrected: dict) -> list[Reply]:
    """Changes those answers and goes on from there: the questions they now need come next."""
    reply = _corrected_reply(turn, corrected)
    return [reply, *next_step(turn, after=None)]


def _corrected_reply(turn: Turn, corrected: dict) -> Reply:
    for key, value in corrected.items():
        turn.set_answer(key, value)
    _forget_unneeded(turn)
    return Reply(messages.text("corrected", facts=prompts.describe_facts(corrected)))


def _forget_unneeded(turn: Turn) -> None:
    """Answers to questions that no longer apply (no rent once hosted for free) are dropped."""
    moment_of_life = turn.conversation.moment or "other"
    needed = set(questions.questions_for(moment_of_life, turn.answers))
    needed |= set(questions.IMPLIED.get(moment_of_life, {}))  # not asked, but not forgotten
    needed |= set(questions.FOLLOWUP_KEYS)  # asked after the result, kept for the next one
    for key in list(turn.answers):
        if key in questions.BY_KEY and key not in needed:
            turn.forget_answer(key)


def _is_mistake(text: str) -> bool:
    words = parsing.normalize(text).replace("'", " ")
    return bool(re.search(r"\b(je me suis trompee?|erreur|je me suis gouree?|mauvaise reponse|"
                          r"c est faux|pas ca)\b", words))


def _back_one(turn: Turn) -> list[Reply]:
    """« Je me suis trompé(e) »: the previous question is asked again."""
    history = list(turn.conversation.history or [])
    current = turn.conversation.state.split(":", 1)[1]
    if current in history:
        history = history[: history.index(current)]
    if not history:
        return prompts.repeat(turn)
    previous = history[-1]
    turn.conversation.history = history[:-1]
    return [prompts.ask(turn, previous)]


def _offer_ranges(turn: Turn, key: str) -> Reply:
    turn.conversation.context = {"ranges": key}
    name = "range_rent" if key == "rent" else "range_income"
    return Reply(messages.text("ask_range"), messages.CHOICES[name])


def _amount_said(question: questions.Question, turn: Turn) -> float | None:
    """A number said with the « je ne sais pas » (« aucune idée » alone reads as 0: not one)."""
    own, _others = _own_words(turn, question.key)
    if not parsing.numbers_in(own):
        return None
    return question.parse(own)


def _range_value(question: questions.Question, text: str) -> float | None:
    name = "range_rent" if question.key == "rent" else "range_income"
    index = parsing.parse_choice(text, messages.CHOICES[name])
    if index is not None:
        return RANGE_VALUES[name][index]
    return question.parse(text)


def _begin(turn: Turn, chosen: str) -> None:
    conversation = turn.conversation
    if conversation.moment != chosen or not conversation.history:
        turn.event("check_started", moment=chosen)
    conversation.moment = chosen
    for key, value in questions.IMPLIED.get(chosen, {}).items():
        turn.set_answer(key, value)


def start(turn: Turn, chosen: str) -> list[Reply]:
    """Begins (or resumes) the check of a moment of life."""
    _begin(turn, chosen)
    return next_step(turn, after=None)


def restart(turn: Turn) -> list[Reply]:
    """Forgets the answers and goes back to the choice of a moment of life."""
    if not turn.conversation.consented:
        return welcome(turn)
    turn.clear_answers()
    return [Reply(messages.text("restarted")), prompts.ask_moment(turn)]


def resume(turn: Turn) -> list[Reply] | None:
    """REPRENDRE after a hand-off: the check (or its follow-up) goes on where it stopped."""
    conversation = turn.conversation
    if not conversation.consented:
        return None
    conversation.context = {}
    if conversation.moment is None:
        return [Reply(messages.text("resumed")), prompts.ask_moment(turn)]
    # The main check first; once it is done, the follow-up the person took and left.
    question = questions.next_question(conversation.moment, turn.answers) \
        or questions.next_followup(turn.answers)
    if question is None:
        return None
    return [Reply(messages.text("resumed")), prompts.ask(turn, question.key)]


def next_step(turn: Turn, *, after: str | None) -> list[Reply]:
    """The next unanswered question, or the check once every answer is in."""
    question = questions.next_question(turn.conversation.moment, turn.answers, after=after)
    if question is None:
        question = questions.next_question(turn.conversation.moment, turn.answers)
    if question is None:
        question = questions.next_followup(turn.answers)
    if question is None:
        # « my son has autism » said in the check: « Lequel ? » when there are several.
        question = questions.called_for(turn.answers)
    if question is None and turn.answers.get("followup"):
        # The follow-up (ENCORE): its one or two answers were each just given to their own
        # question; the check's other facts were read back before the first result.
        return begin_check(turn)
    if question is None:
        return [prompts.recap(turn)]
    return [prompts.ask(turn, question.key)]


def recap_answer(turn: Turn) -> list[Reply]:
    """« oui » computes; a fact in words (« loyer 450 », « en fait on est en couple ») changes
    it and reads back again; « non » asks which fact is wrong, and its number asks it again."""
    facts = prompts.checked_facts(turn)
    which = list((turn.conversation.context or {}).get("which") or [])
    if which:
        index = parsing.parse_choice(turn.text, prompts.fact_choices(facts, which))
        if index is not None:
            return [prompts.ask(turn, which[index])]
    corrected = {k: v for k, v in _facts(turn).items()
                 if k in questions.BY_KEY and turn.answers.get(k) != v}
    corrected = corrected or _number_corrections(turn, current="") \
        or (_read_by_its_question(turn, _named(turn, facts, which)) if which else {})
    if corrected:
        turn.conversation.misunderstood = 0
        return _apply_corrections(turn, corrected)
    if which:  # asked which fact is wrong: neither its number nor a fact came
        return prompts.not_understood(turn, prompts.which_prompt(turn, facts))
    index = parsing.parse_choice(turn.text, messages.CHOICES["yes_no"])
    verdict = (index == 0) if index is not None else questions.yes_no(turn.text)
    if verdict is True:
        turn.conversation.misunderstood = 0
        return begin_check(turn)
    if verdict is False:
        return [prompts.which_prompt(turn, facts)]
    return prompts.not_understood(turn, prompts.recap_prompt(facts))


# Facts one answer gives together: a correction may change both (« locataire, 560 »).
TOGETHER = ({"housing", "rent"}, {"household", "children_ages"})


def _named(turn: Turn, facts: dict, keys: list[str]) -> list[str]:
    """The facts of the list whose every word the message says (« Salary 0 », « my salary is
    0 » name « salary 960 € »): an amount alone would fit every amount in the list."""
    said = set(language.fold(turn.text).replace("'", " ").split())
    named = []
    for key, label in zip(keys, prompts.fact_choices(facts, keys), strict=True):
        words = [w for w in language.fold(label).replace("'", " ").split()
                 if w.isalpha() and len(w) > 2]
        other = (language.words("fact_words") or {}).get(key, [])
        if words and all(w in said for w in words) or language.says(
                language.fold(turn.text), other):
            named.append(key)
    return named or keys


def _read_by_its_question(turn: Turn, keys: list[str]) -> dict[str, Any]:
    """« Que faut-il corriger ? » answered with the right answer itself (« HLM »): the one
    fact whose question reads it differently, or two that go together; else nothing."""
    changed = {}
    for key in keys:
        question = questions.BY_KEY.get(key)
        value = question.parse(turn.text) if question is not None else None
        if value is not None and value != turn.answers.get(key):
            changed[key] = value
    if len(changed) == 1 or any(set(changed) == together for together in TOGETHER):
        return changed
    return {}


def begin_check(turn: Turn) -> list[Reply]:
    """All answers are in: the profile is computed once this turn's transaction ends."""
    conversation = turn.conversation
    asked = set(questions.questions_for(conversation.moment, turn.answers))
    taken = turn.answers.get("followup") or []
    asked |= set(taken) | {questions.FOLLOWS[k] for k in taken if k in questions.FOLLOWS}
    # Facts of the follow-up said during the check (a child's disability): read back, used.
    asked |= {k for k in questions.FOLLOWUP_KEYS if k in turn.answers}
    kept = {k: v for k, v in turn.answers.items() if k in asked}
    period = turn.clock().strftime("%Y-%m")
    turn.pending_check = build_profile(conversation.moment, kept, period)
    conversation.state = "computing"
    return []


def from_entities(turn: Turn, question: questions.Question) -> Any:
    """An answer read by the NLU in a sentence (« j'ai 24 ans »), when plain parsing fails."""
    entities = turn.entities()
    if question.key == "age" and entities.get("age"):
        return questions.parse_age(str(entities["age"][0]))
    if question.kind == "amount" and len(entities.get("amount", [])) == 1:
        return float(entities["amount"][0])
    if question.key == "housing" and entities.get("housing_status"):
        status = entities["housing_status"][0]
        return status if status in questions.HOUSING else None
    return None
