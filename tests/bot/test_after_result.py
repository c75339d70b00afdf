"""After the first result: the follow-up on SMS, REPRENDRE inside it, the AEEH of the child
it concerns, rights offered rather than handed off, and the optional question on sex.

Whole conversations in the words residents type, through POST /api/chat and through the
signed Twilio webhook (the SMS renderer, the outbox, the real twilio client against the
local fake), on a real database and the real rules engine.
"""

from __future__ import annotations

from sqlalchemy import select

from bot import messages
from bot.render import split_parts, to_gsm7
from storage.handoff import Handoff
from storage.models import Answer, EligibilityResult, FunnelEvent, Message

# A couple in 67000 (67100 adds the city's callback to every result), tenants at 600 €,
# 1 200 € of salary: the check up to its first result, the children's ages apart.
FAMILY = ["bonjour", "oui", "5", "40 ans 67000", "4", None, "1, 600", "non", "1200 et 0", "0"]


def family(say, ages: str) -> None:
    for text in FAMILY:
        say(ages if text is None else text)
    say("oui")  # to the facts read back


def results(client) -> list[dict[str, dict]]:
    with client.app.state.db.session() as s:
        rows = s.scalars(select(EligibilityResult).order_by(EligibilityResult.id))
        return [{b["id"]: b for b in row.benefits if b.get("eligible")} for row in rows]


def stored(client) -> dict:
    with client.app.state.db.session() as s:
        return {a.key: a.value for a in s.scalars(select(Answer))}


def handoffs(client) -> list[Handoff]:
    with client.app.state.db.session() as s:
        return list(s.scalars(select(Handoff)))


def sex_counts(client) -> list[tuple[str, str]]:
    with client.app.state.db.session() as s:
        return sorted((e.kind, e.sex) for e in s.scalars(
            select(FunnelEvent).where(FunnelEvent.sex.is_not(None))))


def sms(key: str, **values) -> str:
    return to_gsm7(messages.text(key, **values))


# ------------------------------------------------------------------ the follow-up on SMS
def sms_family(phone, ages: str) -> str:
    """The family's check by SMS up to its first result; the result's bodies as one text."""
    for text in FAMILY[:5]:
        phone.say(text)
    phone.say(ages)
    for text in FAMILY[6:]:
        phone.say(text)
    return "\n".join(phone.say("oui"))  # to the facts read back


def test_on_sms_the_follow_up_comes_in_the_next_exchange_up_to_the_second_childs_aeeh(phone):
    # Children of 22 and 8: the AEEH (art. L541-1 CSS) is for a child under 20 with a
    # disability; marking the first child, as before, found nothing.
    result = sms_family(phone, "22 et 8")
    assert "ENCORE" not in result and "AEEH" not in result  # the result keeps its parts
    after = " ".join(phone.say("merci"))
    assert sms("offer_followup", aids=1, count=1) in after
    assert "Facultatif" not in after  # one extra at a time: the question on sex waits
    asked = "\n".join(phone.say("encor"))  # a typo still takes it
    assert sms("ask_child_disability") in asked
    which = "\n".join(phone.say("oui"))
    assert sms("ask_disabled_children") in which
    second = "\n".join(phone.say("le deuxiem"))
    assert "AEEH" in second


def test_on_sms_no_before_the_offer_is_seen_does_not_decline_it(phone, sms_app):
    # « non » to « Voulez-vous en parler avec une personne ? »: the offer not seen yet is
    # not declined by it; it comes, then ENCORE still takes it.
    result = sms_family(phone, "15 et 8")
    assert len(split_parts(result)) <= 2  # as before the follow-up existed
    after = " ".join(phone.say("non"))
    assert "ENCORE" in after and to_gsm7(messages.text("followup_declined")) not in after
    assert "\n".join(phone.say("encore")).startswith(sms("ask_children_school"))


