"""The message catalogues (locales/<code>/LC_MESSAGES/messages.po, read with Babel): every
French key translated in each language, placeholders and emergency numbers kept, French
whenever a translation is missing or was made for an older French text."""

from __future__ import annotations

import re
import shutil

import pytest
import yaml
from babel.messages.pofile import read_po

from bot import i18n, language, messages

TRANSLATED = [code for code in language.available() if code != language.SOURCE]
EMERGENCY_NUMBERS = ["17", "112", "3919", "119", "115", "3114"]


def test_the_three_languages_are_there_besides_french():
    assert set(TRANSLATED) >= {"en", "tr", "ar"}


@pytest.mark.parametrize("code", TRANSLATED)
def test_every_catalogue_key_has_a_current_translation_keeping_placeholders_and_numbers(code):
    report = i18n.check(code)
    assert not report.missing, (
        f"{code}: keys without a translation (add them to locales/{code}/LC_MESSAGES/"
        f"messages.po, `python -m bot.i18n update` adds them empty): {report.missing}")
    assert not report.stale, f"{code}: the French changed since translated: {report.stale}"
    assert not report.broken, f"{code}: {report.broken}"


@pytest.mark.parametrize("code", TRANSLATED)
def test_the_emergency_numbers_are_the_same_in_every_language(code):
    with language.use(code):
        urgent = messages.text("urgent")
    assert urgent != messages.TEXTS["urgent"]  # really translated
    assert sorted(re.findall(r"\d+", urgent)) == sorted(EMERGENCY_NUMBERS)
    assert sorted(re.findall(r"\d+", messages.TEXTS["urgent"])) == sorted(EMERGENCY_NUMBERS)


@pytest.mark.parametrize("code", TRANSLATED)
def test_drafts_are_marked_fuzzy_for_a_native_speakers_review(code):
    path = language.LOCALES / code / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        entries = [m for m in read_po(handle, locale=code) if m.id]
    assert entries and all(m.context for m in entries)
    # Until a native speaker reviews an entry, its fuzzy flag stays: none is reviewed yet.
    assert all(m.fuzzy for m in entries)


def test_texts_and_choices_follow_the_conversations_language():
    assert messages.CHOICES["consent"] == ["Oui", "Non"]
    with language.use("en"):
        assert messages.CHOICES["consent"] == ["Yes", "No"]
        assert messages.text("privacy", months=12).startswith("I keep your answers 12 months")
        assert messages.PER["month"] == "/month"
    with language.use("ar"):
        assert messages.CHOICES["yes_no"] == ["نعم", "لا"]
    assert messages.text("privacy", months=12).startswith("Je garde vos réponses 12 mois")


def test_a_key_not_yet_translated_is_said_in_french_and_listed_by_the_check(monkeypatch,
                                                                             capsys):
    monkeypatch.setitem(messages.TEXTS, "a_new_key", "Un nouveau texte, {name}.")
    with language.use("tr"):
        assert messages.text("a_new_key", name="Ayşe") == "Un nouveau texte, Ayşe."
    assert i18n.check("tr").missing == ["a_new_key"]
    assert i18n.main(["check", "tr"]) == 1
    assert "missing: a_new_key" in capsys.readouterr().out


def test_a_translation_of_an_older_french_text_is_not_used(monkeypatch):
    monkeypatch.setitem(messages.TEXTS, "resumed", "On reprend le test là où il était.")
    with language.use("en"):
        assert messages.text("resumed") == "On reprend le test là où il était."
    assert "resumed" in i18n.check("en").stale


def test_update_adds_new_keys_empty_and_marks_changed_ones_for_review(monkeypatch, tmp_path):
    shutil.copytree(language.LOCALES, tmp_path / "locales")
    monkeypatch.setattr(language, "LOCALES", tmp_path / "locales")
    language.catalogue.cache_clear()
    try:
        monkeypatch.setitem(messages.TEXTS, "a_new_key", "Nouveau.")
        monkeypatch.setitem(messages.TEXTS, "resumed", "On reprend, différemment.")
        assert i18n.update("en") == 2
        entries = language.catalogue("en")
        assert entries["a_new_key"] == ("Nouveau.", "", False)
        source, translation, fuzzy = entries["resumed"]
        assert (source, translation, fuzzy) == ("On reprend, différemment.",
                                                "Let's go back to the check.", True)
        with language.use("en"):  # an empty translation: French
            assert messages.text("a_new_key") == "Nouveau."
    finally:
        language.catalogue.cache_clear()


def test_an_empty_translation_falls_back_to_french(monkeypatch, tmp_path):
    shutil.copytree(language.LOCALES, tmp_path / "locales")
    po = tmp_path / "locales" / "en" / "LC_MESSAGES" / "messages.po"
    text = po.read_text(encoding="utf-8")
    text = text.replace('msgstr "Let\'s start again."', 'msgstr ""')
    po.write_text(text, encoding="utf-8")
    monkeypatch.setattr(language, "LOCALES", tmp_path / "locales")
    language.catalogue.cache_clear()
    try:
        with language.use("en"):
            assert messages.text("restarted") == "On recommence."
            assert messages.text("erased").startswith("Done")
    finally:
        language.catalogue.cache_clear()


@pytest.mark.parametrize("path", sorted(language.LOCALES.glob("*/words.yml")),
                         ids=lambda p: p.parent.name)
def test_word_tables_hold_words_not_yaml_booleans(path):
    """« yes », « no », « on » (Turkish ten) are booleans to YAML unless quoted."""
    def walk(value, where):
        assert not isinstance(value, bool), f"{path}: {where} is a YAML boolean, quote it"
        if isinstance(value, dict):
            for key, item in value.items():
                assert isinstance(key, str), f"{path}: key {key!r} in {where}"
                walk(item, f"{where}.{key}")
        elif isinstance(value, list):
            for index, item in enumerate(value):
                walk(item, f"{where}[{index}]")

    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    for key, value in data.items():
        if key != "stem":
            walk(value, key)
    assert data["name"] and data["menu_title"] and data["names"]
