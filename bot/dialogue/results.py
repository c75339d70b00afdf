"""The result of a check: store it, list the rights found, how to claim them, what next.

State it handles:
    result    1 talk to a person, 2 start again,    -> after_result
              ENCORE the follow-up questions, when offered

The follow-up (issue 14): questions the check leaves out to stay short, offered after the
first result only when they could add or change a right for this person (questions.FOLLOWUPS);
they are asked like the others (ask:KEY), then the check is computed again.
"""

from __future__ import annotations

import re

from bot import answers, language, messages, parsing, rights
from bot.dialogue import check, handoff_flow, prompts, questions, survey
from bot.dialogue.turn import Turn
from bot.dialogue.types import Reply

# Lines of rights an SMS result lists before « et N autres : écrivez DETAILS » (the issue
# allows 5; 3 keep the whole result within two SMS parts with the offer of a person).
SHORT_LINES = 3


def largest_first(benefits: list[dict]) -> list[dict]:
    """The largest sums first: what a person reads before deciding to claim."""
    return sorted(benefits, key=lambda b: -(b.get("amount") or 0) * (
        12 if b.get("per") == "month" else 1))


# « merci », « ok merci » after the result close the exchange: they are not a « oui » to
# « Voulez-vous en parler avec une personne ? » (that booked people who were only polite),
# nor a message not understood. « oui merci » still says yes.
SAYS_YES = re.compile(r"\b(oui|ouais|ouai|yes|evet)\b|نعم")
ENCORE = re.compile(r"\b(encore|encor|encores|ancore|ancor|enocre|encroe|econre|continuer|"
                    r"continue|on continue|d autres questions|vas y|allez)\b")


def after_result(turn: Turn) -> list[Reply]:
    """Offers a person or a new check once the result is given, or the follow-up (ENCORE)."""
    offer = (turn.conversation.context or {}).get("followup")
    index = parsing.parse_choice(turn.text, messages.CHOICES["after_result"])
    words = parsing.normalize(turn.text).replace("'", " ")
    if index is None and offer and (ENCORE.search(words) or language.says(
            language.fold(turn.text), language.words("more"))):  # DEVAM, MORE, المزيد
        return begin_followup(turn, offer["keys"])
    if index is None and answers.thanks_only(turn.text) and not SAYS_YES.search(words):
        return [Reply(messages.text("after_thanks"))]
    if index is None and (corrected := check.correct_after_result(turn)) is not None:
        return corrected  # before « non » is read as a no: « oups non 650 » corrects
    if index is None:
        answer = questions.yes_no(turn.text)
        if answer is False and offer and offer.get("shown", True):
            return decline_followup(turn)  # « non »: the result stays as it was
        if answer is False:
            # « non » to « Voulez-vous en parler avec une personne ? » was understood: the
            # menu again, but the offer on SMS and the question on sex may come with it.
            return [Reply(messages.text("after_result_reask"), messages.CHOICES["after_result"])]
        index = 0 if answer else None
    if index == 0:
        return ask_for_person(turn)
    if index == 1:
        return check.restart(turn)
    named = _rights_named(turn) if index is None else []
    if found := [b for b in named if b.get("eligible")]:
        # « c quoi la paje », « comment je demande la prime »: how to claim that right.
        return details(turn, found, detail=False) + [prompts.after_result_prompt()]
    if named:
        # « et le rsa ? »: not found with these answers; a person can look again.
        return [*(Reply(messages.text("right_not_found", name=rights.name(
                    turn.services.eligibility.benefit(b["id"])))) for b in named),
                prompts.after_result_prompt()]
    if answers.is_question(turn.text):
        # A question the service cannot answer: a person can, said plainly, rather than
        # « Répondez 1 ou 2 » three times, or a new check because it names a moment (« do I
        # declare my pregnancy first? » started the check again for an improvised resident).
        turn.notes["not_understood"] = True  # the offers and the question on sex wait
        return [Reply(messages.text("question_for_person"), messages.CHOICES["after_result"])]
    moment = turn.moment_intent()
    if moment:
        turn.clear_answers()
        return check.start(turn, moment)
    if check.discouraged(turn.text):
        return [Reply(messages.text("encourage")), prompts.after_result_prompt()]
    return prompts.not_understood(
        turn, Reply(messages.text("after_result_reask"), messages.CHOICES["after_result"]))


