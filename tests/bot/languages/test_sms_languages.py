"""SMS in the residents' languages: Arabic in UCS-2 parts of at most 70 characters with
nothing lost, Turkish folded to GSM-7 (160 a part), French and English unchanged."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot import language, messages, render
from bot.dialogue.types import Reply


def _consent(code: str) -> list[Reply]:
    with language.use(code):
        return [Reply(messages.text("greeting")),
                Reply(messages.text("privacy", months=12), messages.CHOICES["consent"])]


def test_arabic_goes_in_ucs2_parts_of_70_characters_with_every_letter_kept():
    replies = _consent("ar")
    parts = render.render_sms(replies)
    assert all(render.ucs2_length(p.body) <= render.UCS2_LIMIT for p in parts)
    joined = " ".join(p.body for p in parts)
    assert "?" not in joined.replace("؟", "").replace("موافق?", "")
    for reply in replies:
        for word in reply.text.split():
            assert word in joined
    assert render.sms_encoding(joined) == "ucs2"


def test_turkish_is_folded_to_gsm7_and_fits_160_a_part():
    parts = render.render_sms(_consent("tr"))
    assert all(render.is_gsm7(p.body) and render.gsm7_length(p.body) <= 160 for p in parts)
    joined = " ".join(p.body for p in parts)
    assert "haklarinizi" in joined and "SIL" in joined and "?" not in joined.replace("mü?", "")


def test_french_and_english_consent_fit_one_sms():
    assert len(render.render_sms(_consent("fr"))) == 1
    assert len(render.render_sms(_consent("en"))) == 1


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet="ابتثجحخدذرسشصضطظعغفقكلمنهوي٠١٢٣ .،؟\n", min_size=1,
                        max_size=300), min_size=1, max_size=4))
def test_arabic_parts_never_exceed_70_and_lose_no_letter(texts):
    replies = [Reply(t) for t in texts if t.strip()]
    if not replies:
        return
    parts = render.render_sms(replies)
    assert all(render.ucs2_length(p.body) <= render.UCS2_LIMIT for p in parts)
    letters = "".join(c for t in texts for c in t if not c.isspace())
    assert "".join(c for p in parts for c in p.body if not c.isspace()) == letters
