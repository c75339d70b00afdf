"""The take-up figures of a known population: people talking to the real dialogue over three
weeks (real OpenFisca), referents recording what happened in the console; every figure of
the funnel, the masking of small counts, and figures that do not move when people are
erased, on request or at the end of the retention period."""

from __future__ import annotations

import csv
import io
import re
import statistics
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from handoff import indicators
from handoff.retention import purge
from storage.handoff import Appointment, AppointmentUnit, Handoff
from storage.models import (
    Answer,
    ChannelAddress,
    Consent,
    Conversation,
    EligibilityResult,
    FunnelEvent,
    Message,
    Person,
)
from storage.records import Outcome
from tests.fixtures.town import ADMIN
from tests.helpers.console import csrf_of

PARIS = ZoneInfo("Europe/Paris")
START = ["bonjour", "oui"]
# In 67000: the Neudorf (67100) access-to-rights callback, a right whose claim opens a
# hand-off of its own, would change the hand-off counts this test is about.
RIGHTS = ["30", "67000", "1", "1", "500", "2", "800", "0", "oui"]  # single tenant, 800 € a month
NO_RIGHT = ["45", "67000", "1", "3", "2", "5000", "0", "oui"]  # owner, 5,000 € a month
PERIOD = {"du": "2026-10-01", "au": "2026-11-30"}


def populate(town) -> dict:
    """Sixteen first contacts, thirteen checks, seven hand-offs: see the figures below."""
    web = "web"
    # Week 41: six people with rights, three of them book a slot; one declines.
    for i in range(1, 7):
        town.says(web, f"p{i}", *START, "5", *RIGHTS)
        if i <= 3:
            town.says(web, f"p{i}", "1", "1")  # talk to a person, first slot
    town.says(web, "d1", "bonjour", "non")
    # Week 42: three by SMS with rights (one books), an adult with rights who books,
    # two people with no right.
    town.clock.advance(days=7)
    for i in range(7, 10):
        town.says("sms", f"+3360000000{i}", *START, "5", *RIGHTS)
    town.says("sms", "+33600000007", "1", "1")
    town.says(web, "p10", *START, "1", *RIGHTS, "1", "1")
    for i in (1, 2):
        town.says(web, f"n{i}", *START, "5", *NO_RIGHT)
    # Week 43: one more with rights who books, one declines, one urgent situation.
    town.clock.advance(days=7)
    town.says(web, "p11", *START, "5", *RIGHTS, "1", "1")
    town.says(web, "d2", "bonjour", "non")
    replies = town.says(web, "u1", *START, "mon mari me frappe")
    assert "3919" in replies[0]["text"]
    town.says(web, "u1", "1")
    return {who: town.handoff_of(channel, sender) for who, channel, sender in [
        ("p1", web, "p1"), ("p2", web, "p2"), ("p3", web, "p3"),
        ("p7", "sms", "+33600000007"), ("p10", web, "p10"), ("p11", web, "p11"),
        ("u1", web, "u1")]}


def console_post(town, path: str, **data):
    page = town.client.get("/console")
    response = town.client.post(path, data={**data, "csrf": csrf_of(page.text)},
                                follow_redirects=False)
    assert response.status_code == 303, response.text
    assert "error=" not in response.headers["location"], response.headers["location"]


def record_what_happened(town, people: dict) -> None:
    """The referents' side, through the console's own forms (the coordinator's account:
    the appointments are at several places)."""
    town.log_in(ADMIN)
    for who in ("p1", "p2", "p3", "p7"):
        console_post(town, f"/console/appointments/{people[who][1]}/status", status="seen")
    # p10: marked absent by mistake, then corrected: the no-show is withdrawn.
    console_post(town, f"/console/appointments/{people['p10'][1]}/status", status="noshow")
    console_post(town, f"/console/appointments/{people['p10'][1]}/status", status="seen")
    console_post(town, f"/console/appointments/{people['p11'][1]}/status", status="noshow")
    console_post(town, f"/console/appointments/{people['u1'][1]}/status", status="excused")
    # p1's claim first dated the 20th, then corrected to the 26th, like the others.
    console_post(town, f"/console/handoffs/{people['p1'][0]}/outcomes",
                 benefit_id="prime_activite", status="claim_filed", on="2026-10-20")
    for who in ("p1", "p2", "p3", "p7", "p10"):
        console_post(town, f"/console/handoffs/{people[who][0]}/outcomes",
                     benefit_id="prime_activite", status="claim_filed", on="2026-10-26")
    for who in ("p1", "p2"):
        console_post(town, f"/console/handoffs/{people[who][0]}/outcomes",
                     benefit_id="prime_activite", status="opened", on="2026-11-16")