def _rights_named(turn: Turn) -> list[dict]:
    """The rights of the latest result, found or not, that the message names (NLU or
    keyword entity)."""
    named = {b for b in turn.entities().get("benefit", []) if isinstance(b, str)}
    latest = turn.latest_result() if named else None
    return [b for b in latest.benefits if b["id"] in named] if latest is not None else []


def offer_followup(turn: Turn, eligible: list[dict]) -> list[Reply]:
    """« Encore N questions ? » after the result, when they could add or change a right.

    It comes just before the usual prompt, which keeps 1 (a person) and 2 (start again)
    and « oui » for a person; ENCORE takes the follow-up. On SMS it waits for the next
    exchange (`offer_pending`): the result is the check's largest turn and with the offer
    it cost a 13th part to residents at 12 (the budget, issue 12). Elsewhere it comes with
    the result, marked `detail` so the evaluation's SMS count leaves it out as SMS does.
    """
    keys, aids = questions.followups(turn.conversation.moment or "other", turn.answers,
                                     {b["id"] for b in eligible})
    if not keys:
        turn.conversation.context = {}
        return []
    later = turn.channel == "sms"
    turn.conversation.context = {"followup": {"keys": keys, "aids": aids, "shown": not later}}
    if later:
        return []
    return [Reply(messages.text("offer_followup", aids=aids, count=len(keys)), detail=True)]


def offer_pending(turn: Turn, replies: list[Reply]) -> list[Reply]:
    """The SMS offer, in the turn after the result, when it ends back at the result."""
    if turn.conversation not in turn.session:
        return replies  # erased this turn
    offer = (turn.conversation.context or {}).get("followup")
    if not offer or offer.get("shown", True) or turn.conversation.state != "result" \
            or turn.pending_check is not None or not replies or parsing.command_in(turn.text) \
            or turn.notes.get("not_understood") or turn.notes.get("card"):
        return replies
    turn.conversation.context = {"followup": {**offer, "shown": True}}
    turn.notes["offered"] = True  # one extra at a time: the question on sex waits
    text = messages.text("offer_followup", aids=offer.get("aids", 1), count=len(offer["keys"]))
    return [*replies[:-1], Reply(text), *replies[-1:]]


def begin_followup(turn: Turn, keys: list[str]) -> list[Reply]:
    """The person takes the follow-up: its questions, then the check computed again."""
    turn.set_answer("followup", keys)
    turn.conversation.context = {}
    return check.next_step(turn, after=None)


def decline_followup(turn: Turn) -> list[Reply]:
    """« Non »: the result stays as it was, and is not offered again."""
    turn.set_answer("followup", [])
    turn.conversation.context = {}
    return [Reply(messages.text("followup_declined")), prompts.after_result_prompt()]


def ask_for_person(turn: Turn) -> list[Reply]:
    """Hands off to a person with a slot to book; before consent, gives a contact."""
    turn.event("human_requested")
    if turn.conversation.consented:
        return handoff_flow.open_for(turn, trigger="asked")
    replies = [Reply(messages.text("human_contact", contact=turn.contact))]
    return replies + prompts.repeat(turn)


