"""The funnel split by the optional answer on sex (issue 16 item 5): people answering in the
real dialogue, the figures read on the console page, in its CSV and in `python -m handoff
report`, masked below 5 like every breakdown, and not moved by erasure."""

from __future__ import annotations

import csv
import io

from sqlalchemy import select

from storage.models import Answer, FunnelEvent, Message

START = ["bonjour", "oui", "5"]
# Single tenants in 67000 with 800 € of salary: rights found (prime d'activité, housing).
RIGHTS = ["30", "67000", "1", "1", "500", "2", "800", "0", "oui"]  # oui: the read-back
PERIOD = {"du": "2026-10-01", "au": "2026-10-31"}


def cells(town) -> dict[tuple[str, str, str], str]:
    response = town.client.get("/console/indicateurs.csv", params=PERIOD)
    assert response.status_code == 200
    rows = csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";")
    return {(r["tableau"], r["ligne"], r["colonne"]): r["valeur"] for r in rows}


def answer(town, who: str, said: str) -> None:
    town.says("web", who, *START, *RIGHTS)
    replies = town.says("web", who, "merci")  # the turn after the result asks it
    assert any(r["text"].startswith("Facultatif") for r in replies)
    town.says("web", who, said)


def test_the_funnel_split_by_sex_with_its_masks(town, monkeypatch, capsys):
    for i, said in enumerate(["femme", "Femme", "fame", "une femme", "je suis une femme"]):
        answer(town, f"f{i}", said)
    for i, said in enumerate(["homme", "Homme", "homme.", "un homme", "hom"]):
        answer(town, f"h{i}", said)
    town.log_in()
    figures = cells(town)
    split = {(row, column): value for (table, row, column), value in figures.items()
             if table == "by_sex"}
    assert split[("femme", "check_completed")] == "5"
    assert split[("homme", "rights_found")] == "5"
    assert split[("total", "consent")] == "10"
    assert split[("autre", "check_completed")] == "0"
    # The copies are counted apart: the funnel itself still counts each check once.
    assert figures[("funnel", "check_completed", "value")] == "10"

    # One « autre »: its 1 is shown « < 5 », and the total minus the shown cells must not
    # give it back, so another cell is hidden too.
    answer(town, "a0", "autr")
    split = {(row, column): value for (table, row, column), value in cells(town).items()
             if table == "by_sex"}
    assert split[("autre", "check_completed")] == "< 5"
    assert split[("total", "check_completed")] == "11"
    assert "secret" in (split[("femme", "check_completed")], split[("homme", "check_completed")])

    # The page and the terminal report show the same table.
    page = town.client.get("/console/indicateurs", params=PERIOD)
    assert "Par sexe (réponse facultative)" in page.text
    from handoff.__main__ import main

    monkeypatch.setenv("DATABASE_URL", town.db.engine.url.render_as_string(hide_password=False))
    capsys.readouterr()
    assert main(["report", "--month", "2026-10"]) == 0
    text = capsys.readouterr().out
    assert "Par sexe (réponse facultative)" in text and "< 5" in text

    # Nothing but the counts holds the answers: not the answers, not the transcript.
    with town.db.session() as session:
        assert not session.scalars(select(Answer).where(Answer.value.is_not(None))
                                   ).all() or all(
            "femme" not in str(a.value) and "homme" not in str(a.value)
            for a in session.scalars(select(Answer)))
        said = {m.text for m in session.scalars(select(Message).where(Message.direction == "in"))}
        assert not said & {"femme", "fame", "homme", "autr", "une femme"}
    # Erasure leaves the anonymous counts.
    before = cells(town)
    for who in ["f0", "h0", "a0"]:
        town.says("web", who, "SUPPRIMER")
    assert cells(town) == before
    with town.db.session() as session:
        assert session.scalars(select(FunnelEvent).where(FunnelEvent.sex == "autre")).first()
