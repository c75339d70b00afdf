"""The resident's own questions, answered where they are asked, then the pending question.

« c'est quoi la CSS ? », « wats MDPH? » (what a word means), « c'est la mairie ? », « is this
a scam? » (who we are), « how do I claim it? », « kifach ndir la demande » (how to claim).
Improvised residents asked these at every step and got the next question, « Répondez 1 ou
2 », or the same card again; a person who fears a scam stops there. The reading is
answers.question_in (each language's `asking` and `terms` words); nothing here is stored.
"""

from __future__ import annotations

from bot import answers, messages, rights
from bot.dialogue import check, prompts, results
from bot.dialogue.turn import Turn
from bot.dialogue.types import Reply

# Where a question is answered here: the check, its result and a booked appointment (what
# the booking does not answer itself goes to the referent). A slot being chosen and the
# language list are answered by a digit.
STATES = ("new", "consent", "declined", "moment", "ask", "confirm", "recap", "result", "booked")


def respond(turn: Turn) -> list[Reply] | None:
    """The answer to the person's question and what was being asked, or None (not one)."""
    if turn.conversation.state.split(":", 1)[0] not in STATES:
        return None
    worry = answers.worry_in(turn.text)
    feared: list[Reply] = []
    if worry is not None and not answers.has_number(turn.text):
        # A fear answered before anything else: unanswered, it stops people claiming. With
        # digits it is also an answer (« 78 ans, ils prendront ma maison ? »): read as one.
        feared = [Reply(messages.text(f"worry_{worry}", contact=turn.contact))]
    found = answers.question_in(turn.text)
    if found is not None and turn.conversation.state == "booked" \
            and answers.booking_questions(turn.text) and (found[1] is None or found[0] == "about"):
        # « Should I also bring my son's MDPH letter? », « c'est où ? »: the booking answers
        # them; « quels papiers pour le RSA ? », « où se trouve la MDPH ? » name what they ask.
        found = None
    if found is None:
        return feared + _then(turn) if feared else None
    # « css documents à fournir, titre de séjour obligé ? »: the fear and the question.
    answered = _answer(turn, *found)
    if answered is None:
        return feared + _then(turn) if feared else None
    # Like a right's card: the follow-up's offer and the question on sex wait for a turn
    # that is not an answer to the person's own question.
    turn.notes["card"] = True
    return feared + answered + _then(turn)


def _answer(turn: Turn, kind: str, term: str | None) -> list[Reply] | None:
    """The answer to a question of this kind about this term, or None (not one to answer)."""
    if kind == "who":
        return [Reply(messages.text("about_service", contact=turn.contact))]
    # A number while a question waits may be its answer (« كندفع الكرا 500 »), unless the
    # message asks about a right by name with a question's words (« mon frère a 34 ans, comment
    # on demande l'AAH pour lui ? »): then it is answered and nothing is stored from it (the
    # brother's age, his disability), and the pending question is asked again. At the
    # consent, the result or a booking a number answers nothing.
    pending = turn.conversation.state.startswith(("ask", "confirm", "recap")) \
        and answers.has_number(turn.text) and (term is None or kind == "about")
    if kind == "how":
        return None if pending else _how(turn, term)
    if kind in answers.RIGHT_QUESTIONS:
        # « on a 2 enfants, on peut avoir le RSA ? » asks about the RSA: answered. Without a
        # right named, digits make it an answer (« combien ? 1200 de salaire »).
        return _about_right(turn, kind, term)
    return None if pending else [_meaning(turn, term, plain=kind == "what")]


def _then(turn: Turn) -> list[Reply]:
    """What was being asked, asked again; a first message gets the greeting."""
    if turn.conversation.state == "new":
        return check.welcome(turn)
    if turn.conversation.state == "declined":
        return [Reply(messages.text("declined_again"))]  # OUI to do the check after all
    return prompts.repeat(turn)


