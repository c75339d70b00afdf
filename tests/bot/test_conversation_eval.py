"""The conversation-level evaluation (bench/conversation_eval.py) and its data.

The personas and sentences are checked as data (fast); the instrument is checked on two
personas whose outcome is known; the whole evaluation runs against the targets of the issue
on the real NLU, marked `conversation_eval` (minutes long).
"""

from __future__ import annotations

import dataclasses

import pytest

from bench import conversation_eval as ev

PERSONAS = ev.load_personas()
SENTENCES = ev.load_urgent()


def _by_style(style: str) -> list[ev.Persona]:
    return [p for p in PERSONAS if style in p.style]


def _persona(persona_id: str) -> ev.Persona:
    return next(p for p in PERSONAS if p.id == persona_id)


# ------------------------------------------------------------------------------- the data

def test_personas_are_usable_and_cover_every_moment():
    assert ev.validate(PERSONAS) == []
    assert len(PERSONAS) >= 80
    moments = {p.moment for p in PERSONAS}
    assert moments == set(ev.MOMENTS)
    assert min(sum(p.moment == m for p in PERSONAS) for m in ev.MOMENTS) >= 12


def test_residents_write_in_arabic_turkish_and_english_too():
    """Issue 17: at least thirty in each language, from every moment of life, ending in
    their own language (the evaluation counts another one as a misfill)."""
    for code in ("en", "tr", "ar"):
        group = [p for p in PERSONAS if p.language == code]
        assert len(group) >= 30, code
        assert {p.moment for p in group} == set(ev.MOMENTS), code
        # The read-back included; issue 25's 13 and 17 not yet met in English and Arabic.
        assert ev.sms_part_limit(code) == {"en": 14, "tr": 17, "ar": 19}[code]


def test_personas_mix_the_ways_people_answer():
    digits = _by_style("digits")
    assert 0.15 <= len(digits) / len(PERSONAS) <= 0.30  # about one in five
    for persona in digits:  # digits only: every answer a number or a menu digit
        for key, said in persona.says.items():
            assert str(said).replace(" ", "").replace(",", "").replace("et", "").isdigit(), \
                (persona.id, key, said)
    several = [p for p in _by_style("first_message_says_it_all")
               if len(p.first_message.split()) >= 12]
    assert len(several) >= 10
    corrections = [p for p in _by_style("correction")
                   if any(isinstance(v, dict) and v.get("then") for v in p.says.values())]
    assert len(corrections) >= 5
    dont_know = [p for p in _by_style("dont_know")
                 if any(isinstance(v, list) and len(v) > 1 for v in p.says.values())]
    assert len(dont_know) >= 5


def test_urgent_sentences_are_about_half_urgent():
    assert len(SENTENCES) >= 60
    urgent = sum(u for _, u in SENTENCES)
    assert 0.4 <= urgent / len(SENTENCES) <= 0.6
    assert len({s for s, _ in SENTENCES}) == len(SENTENCES)


# ------------------------------------------------------------------------------- the script

def test_script_says_each_answer_in_turn_then_the_last_one_again():
    script = ev.Script(_persona("adult-lucas-dont-know-salary"))
    assert script.answer("ask:salary") == ("je sais pas trop ca change tout le temps", None)
    assert script.answer("ask:salary") == ("a peu pres 600", None)
    assert script.answer("ask:salary") == ("a peu pres 600", None)


def test_script_sends_a_correction_right_after_the_wrong_answer():
    script = ev.Script(_persona("adult-sarah-correction"))
    assert script.answer("ask:age") == ("32", "pardon je me suis trompee jai 22 ans")
    # Asked again after correcting: the right answer, not the mistake.
    assert script.answer("ask:age") == ("pardon je me suis trompee jai 22 ans", None)