def csv_of(town) -> str:
    response = town.client.get("/console/indicateurs.csv", params=PERIOD)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    return response.content.decode("utf-8-sig")


def cells(text: str) -> dict[tuple[str, str, str], str]:
    rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    return {(r["tableau"], r["ligne"], r["colonne"]): r["valeur"] for r in rows}


def expected_amounts(town) -> tuple[int, int]:
    """Sum of the yearly amounts of every right found, and of the prime d'activité."""
    total = prime = 0
    with town.db.session() as session:
        for result in session.scalars(select(EligibilityResult)):
            for b in result.benefits:
                if b.get("eligible"):
                    yearly = round((b.get("amount") or 0) * (12 if b.get("per") == "month" else 1))
                    total += yearly
                    prime += yearly if b["id"] == "prime_activite" else 0
    return total, prime


def expected_days_to_appointments(town, people) -> list[int]:
    with town.db.session() as session:
        days = []
        for who in ("p1", "p2", "p3", "p7", "p10"):
            appointment = session.get(Appointment, people[who][1])
            created = appointment.handoff.conversation.person.created_at
            days.append((appointment.starts_at.astimezone(PARIS).date()
                         - created.replace(tzinfo=created.tzinfo or ZoneInfo("UTC"))
                         .astimezone(PARIS).date()).days)
        return days