# ------------------------------------------------------------------ REPRENDRE
def test_reprendre_after_a_booking_resumes_the_follow_up(client, chat):
    family(chat.say, "15 et 8")
    chat.say("encore")
    assert chat.last == messages.text("ask_children_school")
    chat.say("il est au lycee")
    assert chat.last == messages.text("ask_child_disability")
    chat.say("conseiller")
    chat.say("1")  # the first slot
    assert "C'est noté" in chat.text
    chat.say("reprendre")
    assert chat.replies[0]["text"] == messages.text("resumed")
    assert chat.last == messages.text("ask_child_disability")
    chat.say("non")
    assert len(results(client)) == 2  # the follow-up's result, computed


def test_on_sms_reprendre_after_a_booking_resumes_the_follow_up(phone, sms_app):
    sms_family(phone, "15 et 8")
    phone.say("merci")  # the offer comes
    assert "\n".join(phone.say("encore")).startswith(sms("ask_children_school"))
    phone.say("lycee")
    phone.say("CONSEILLER")
    assert "C'est note" in to_gsm7(" ".join(phone.say("1"))).replace("é", "e")
    resumed = "\n".join(phone.say("reprendre"))
    assert sms("resumed") in resumed and sms("ask_child_disability") in resumed
    phone.say("nan")
    assert len(results(sms_app)) == 2


# ------------------------------------------------------------------ AEEH per child
def test_aeeh_of_the_second_child_said_with_the_yes(client, chat):
    family(chat.say, "22 et 8")
    assert "aeeh" not in results(client)[0]
    chat.say("encore")
    chat.say("oui la deuxième a un handicap")
    assert stored(client)["disabled_children"] == [1]
    second = results(client)[1]
    # 32 % of the BMAF (art. R541-1 CSS): about 151 € a month in 2026.
    assert 140 < second["aeeh"]["amount"] < 160


def test_aeeh_by_the_childs_age_and_for_both(client, chat, app_factory):
    family(chat.say, "3 et 22")
    chat.say("encore")
    chat.say("ouais")
    assert chat.last == messages.text("ask_disabled_children")
    chat.say("celui de 3 ans")
    assert stored(client)["disabled_children"] == [0]
    assert "aeeh" in results(client)[1]


def test_aeeh_for_both_children_counts_twice(client, chat):
    family(chat.say, "5 et 8")
    chat.say("encore")
    chat.say("oui")
    chat.say("lé deux")
    assert stored(client)["disabled_children"] == [0, 1]
    one_child = 151  # the base amount per child, about 151 € in 2026
    assert results(client)[1]["aeeh"]["amount"] > 1.8 * one_child


# ------------------------------------------------------------------ offered, not opened
def test_a_67100_resident_with_only_offered_rights_is_not_put_in_the_queue(client, chat):
    # 45, alone, owner, 3 000 € a month: only the city's access-to-rights callback.
    for text in ["bonjour", "oui", "5", "45 ans 67100", "1", "3", "non", "3000", "0", "oui"]:
        chat.say(text)
    (found,) = results(client)
    assert set(found) == {"strasbourg_rappel_acces_aux_droits"}
    assert chat.last.endswith(messages.text("accompanied_claim", names="").strip())
    assert chat.replies[-1]["choices"] == messages.CHOICES["after_result"]
    assert handoffs(client) == []  # offered: the referents' queue is left alone
    chat.say("CONSEILLER")
    (handoff,) = handoffs(client)
    assert handoff.trigger == "asked"


def test_on_sms_the_callback_is_offered_and_a_person_comes_when_asked(phone, sms_app):
    for text in ["bonjour", "oui", "5", "45 ans 67100", "1", "proprio", "non", "3000", "0"]:
        phone.say(text)
    result = " ".join(phone.say("oui"))  # to the facts read back
    assert "une personne peut faire la demande avec vous" in result
    assert handoffs(sms_app) == []
    phone.say("je veux parler a quelqu un")
    (handoff,) = handoffs(sms_app)
    assert handoff.trigger == "asked"