def _meaning(turn: Turn, term: str | None, *, plain: bool = True) -> Reply:
    """A right in its catalogue's words, an organisation in its own text. « et le RSA ? »
    (not `plain`) about a right the result did not find: that it was not found."""
    eligibility = turn.services.eligibility
    if term not in eligibility.catalogue:
        return Reply(messages.text(f"term_{term}"))
    info = eligibility.benefit(term)
    latest = turn.latest_result()
    computed = {b["id"]: bool(b.get("eligible")) for b in (latest.benefits if latest else [])}
    not_found = messages.text("right_not_found", name=rights.name(info))
    if computed.get(term) is False and not plain:
        return Reply(not_found)
    text = messages.text("term_right", label=rights.text(info, "label"),
                         sentence=rights.text(info, "sentence"))
    if computed.get(term):
        # One of the person's rights: where to claim it, not the whole card again.
        text += "\n" + messages.text("term_where", where=rights.text(info, "where"))
    elif term in computed:
        text += "\n" + not_found
    return Reply(text)


def _how(turn: Turn, term: str | None) -> list[Reply] | None:
    """How to claim the right named, else the largest right found; before any result, what
    the named word is (nothing to claim yet), else nothing (the flow reads the message)."""
    latest = turn.latest_result()
    eligible = results.largest_first([b for b in (latest.benefits if latest else [])
                                      if b.get("eligible")])
    if term is not None:
        chosen = [b for b in eligible if b["id"] == term]
        if chosen:
            return results.details(turn, chosen, detail=False)
        meaning = _meaning(turn, term, plain=False)
        eligibility = turn.services.eligibility
        computed = {b["id"] for b in (latest.benefits if latest else [])}
        if term in eligibility.catalogue and term not in computed:
            # Not computed yet: what it is and where it is claimed.
            where = rights.text(eligibility.benefit(term), "where")
            return [Reply(meaning.text + "\n" + messages.text("term_where", where=where))]
        return [meaning]
    if not eligible or turn.conversation.state == "booked":
        return None  # after a booking, « nereye ? » is about the appointment: it answers
    return results.details(turn, eligible[:1], detail=False)


def _about_right(turn: Turn, kind: str, term: str | None) -> list[Reply] | None:
    """Who can get a right, how much, how long it takes, the documents: from its catalogue
    entry and, once computed, from the person's result. No right named: the largest one found
    (« ça prend combien de temps ? » at the result), else nothing (the flow reads the
    message; after a booking, the booking answers « quels papiers ? »)."""
    latest = turn.latest_result()
    found = {b["id"]: b for b in (latest.benefits if latest else [])}
    eligibility = turn.services.eligibility
    if term is None and turn.conversation.state.startswith(("ask", "confirm", "recap")) \
            and answers.has_number(turn.text):
        return None
    if term is None:
        if kind in ("who_can", "how_much"):
            return None  # « je peux avoir un rendez-vous ? », « c'est combien ? »: no right named
        eligible = results.largest_first([b for b in found.values() if b.get("eligible")
                                          and eligibility.benefit(b["id"]).kind != "help"])
        if not eligible or turn.conversation.state == "booked":
            return None
        term = eligible[0]["id"]
    if term not in eligibility.catalogue:
        return [Reply(messages.text(f"term_{term}"))]  # an organisation: what it is
    info = eligibility.benefit(term)
    name = rights.name(info)
    mine = found.get(term)
    if mine is not None and not mine.get("eligible"):
        return [Reply(messages.text("right_not_found", name=name))]
    if kind == "documents":
        text = messages.text("term_documents", name=name,
                             documents=", ".join(rights.documents(info, mine)))
    elif kind == "how_long":
        delay = rights.text(info, "delay")
        text = (messages.text("term_delay", name=name, delay=delay) if delay
                else messages.text("delay_general", name=name))
    elif kind == "who_can":
        text = messages.text("term_who", name=name,
                             who=rights.text(info, "who") or rights.text(info, "sentence"))
    elif mine is not None and mine.get("amount"):
        text = messages.text("term_amount", name=name, amount=messages.euros(mine["amount"]),
                             per=messages.PER.get(mine.get("per"), ""))
    elif info.amount == "none":
        text = messages.text("term_right", label=rights.text(info, "label"),
                             sentence=rights.text(info, "sentence"))
    else:
        text = messages.text("term_amount_depends", name=name)
    return [Reply(text)]
