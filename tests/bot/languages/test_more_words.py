"""The follow-up (issue 14) taken with the word the result tells people to type, in their
language: « DEVAM », « MORE », « المزيد » were refused (improvised residents, 7 Dec 2026)."""

from __future__ import annotations

import pytest

from bot import language, messages
from tests.helpers.app import Chat, new_user_id

FIRST = {"en": ("Hello, I would like to know which benefits I can get please", "yes"),
         "tr": ("Merhaba, hangi yardımları alabileceğimi öğrenmek istiyorum", "evet"),
         "ar": ("السلام عليكم، أريد أن أعرف ما هي المساعدات التي يمكنني الحصول عليها", "نعم")}
FAMILY = ["5", "40, 67000", "4", "15, 8", "1, 600", "2", "1200, 0", "0"]


@pytest.mark.parametrize("code, more", [("en", "MORE"), ("tr", "DEVAM"), ("ar", "المزيد")])
def test_the_more_word_of_the_result_takes_the_follow_up(client, code, more):
    chat = Chat(client, new_user_id())
    first, yes = FIRST[code]
    chat.say(first)
    chat.say(yes)
    for answer in FAMILY:
        chat.say(answer)
    chat.say(yes)  # the facts read back
    with language.use(code):
        assert more in chat.text  # the result offers it
        chat.say(more)
        assert chat.last == messages.text("ask_children_school")
