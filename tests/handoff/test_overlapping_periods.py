"""Two overlapping reports must not give a small count away by subtraction, and only whole
calendar months are published."""

from __future__ import annotations

from datetime import date

from handoff import indicators
from handoff.__main__ import main
from storage.models import FunnelEvent

OCTOBER = (date(2026, 10, 1), date(2026, 10, 31))
NOVEMBER = (date(2026, 11, 1), date(2026, 11, 30))
BOTH = (date(2026, 10, 1), date(2026, 11, 30))


def events(session, kind: str, week: str, count: int, channel: str = "web") -> None:
    session.add_all([FunnelEvent(kind=kind, week=week, channel=channel) for _ in range(count)])


def figure(session, period, table: str, row: str, column: str | None = None) -> str:
    report = indicators.build(session, start=period[0], end=period[1])
    return report.table(table).cell(row, column).text


def test_october_november_minus_october_does_not_give_november_away(sqlite_db):
    with sqlite_db.session() as session:
        events(session, "first_contact", "2026-W41", 10)  # October
        events(session, "first_contact", "2026-W46", 3)  # November: a small count
        events(session, "consent", "2026-W41", 6)
        events(session, "consent", "2026-W46", 7)
    with sqlite_db.session() as session:
        assert figure(session, OCTOBER, "funnel", "first_contact") == "10"
        assert figure(session, NOVEMBER, "funnel", "first_contact") == "< 5"
        # Without the fix this showed 13, and 13 - 10 = 3.
        assert figure(session, BOTH, "funnel", "first_contact") == indicators.SECRET
        assert figure(session, BOTH, "by_channel", "web", "first_contact") == indicators.SECRET
        assert figure(session, BOTH, "by_week", "2026-W46", "first_contact") == "< 5"
        # A figure every month shows is shown for the two months: 6 + 7.
        assert figure(session, BOTH, "funnel", "consent") == "13"


def test_a_cell_hidden_in_one_month_to_protect_another_stays_hidden_over_two(sqlite_db):
    with sqlite_db.session() as session:
        events(session, "first_contact", "2026-W41", 6, "web")
        events(session, "first_contact", "2026-W41", 2, "sms")  # hidden, so web is secret
        events(session, "first_contact", "2026-W46", 8, "web")
    with sqlite_db.session() as session:
        assert figure(session, OCTOBER, "by_channel", "web", "first_contact") == (
            indicators.SECRET)
        assert figure(session, NOVEMBER, "by_channel", "web", "first_contact") == "8"
        # 14 web over both months would give October's web (14 - 8 = 6), then its SMS.
        assert figure(session, BOTH, "by_channel", "web", "first_contact") == (
            indicators.SECRET)
        assert figure(session, BOTH, "by_channel", "sms", "first_contact") == "< 5"


def test_only_whole_months_are_published(sqlite_db, monkeypatch, capsys):
    assert indicators.whole_months(*OCTOBER) and indicators.whole_months(*BOTH)
    assert not indicators.whole_months(date(2026, 10, 2), date(2026, 11, 30))
    assert not indicators.whole_months(date(2026, 10, 1), date(2026, 11, 29))
    assert indicators.parse_month("2024-02") == (date(2024, 2, 1), date(2024, 2, 29))
    monkeypatch.setenv("DATABASE_URL", sqlite_db.engine.url.render_as_string(
        hide_password=False))
    assert main(["report", "--from", "2026-10-02", "--to", "2026-11-30"]) == 2
    assert "whole calendar months" in capsys.readouterr().err
    assert main(["report", "--month", "2026-10"]) == 0
    assert "Indicateurs du 01/10/2026 au 31/10/2026" in capsys.readouterr().out
