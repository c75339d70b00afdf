"""SMS rendering: numbered choices, GSM-7 (UCS-2 only for letters GSM-7 cannot spell),
parts of at most 160 septets (70 characters in UCS-2) cut at sentences."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot import messages
from bot.dialogue.types import Reply
from bot.render import (
    UCS2_LIMIT,
    gsm7_length,
    is_gsm7,
    needs_ucs2,
    numbered,
    render_sms,
    render_whatsapp,
    split_parts,
    to_gsm7,
    to_ucs2,
    ucs2_length,
)


def test_choices_become_numbered_lines():
    assert numbered(Reply("D'accord ?", ["Oui", "Non"])) == "D'accord ?\n1. Oui\n2. Non"


def test_characters_outside_gsm7_are_replaced_on_sms_only():
    text = "L’aide « logement » – œuvre… âge, fête, île, hôtel, sûr, reçu, Noël, naïf 🙂"
    sms = to_gsm7(text)
    assert is_gsm7(sms)
    assert sms == "L'aide \" logement \" - oeuvre... age, fete, ile, hotel, sur, recu, Noel, naif "
    # Accents GSM-7 has stay: é è ù ì ò à Ç.
    assert to_gsm7("été, très, où, à, Ça") == "été, très, où, à, Ça"
    whatsapp = render_whatsapp([Reply(text)])[0].body
    assert whatsapp == text


def test_extension_characters_count_twice():
    assert gsm7_length("100 €") == 6
    assert gsm7_length("[a]{b}^~\\|") == 18  # 8 extension characters, 2 letters


def test_a_300_character_reply_makes_two_parts_cut_at_a_sentence():
    sentence = "Vous avez probablement droit à la prime d'activité, environ 240 € par mois. "
    text = (sentence * 4).strip()
    assert 290 <= len(text) <= 310
    parts = render_sms([Reply(text)])
    assert len(parts) == 2
    for part in parts:
        assert gsm7_length(part.body) <= 160 and is_gsm7(part.body)
        assert part.body.endswith(".")


def test_replies_of_one_turn_are_joined_to_save_parts():
    replies = [Reply(messages.text("ask_age")), Reply("Merci."), Reply("Encore une chose.")]
    assert len(render_sms(replies)) == 1


def test_a_word_longer_than_a_part_is_cut():
    parts = split_parts("x" * 400)
    assert [len(p) for p in parts] == [160, 160, 80]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(min_size=1, max_size=200), min_size=1, max_size=5))
def test_every_part_fits_one_sms_and_nothing_is_lost(texts):
    parts = render_sms([Reply(t) for t in texts])
    text = "\n".join(texts)
    if needs_ucs2(text):
        # Letters with no GSM-7 spelling at all (Arabic, issue 17): UCS-2, 70 a part.
        for part in parts:
            assert ucs2_length(part.body) <= UCS2_LIMIT
        words = "".join(to_ucs2(text).split())
    else:
        for part in parts:
            assert gsm7_length(part.body) <= 160 and is_gsm7(part.body)
        words = "".join(to_gsm7(text).split())
    assert "".join("".join(p.body for p in parts).split()) == words


def test_every_french_text_goes_in_gsm7():
    for key, text in messages.catalogue_entries().items():
        assert not needs_ucs2(text), key
