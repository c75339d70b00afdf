"""Campaign rules without the app: numbers, the invitation, allowed hours, the draw, the
figures with their confidence interval and masking, and the erasure of identities."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from handoff import campaigns
from handoff.retention import purge
from handoff.territory import load_territory
from storage.campaigns import Campaign, CampaignHousehold


def key_of(channel: str, number: str) -> str:
    return f"{channel}:{number}"


def test_only_french_mobiles_are_kept_as_e164():
    assert campaigns.normalise_mobile("06 12 34 56 78") == "+33612345678"
    assert campaigns.normalise_mobile("07.12.34.56.78") == "+33712345678"
    assert campaigns.normalise_mobile("+33 6 12 34 56 78") == "+33612345678"
    assert campaigns.normalise_mobile("0033712345678") == "+33712345678"
    for wrong in ("03 88 12 34 56", "+33312345678", "0612345", "+32612345678",
                  "06123456789", "", "bonjour", "08 00 12 34 56"):
        assert campaigns.normalise_mobile(wrong) is None, wrong


def test_an_invitation_needs_sender_reason_answer_and_stop_and_no_link():
    good = ("Bonjour, ici Passerelle. Le CCAS nous a donné votre numéro. Répondez BONJOUR. "
            "STOP pour ne plus recevoir de SMS.")
    assert campaigns.invitation_problems(good) == []
    for link in ("https://x.org", "www.passerelle.example", "passerelle.fr", "bit.ly/abc"):
        problems = campaigns.invitation_problems(good + " " + link)
        assert any("lien" in p for p in problems), link
    assert any("STOP" in p for p in campaigns.invitation_problems(good.replace("STOP", "")))
    assert any("Répondez" in p or "répondre" in p
               for p in campaigns.invitation_problems(good.replace("Répondez", "Tapez")))


def test_sending_hours_are_weekdays_9_to_19_territory_time_without_holidays():
    territory = load_territory()
    paris = territory.timezone

    def at(*args):
        return datetime(*args, tzinfo=paris)

    assert campaigns.allowed_at(at(2026, 11, 12, 9, 0), territory)  # Thursday
    assert campaigns.allowed_at(at(2026, 11, 12, 18, 59), territory)
    assert not campaigns.allowed_at(at(2026, 11, 12, 8, 59), territory)
    assert not campaigns.allowed_at(at(2026, 11, 12, 19, 0), territory)
    assert not campaigns.allowed_at(at(2026, 11, 14, 10, 0), territory)  # Saturday
    assert not campaigns.allowed_at(at(2026, 11, 11, 10, 0), territory)  # 11 November
    assert not campaigns.allowed_at(at(2026, 12, 25, 10, 0), territory)
    # Territory time, not UTC: 8:30 UTC in winter is 9:30 in Strasbourg.
    assert campaigns.allowed_at(datetime(2026, 11, 12, 8, 30, tzinfo=UTC), territory)
    assert campaigns.next_allowed(at(2026, 11, 10, 20, 0), territory) == at(2026, 11, 12, 9, 0)


def test_the_draw_is_fixed_by_its_seed():
    first = campaigns.control_indices(100, 20, seed=42)
    assert len(first) == 20 and first == campaigns.control_indices(100, 20, seed=42)
    assert first != campaigns.control_indices(100, 20, seed=43)
    assert campaigns.control_indices(10, 0, seed=1) == set()


def test_difference_and_newcombe_interval_as_published():
    # Newcombe, Statistics in Medicine 17 (1998) 873-890, table II, method 10.
    for (x1, n1, x2, n2), (low, high) in {(56, 70, 48, 80): (0.0524, 0.3339),
                                          (0, 10, 0, 20): (-0.1611, 0.2775),
                                          (10, 10, 0, 20): (0.6791, 1.0)}.items():
        d, got_low, got_high = campaigns.difference(x1, n1, x2, n2)
        assert math.isclose(d, x1 / n1 - x2 / n2)
        assert round(got_low, 4) == low and round(got_high, 4) == high
    assert campaigns.difference(1, 10, 0, 0) is None


def test_nothing_on_either_side_is_never_a_zero_width_interval(sqlite_db):
    with sqlite_db.session() as session:
        report = campaigns.evaluation(campaign_with(session, [{}] * 100, [{}] * 100))
    right_opened = next(f for f in report.figures if f.key == "right_opened")
    assert right_opened.difference == "+0,0 points [−3,7 ; +3,7]"


def campaign_with(session, invited: list[dict], control: list[dict]) -> Campaign:
    campaign = Campaign(name="Test", seed=1, control_percent=20, created_by="t",
                        evaluation_until=date(2027, 5, 1),
                        created_at=datetime(2026, 11, 1, tzinfo=UTC))
    session.add(campaign)
    session.flush()
    for grp, rows in (("invited", invited), ("control", control)):
        for i, flags in enumerate(rows):
            session.add(CampaignHousehold(campaign_id=campaign.id, grp=grp,
                                          phone=f"+3361234{grp[0]}{i:04d}",
                                          address_key=f"{grp}{i}", **flags))
    session.flush()
    session.refresh(campaign)
    return campaign


def test_the_figures_invited_against_control_one_by_one(sqlite_db):
    replied = datetime(2026, 11, 5, tzinfo=UTC)
    invited = ([{"replied_at": replied, "check_completed": True, "rights_found": True,
                 "appointment": True, "claim_filed": True, "right_opened": True}] * 6
               + [{"replied_at": replied, "check_completed": True}] * 24 + [{}] * 170)
    control = [{"replied_at": replied}] * 2 + [{}] * 48
    with sqlite_db.session() as session:
        report = campaigns.evaluation(campaign_with(session, invited, control))
    figures = {f.key: f for f in report.figures}
    assert (report.invited, report.control) == ("200", "50")
    assert figures["replied"].invited == "30 (15,0 %)"
    assert figures["replied"].control == "< 5"  # 2 of 50
    assert figures["replied"].difference == "secret"  # 15 % minus it would give it away
    assert figures["check_completed"].invited == "30 (15,0 %)"
    assert figures["check_completed"].control == "0 (0,0 %)"
    d, low, high = campaigns.difference(30, 200, 0, 50)
    assert figures["check_completed"].difference == (
        f"+15,0 points [+{100 * low:.1f} ; +{100 * high:.1f}]".replace(".", ","))
    for key in ("rights_found", "appointment", "claim_filed", "right_opened"):
        assert figures[key].invited == "6 (3,0 %)" and figures[key].control == "0 (0,0 %)"
        assert figures[key].difference.startswith("+3,0 points [")


def test_identities_are_erased_when_the_evaluation_ends(sqlite_db):
    with sqlite_db.session() as session:
        campaign = campaign_with(session, [{"check_completed": True}] * 3, [{}] * 2)
        campaign_id = campaign.id
    purge(sqlite_db, now=datetime(2027, 5, 1, 12, tzinfo=UTC), months=12)
    with sqlite_db.session() as session:
        rows = session.scalars(select(CampaignHousehold)).all()
        assert all(r.phone for r in rows)  # the evaluation's last day: still kept
    purge(sqlite_db, now=datetime(2027, 5, 2, 12, tzinfo=UTC) + timedelta(hours=1), months=0)
    with sqlite_db.session() as session:
        rows = session.scalars(select(CampaignHousehold)).all()
        assert all(r.phone is None and r.address_key is None for r in rows)
        assert sum(r.check_completed for r in rows) == 3  # the figures stay
        assert session.get(Campaign, campaign_id).identities_erased