def result(turn: Turn, computed: dict | None) -> list[Reply]:
    """Stores the rights computed and lists those the person probably has."""
    conversation = turn.conversation
    if computed is None:
        conversation.state = "result"
        return [Reply(messages.text("rules_failed", contact=turn.contact),
                      messages.CHOICES["after_result"])]
    # A follow-up's result counts only the rights it adds: the take-up figures count
    # people and rights once, not once per check of the same person.
    previous = turn.latest_result() if turn.answers.get("followup") else None
    known = {b["id"] for b in previous.benefits if b.get("eligible")} if previous else set()
    turn.store_result(computed)
    conversation.state = "result"
    eligible = [b for b in computed["benefits"] if b.get("eligible")]
    if previous is None:
        survey.due(turn)
        turn.event("check_completed")
        if eligible:  # one per check: the take-up figures count people with a right
            turn.event("rights_found")
    elif eligible and not known:
        turn.event("rights_found")
    for benefit in (b for b in eligible if b["id"] not in known):
        yearly = (benefit.get("amount") or 0) * (12 if benefit.get("per") == "month" else 1)
        turn.event("right_found", benefit=benefit["id"], amount_year=round(yearly))
    if previous is not None and _amounts(eligible) == _amounts(
            [b for b in previous.benefits if b.get("eligible")]):
        # The follow-up found nothing new: one line, not the whole result sent again (an
        # improvised resident got the same 11 messages twice).
        turn.conversation.context = {}
        return [Reply(messages.text("followup_same")), prompts.after_result_prompt()]
    replies = render(turn, eligible)
    eligibility = turn.services.eligibility
    accompanied = [info for info in (eligibility.benefit(b["id"])
                                     for b in largest_first(eligible))
                   if info.accompanied_claim]
    if accompanied:
        # A claim best made with someone (RSA, AAH, ASPA): the hand-off opens now, so
        # referents see it, and the person is one reply away from choosing a slot. Rights
        # found for a whole postcode or age group (the 67100 callback, the FAJ) are only
        # offered: the person asks (1, CONSEILLER), the queue holds people who need it.
        # The largest such right is named; the others are counted, to keep one SMS.
        if any(info.handoff == "open" for info in accompanied):
            handoff_flow.open_only(turn, trigger="accompanied_claim")
        names = rights.name(accompanied[0])
        if len(accompanied) > 1:
            names = messages.text("and_others", first=names, count=len(accompanied) - 1)
        replies[-1] = Reply(messages.text("accompanied_claim", names=names),
                            messages.CHOICES["after_result"])
    return replies[:-1] + offer_followup(turn, eligible) + replies[-1:]


def _amounts(benefits: list[dict]) -> set[tuple[str, int]]:
    return {(b["id"], round(b.get("amount") or 0)) for b in benefits}


def render(turn: Turn, eligible: list[dict]) -> list[Reply]:
    """One line per right with its amount, then how to claim each (details), then a person."""
    # A help (kind: help, the 67100 callback) is not a right: it comes with the offer of a
    # person (accompanied_claim in `result`), not in this list.
    eligible = [b for b in eligible if turn.services.eligibility.benefit(b["id"]).kind != "help"]
    if not eligible:
        return [Reply(messages.text("result_none")), Reply(messages.text("estimate")),
                prompts.after_result_prompt()]
    eligible = largest_first(eligible)
    lines = [_line(turn, benefit) for benefit in eligible]
    head = "\n".join([messages.text("result_intro"), *lines[:SHORT_LINES]])
    replies = [Reply(head)]
    if len(lines) > SHORT_LINES:
        # On SMS the list stops at the largest amounts; elsewhere every right is listed.
        replies.append(Reply("\n".join(lines[SHORT_LINES:]), detail=True))
        replies.append(Reply(messages.text("result_more", count=len(lines) - SHORT_LINES),
                             brief=True))
    return [*replies, *details(turn, eligible, detail=True), prompts.after_result_prompt()]


def _line(turn: Turn, benefit: dict) -> str:
    name = rights.name(turn.services.eligibility.benefit(benefit["id"]))
    if benefit.get("amount"):
        return messages.text("result_line", name=name, amount=messages.euros(benefit["amount"]),
                             per=messages.PER.get(benefit.get("per"), ""))
    return messages.text("result_line_no_amount", name=name)


def details(turn: Turn, eligible: list[dict], *, detail: bool) -> list[Reply]:
    """How to claim each right: what it is, where to apply, the documents to bring."""
    replies = []
    for benefit in eligible:
        info = turn.services.eligibility.benefit(benefit["id"])
        where = rights.text(info, "where")
        # A link costs an SMS part and is read on a basic phone as noise: on SMS it is
        # given only when there is no place to go (issue 26: « full of links »).
        link = "" if turn.channel == "sms" and where else info.apply.get("link", "")
        text = messages.text("result_detail", label=rights.text(info, "label"),
                             sentence=rights.text(info, "sentence"),
                             where=where, link=link,
                             documents=", ".join(rights.documents(info, benefit)))
        replies.append(Reply(text.replace(". \n", ".\n").strip(), detail=detail))
    return replies


