"""The held-out evaluation, against the real Rasa servers (POST /model/parse), per language."""

import pytest

from nlu import manage


def test_heldout_targets(nlu_url, nlu_token):
    result = manage.evaluate(nlu_url, token=nlu_token)
    print(manage.format_report(result))
    assert result["n"] >= 200
    targets = result["targets"]
    assert targets["macro_f1"]["value"] >= 0.90, manage.format_report(result)
    assert targets["urgent_help_recall"]["value"] >= 0.95, manage.format_report(result)
    assert targets["opt_out_precision"]["value"] >= 0.98, manage.format_report(result)
    assert targets["delete_my_data_precision"]["value"] >= 0.98, manage.format_report(result)


def test_heldout_is_not_in_training_data():
    train, sentences = set(), set()
    for path in manage.DATA_DIR.glob("*.yml"):
        examples = {t.lower().strip() for t, _ in manage.read_examples(path)}
        train |= examples
        if path.name != "commands.yml":  # the catalogues' command words, not sentences
            sentences |= examples
    heldout = manage.read_examples()
    copies = [t for t, _ in heldout if t.lower().strip() in train]
    assert not copies
    assert len(heldout) >= 0.2 * len(sentences)


def test_metrics_plain_python():
    m = manage.compute_metrics(["a", "a", "b", "b"], ["a", "b", "b", "b"])
    assert m["per_intent"]["a"] == {"precision": 1.0, "recall": 0.5, "f1": 2 / 3, "support": 2}
    assert abs(m["per_intent"]["b"]["precision"] - 2 / 3) < 1e-9
    assert m["confusions"] == [("a", "b", 1)]


# ------------------------------------------------------------------ the other languages (issue 17)
# Every nlu/lang/<code>/ is a language with its own model and held-out set, with the
# French targets; adding a folder adds it here.
OTHER_LANGUAGES = [code for code in manage.languages() if code != manage.SOURCE]


@pytest.mark.parametrize("code", OTHER_LANGUAGES)
def test_heldout_targets_per_language(nlu_servers, nlu_token, code):
    assert manage.heldout_path(code).exists(), f"nlu/lang/{code}/heldout.yml is missing"
    result = manage.evaluate(nlu_servers.url(code), token=nlu_token, language=code)
    report = manage.format_report(result)
    print(report)
    assert result["n"] >= 100, report
    french_intents = {intent for _text, intent in manage.read_examples()}
    assert set(result["per_intent"]) == french_intents, "the held-out set covers every intent"
    targets = result["targets"]
    assert targets["macro_f1"]["value"] >= 0.90, report
    assert targets["urgent_help_recall"]["value"] >= 0.95, report
    assert targets["opt_out_precision"]["value"] >= 0.98, report
    assert targets["delete_my_data_precision"]["value"] >= 0.98, report


@pytest.mark.parametrize("code", OTHER_LANGUAGES)
def test_heldout_is_not_in_training_data_per_language(code):
    train, sentences = set(), set()
    for path in manage.training_files(code):
        examples = {t.lower().strip() for t, _ in manage.read_examples(path)}
        train |= examples
        if path.name != "commands.yml":  # the catalogues' command words, not sentences
            sentences |= examples
    heldout = manage.read_examples(manage.heldout_path(code))
    copies = [t for t, _ in heldout if t.lower().strip() in train]
    assert not copies
    assert len(heldout) >= 0.2 * len(sentences)


def test_languages_are_discovered_from_their_folders(tmp_path, monkeypatch):
    """A folder with training data is a language: its own model name, held-out path and
    config (the root one with its code), and French keeps its model name."""
    lang = tmp_path / "lang"
    (lang / "uk" / "data").mkdir(parents=True)
    (lang / "uk" / "data" / "basics.yml").write_text('version: "3.1"\nnlu: []\n')
    (lang / "xx").mkdir()  # no data: not a language yet
    monkeypatch.setattr(manage, "LANG_DIR", lang)
    assert manage.languages() == ["fr", "uk"]
    assert manage.heldout_path("uk") == lang / "uk" / "heldout.yml"
    assert "language: uk" in manage.config_text("uk")
    digest = manage.model_hash(language="uk")
    assert manage.model_path_for(digest, "uk").name == f"nlu-uk-{digest[:12]}.tar.gz"
    assert manage.model_path_for(manage.model_hash(), "fr").name.startswith("nlu-")
    assert digest != manage.model_hash()
    with pytest.raises(ValueError):
        manage.data_dir("../etc")