# ------------------------------------------------------------------ the question on sex
def test_the_question_on_sex_comes_once_after_the_result_and_is_only_counted(client, chat):
    family(chat.say, "15 et 8")
    assert messages.text("ask_sex") not in chat.text  # not with the result itself
    chat.say("non")  # declines the follow-up
    assert chat.replies[-2]["text"] == messages.text("ask_sex")
    assert chat.last == messages.text("offer_human")  # the menu stays last
    chat.say("fame")
    assert chat.replies[0]["text"] == messages.text("sex_thanks")
    assert chat.last == messages.text("offer_human")
    assert ("check_completed", "femme") in sex_counts(client)
    assert ("consent", "femme") in sex_counts(client)
    with client.app.state.db.session() as s:
        said = [m.text for m in s.scalars(select(Message).where(Message.direction == "in"))]
        assert "fame" not in said and "non" in said  # left out of the transcript
    assert "femme" not in str(stored(client)).lower()
    chat.say("merci")
    assert messages.text("ask_sex") not in chat.text  # asked once
    chat.say("SUPPRIMER")
    assert ("check_completed", "femme") in sex_counts(client)  # the count survives erasure


def test_any_other_message_skips_the_question_and_is_handled(client, chat):
    family(chat.say, "15 et 8")
    chat.say("merci")
    assert messages.text("ask_sex") in chat.text
    chat.say("1")  # a person: the question is skipped, 1 keeps its meaning
    assert chat.last == messages.text("slot_offer")
    assert sex_counts(client) == []
    chat.say("Pas de rendez-vous")
    chat.say("homme")  # too late: not an answer any more
    assert sex_counts(client) == []


def test_on_sms_the_question_waits_for_the_turns_after_the_result(phone, sms_app):
    result = sms_family(phone, "15 et 8")
    assert "Facultatif" not in result
    offer = " ".join(phone.say("nn"))
    assert "ENCORE" in offer and "Facultatif" not in offer
    after = " ".join(phone.say("non"))  # declines the follow-up now it is seen
    assert sms("followup_declined") in after
    assert sms("ask_sex") in after
    thanks = " ".join(phone.say("je préfère ne pas dire"))
    assert sms("sex_thanks") in thanks
    assert sex_counts(sms_app) and {s for _k, s in sex_counts(sms_app)} == {"non_dit"}


# ------------------------------------------------------------------ questions at the result
def test_a_right_named_after_the_result_gets_how_to_claim_it(client, chat):
    family(chat.say, "15 et 8")
    eligible = results(client)[-1]
    assert "allocations_familiales" in eligible
    chat.say("c quoi les allocs ?")
    assert "CAF" in chat.text and messages.text("not_understood_again") not in chat.text
    assert chat.last == messages.text("offer_human")
    assert len(results(client)) == 1  # nothing computed again, nothing booked
    assert handoffs(client) == []


def test_not_understood_at_the_result_gets_the_re_ask_alone(client, chat):
    family(chat.say, "15 et 8")
    chat.say("hein ?")
    assert [r["text"] for r in chat.replies] == [messages.text("after_result_reask")]
    chat.say("merci")  # understood: now the question on sex may come
    assert messages.text("ask_sex") in chat.text


def test_on_sms_not_understood_at_the_result_keeps_the_offer_for_the_next_turn(phone, sms_app):
    sms_family(phone, "15 et 8")
    lost = " ".join(phone.say("hein"))
    assert "ENCORE" not in lost and "Facultatif" not in lost
    assert len(split_parts(lost)) == 1
    offer = " ".join(phone.say("d'accord merci"))
    assert "ENCORE" in offer


def test_a_right_asked_about_but_not_found_says_so_and_offers_a_person(client, chat):
    family(chat.say, "15 et 8")
    assert "rsa" not in results(client)[-1]  # 1 200 € for a couple with two children
    chat.say("et le rsa ?")
    assert chat.replies[0]["text"] == messages.text("right_not_found", name="RSA")
    assert chat.last == messages.text("offer_human")
    assert handoffs(client) == []