def show_details(turn: Turn) -> list[Reply] | None:
    """DETAILS: one right's card when it names one (« DETAILS 2 », « details css ») or when
    only one was found; else the rights one line each and « which? ». Every card at once was
    30 SMS parts for one resident (issue 26)."""
    latest = turn.latest_result()
    if latest is None:
        return None
    eligible = largest_first(_rights_of(turn, latest.benefits))
    rest = details_rest(turn.text)
    named = _named_in(turn, eligible, rest or "")
    if named is not None:
        return details(turn, [named], detail=False) + _after_card(turn)
    if rest is not None:
        return None  # « comment faire pour mon loyer » names no right: read as usual
    if len(eligible) <= 1:
        return details(turn, eligible, detail=False) + _after_card(turn)
    # The list's numbers are read by `detail_chosen` in the next message only: the
    # person's « 2 » then means the second right, not the menu shown before it.
    turn.conversation.context = {**(turn.conversation.context or {}),
                                 "details": [b["id"] for b in eligible]}
    return [Reply(messages.text("details_which"), _names(turn, eligible))]


def details_rest(text: str) -> str | None:
    """What follows a DETAILS word (« details 2 » -> « 2 »), or None when the message does
    not start with one."""
    words = parsing.normalize(text).strip(" .!?")
    for code in dict.fromkeys((language.current(), language.SOURCE)):
        for spelling in (language.words("commands", code) or {}).get("details", []):
            if words.startswith(spelling + " ") and words[len(spelling):].strip():
                return words[len(spelling):].strip()
    return None


def detail_chosen(turn: Turn) -> list[Reply] | None:
    """The right picked from the DETAILS list in the message just before, or None; the list
    is forgotten either way (a later digit answers what is asked then)."""
    context = turn.conversation.context or {}
    if "details" not in context:
        return None
    ids = context["details"]
    turn.conversation.context = {k: v for k, v in context.items() if k != "details"}
    latest = turn.latest_result()
    if latest is None:
        return None
    by_id = {b["id"]: b for b in _rights_of(turn, latest.benefits)}
    listed = [by_id[i] for i in ids if i in by_id]
    chosen = _named_in(turn, listed, turn.text)
    if chosen is None:
        return None
    return details(turn, [chosen], detail=False) + _after_card(turn)


def _after_card(turn: Turn) -> list[Reply]:
    """What was being asked, after a right's card. At the result, its menu is what a digit
    still answers: on SMS it is not sent again under every card (a part each time), on the
    other channels its buttons stay under the card."""
    # The follow-up's offer and the question on sex wait for a turn without a card: they
    # would add a part to the answer the person asked for.
    turn.notes["card"] = True
    if turn.conversation.state != "result":
        return prompts.repeat(turn)
    # Not a `detail` reply: SMS would then add « DETAILS : comment les demander » under the
    # card itself (two improvised residents read it as a loop).
    return [] if turn.channel == "sms" else [prompts.after_result_prompt()]


def _rights_of(turn: Turn, benefits: list[dict]) -> list[dict]:
    """The rights found, without the help offered beside them (the rights appointment)."""
    eligibility = turn.services.eligibility
    return [b for b in benefits if b.get("eligible") and eligibility.benefit(b["id"]).kind != "help"]


def _names(turn: Turn, benefits: list[dict]) -> list[str]:
    return [rights.name(turn.services.eligibility.benefit(b["id"])) for b in benefits]


def _named_in(turn: Turn, benefits: list[dict], text: str) -> dict | None:
    """The right of `benefits` that TEXT picks: its number in the list, its name, or a word
    for it (each language's `terms`: « css », « the activity bonus »)."""
    if not text.strip() or not benefits:
        return None
    index = parsing.parse_choice(text, _names(turn, benefits))
    if index is not None and index < len(benefits):
        return benefits[index]
    term = answers.term_in(text)
    return next((b for b in benefits if b["id"] == term), None)