def test_script_falls_back_on_plain_words_for_states_it_has_no_words_for():
    persona = dataclasses.replace(_persona("other-stephane-digits"), says={"moment": "5"})
    script = ev.Script(persona)
    assert script.answer("consent")[0] == "oui"
    assert script.answer("confirm")[0] == "oui"
    assert script.answer("slot")[0] == "non merci"  # nobody here asked for a person
    assert script.answer("ask:housing")[0] == "locataire"  # a key it has no words for
    assert script.answer("ask:rent")[0] == "560"
    assert script.answer("ask:disability")[0] == "non"


@pytest.mark.parametrize("key,stored,truth,same", [
    ("salary", 800.5, 800.0, True),
    ("salary", 798, 800.0, False),
    ("age", 25, 25, True),
    ("age", 25.5, 25, False),
    ("children_ages", [9, 4], [4, 9], True),
    ("children_ages", [4], [4, 9], False),
    ("disability", False, False, True),
    ("disability", 0, False, False),
    ("postcode", "67100", "67100", True),
    ("housing", "tenant", "social_tenant", False),
])
def test_stored_answers_are_compared_with_the_truth(key, stored, truth, same):
    assert ev.same_answer(key, stored, truth) is same


# ------------------------------------------------------------------------------- the instrument

def test_the_instrument_counts_a_completed_check_a_misfill_and_an_alarm(eligibility):
    """On the keyword fallback (no Rasa), two personas with known outcomes and two sentences."""
    right = _persona("adult-lea-digits")
    wrong = dataclasses.replace(right, id="adult-lea-wrong-age",
                                says={**right.says, "age": "52"})
    report = ev.evaluate("http://127.0.0.1:9", eligibility, personas=[right, wrong],
                         sentences=[("je dors dehors", True), ("il fait froid", False)])
    first, second = report.personas
    assert first.completed and first.rights_correct and not first.failures
    # bonjour, oui, the moment, age and postcode at once, 5 answers, oui to the facts read back
    assert first.turns == 10
    assert 10 <= first.sms_parts <= 20
    assert first.expected_rights  # the rules give her something (the transport fare at least)
    assert second.completed and second.misfills == [("age", 52, 19)]
    assert report.misfills == 1 and report.bookings == 0
    assert report.urgent_recall == 1.0 and report.urgent_precision == 1.0
    assert report.lines()[-1] == report.summary_line()
    assert report.summary_line().startswith("conversations: completion 100.0%, correct rights ")


def test_the_instrument_follows_a_persona_through_the_follow_up_on_sms(eligibility):
    """The SMS persona with the disabled second child: its first result, « merci » (the
    offer comes), « encore », the questions, the second result; each check within 13 parts."""
    persona = _persona("other-karim-aeeh-second-child")
    assert persona.channel == "sms"
    report = ev.evaluate("http://127.0.0.1:9", eligibility, personas=[persona], sentences=[])
    (result,) = report.personas
    assert result.completed and result.rights_correct, result.failures
    assert "aeeh" in result.found_rights  # the second child's, under 20
    assert result.followup_parts is not None and 0 < result.followup_parts <= ev.SMS_PART_LIMIT
    assert result.sms_parts <= ev.SMS_PART_LIMIT
    assert any("ENCORE" in reply for _said, replies in result.transcript for reply in replies)


# ------------------------------------------------------------------------------- the evaluation

@pytest.mark.conversation_eval
def test_conversations_reach_the_targets(nlu_url, nlu_servers, nlu_token, eligibility):
    """Every language read by its own model (issue 17): the models must not make any
    language worse than digits and words did (0 misfills, 0 accidental bookings)."""
    from nlu import manage

    urls = {code: nlu_servers.url(code) for code in manage.languages() if code != manage.SOURCE}
    report = ev.evaluate(nlu_url, eligibility, nlu_token=nlu_token, nlu_urls=urls)
    print("\n".join(report.lines()))
    assert len(report.personas) >= 80
    assert set(report.models) >= {"fr", *urls}
    assert report.missed_targets() == []
    for code in {r.persona.language for r in report.personas}:
        group = [r for r in report.personas if r.persona.language == code]
        assert sum(len(r.misfills) for r in group) == 0, code
        assert sum(r.bookings for r in group) == 0, code