def test_the_funnel_of_a_known_population_masked_and_unmoved_by_erasure(town, monkeypatch,
                                                                         capsys):
    people = populate(town)
    record_what_happened(town, people)
    total_amount, prime_amount = expected_amounts(town)
    to_appointment = expected_days_to_appointments(town, people)

    report = town.client.get("/console/indicateurs", params=PERIOD)
    assert report.status_code == 200
    exported = csv_of(town)
    figures = cells(exported)

    def funnel(kind):
        return figures[("funnel", kind, "value")]

    # The funnel over the period.
    assert funnel("first_contact") == "16"
    assert funnel("consent") == "14"
    assert funnel("check_completed") == "13"
    assert funnel("rights_found") == "11"
    assert funnel("amount_year") == str(total_amount) and total_amount > 0
    assert funnel("handoff") == "7"
    assert funnel("handoff_urgent") == "< 5"
    assert funnel("appointment_booked") == "7"
    assert funnel("appointment_seen") == "5"
    assert funnel("appointment_noshow") == "< 5"  # p11 only: p10's was withdrawn
    assert funnel("appointment_excused") == "< 5"
    assert funnel("outcome_claim_filed") == "5"
    assert funnel("outcome_opened") == "< 5"

    # By week: 7 / 6 / 3 first contacts; the 3 is small, so the smallest other is hidden
    # too, or 16 - 7 - 6 would give it away.
    assert [figures[("by_week", w, "first_contact")] for w in
            ("2026-W41", "2026-W42", "2026-W43")] == ["7", indicators.SECRET, "< 5"]
    assert figures[("by_week", "2026-W40", "first_contact")] == "0"
    assert figures[("by_week", "total", "first_contact")] == "16"
    # Checks: 6 / 6 / 1.
    assert [figures[("by_week", w, "check_completed")] for w in
            ("2026-W41", "2026-W42", "2026-W43")] == [indicators.SECRET, "6", "< 5"]
    # People with a right: 6 / 4 / 1 (both small ones hidden, their sum 5 splits many ways);
    # amounts follow the people they are summed over.
    assert [figures[("by_week", w, "rights_found")] for w in
            ("2026-W41", "2026-W42", "2026-W43")] == ["6", "< 5", "< 5"]
    assert re.fullmatch(r"\d+", figures[("by_week", "2026-W41", "amount_year")])
    assert figures[("by_week", "2026-W42", "amount_year")] == indicators.SECRET
    assert figures[("by_week", "2026-W43", "amount_year")] == indicators.SECRET
    # Claims all in week 44, the corrected date included; rights opened in week 47.
    assert figures[("by_week", "2026-W44", "outcome_claim_filed")] == "5"
    assert figures[("by_week", "2026-W43", "outcome_claim_filed")] == "0"
    assert figures[("by_week", "2026-W47", "outcome_opened")] == "< 5"

    # By channel: 13 web and 3 SMS first contacts: the web figure would give the SMS away.
    assert figures[("by_channel", "sms", "first_contact")] == "< 5"
    assert figures[("by_channel", "web", "first_contact")] == indicators.SECRET
    assert figures[("by_channel", "total", "first_contact")] == "16"
    assert figures[("by_channel", "web", "appointment_seen")] == "< 5"  # 4 web, 1 SMS
    assert figures[("by_channel", "sms", "appointment_seen")] == "< 5"

    # By moment of life: nine checks « autre », one « adulte » (masked, and so the 9 too).
    assert figures[("by_moment", "adult", "check_completed")] == "< 5"
    assert figures[("by_moment", "other", "check_completed")] == indicators.SECRET
    assert figures[("by_moment", "", "first_contact")] == "16"  # before any moment is chosen

    # By benefit.
    assert figures[("by_benefit", "prime_activite", "right_found")] == "11"
    assert figures[("by_benefit", "prime_activite", "amount_year")] == str(prime_amount)
    assert figures[("by_benefit", "prime_activite", "outcome_claim_filed")] == "5"
    assert figures[("by_benefit", "prime_activite", "outcome_opened")] == "< 5"
    assert figures[("by_benefit", "total", "amount_year")] == str(total_amount)

    # Durations, counted when each step happened.
    assert figures[("durations", "appointment_seen", "n")] == "5"
    assert figures[("durations", "appointment_seen", "median")] == str(
        round(statistics.median(to_appointment)))
    assert figures[("durations", "outcome_claim_filed", "n")] == "5"
    # 21 days for the three of week 41, 14 for the two of week 42.
    assert figures[("durations", "outcome_claim_filed", "median")] == "21"
    assert figures[("durations", "outcome_claim_filed", "d8")] == "5"
    assert figures[("durations", "outcome_opened", "n")] == "< 5"
    assert figures[("durations", "outcome_opened", "median")] == indicators.SECRET

    # Nothing identifying in the export: only counts, euros, days and the masks.
    for (table, row, column), value in figures.items():
        assert re.fullmatch(r"\d+|< 5|secret", value), (table, row, column, value)
    for secret in ("p1", "+3360000000", "67000", "800", "mon mari", "30 ans"):
        assert secret not in exported.replace("2026-", "")
    # The page shows the same masks, never a hidden value.
    page = report.text
    assert "&lt; 5" in page and "secret" in page
    assert re.search(r'data-row="sms"><th scope="row">SMS</th>\s*<td class="masked">&lt; 5</td>',
                     page)

    # The terminal report prints the same figures, with the same masks.
    text = report_in_terminal(town, monkeypatch, capsys)
    assert re.search(r"Premiers contacts +16\n", text)
    assert re.search(r"Droits ouverts +< 5\n", text)
    assert re.search(r"Premiers contacts +0 +7 +secret +< 5( +0){5} +16\n", text)  # W40-W48
    assert report_in_terminal(town, monkeypatch, capsys, "--csv") == exported

    # « SUPPRIMER »: the person is gone, the figures stay.
    town.says("web", "p4", "SUPPRIMER")
    with town.db.session() as session:
        assert session.scalar(select(func.count()).select_from(Person)) == 15
    assert csv_of(town) == exported

    # Thirteen months later, the daily purge erases everyone; the figures stay.
    with town.db.session() as session:
        events = session.scalar(select(func.count()).select_from(FunnelEvent))
    town.clock.advance(days=400)
    assert purge(town.db, now=town.clock.now, months=12) == 15
    with town.db.session() as session:
        for table in (Person, ChannelAddress, Consent, Conversation, Message, Answer,
                      EligibilityResult, Handoff, Appointment, AppointmentUnit, Outcome):
            assert session.scalar(select(func.count()).select_from(table)) == 0, table
        assert session.scalar(select(func.count()).select_from(FunnelEvent)) == events
    assert csv_of(town) == exported


def report_in_terminal(town, monkeypatch, capsys, *options: str) -> str:
    """`python -m handoff report --from … --to …`, on the test's database."""
    from handoff.__main__ import main

    monkeypatch.setenv("DATABASE_URL", town.db.engine.url.render_as_string(hide_password=False))
    capsys.readouterr()
    assert main(["report", "--from", PERIOD["du"], "--to", PERIOD["au"], *options]) == 0
    return capsys.readouterr().out
