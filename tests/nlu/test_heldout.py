"""The held-out evaluation, against the real Rasa server (POST /model/parse)."""

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
    train = set()
    for path in manage.DATA_DIR.glob("*.yml"):
        train |= {t.lower().strip() for t, _ in manage.read_examples(path)}
    heldout = manage.read_examples()
    copies = [t for t, _ in heldout if t.lower().strip() in train]
    assert not copies
    assert len(heldout) >= 0.2 * len(train)


def test_metrics_plain_python():
    m = manage.compute_metrics(["a", "a", "b", "b"], ["a", "b", "b", "b"])
    assert m["per_intent"]["a"] == {"precision": 1.0, "recall": 0.5, "f1": 2 / 3, "support": 2}
    assert abs(m["per_intent"]["b"]["precision"] - 2 / 3) < 1e-9
    assert m["confusions"] == [("a", "b", 1)]
