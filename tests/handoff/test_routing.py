"""Many territories in one deployment: the directory loads, and a resident is routed by the
number they texted, else by postcode, else to the national fallback (None)."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime

import pytest
import yaml

from handoff.slots import free_slots
from handoff.territory import (
    DEFAULT_FILE,
    Territories,
    TerritoryError,
    load_territories,
    route,
    territories_from_settings,
)

DIRECTORY = DEFAULT_FILE.parent
NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def territories():
    return load_territories(DIRECTORY)


def by_id(territories, territory_id):
    return next(t for t in territories if t.id == territory_id)


def test_the_directory_holds_two_demo_territories_that_each_offer_slots(territories, sqlite_db):
    assert {t.id for t in territories} == {"strasbourg-neudorf", "mulhouse-bourtzwiller"}
    for territory in territories:
        assert territory.demo is True and territory.contact
        assert "DEMO DATA" in open(territory.source, encoding="utf-8").read()
        with sqlite_db.session() as session:
            assert free_slots(session, territory, "acces_droits", NOW, limit=3)
    mulhouse = by_id(territories, "mulhouse-bourtzwiller")
    assert all("68200 Mulhouse" in place.address for place in mulhouse.places.values())
    # Each France Services receives its whole commune, and nobody beyond it.
    assert by_id(territories, "strasbourg-neudorf").postcodes == {"67000", "67100", "67200"}
    assert mulhouse.postcodes == {"68100", "68200"}


def test_routed_by_the_number_texted_whatever_the_postcode(territories):
    mulhouse = by_id(territories, "mulhouse-bourtzwiller")
    assert route(territories, number="+33639980001") is mulhouse
    assert route(territories, number="whatsapp:+33 6 39 98 00 01") is mulhouse
    # The number wins: a Strasbourg postcode texted to Mulhouse's own number stays there.
    assert route(territories, number="+33639980001", postcode="67100") is mulhouse


def test_routed_by_postcode_on_a_shared_number(territories):
    shared = "+33700000000"  # the national number, nobody's own
    assert route(territories, number=shared, postcode="67100").id == "strasbourg-neudorf"
    assert route(territories, postcode="68200").id == "mulhouse-bourtzwiller"
    assert route(territories, postcode=" 68200 ").id == "mulhouse-bourtzwiller"


def test_an_unknown_postcode_gets_the_national_fallback(territories):
    assert route(territories, postcode="75011") is None
    assert route(territories, number="+33700000000", postcode="13001") is None
    assert route(territories) is None


def test_a_resident_moving_is_routed_to_the_other_territory(territories):
    before = route(territories, number="+33700000000", postcode="67100")
    after = route(territories, number="+33700000000", postcode="68200")
    assert (before.id, after.id) == ("strasbourg-neudorf", "mulhouse-bourtzwiller")
    assert route(territories, number="+33700000000", postcode="75011") is None


def test_routed_by_the_territory_telegram_bot(tmp_path):
    for path in DIRECTORY.glob("*.yaml"):
        shutil.copy(path, tmp_path / path.name)
    target = tmp_path / "strasbourg-neudorf.yaml"
    data = yaml.safe_load(target.read_text(encoding="utf-8"))
    data["channels"] = {"telegram_bot": "PasserelleNeudorfBot"}
    target.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    territories = load_territories(tmp_path)
    assert route(territories, number="@passerelleneudorfbot").id == "strasbourg-neudorf"


def test_a_postcode_claimed_by_two_territories_is_refused(tmp_path):
    for path in DIRECTORY.glob("*.yaml"):
        shutil.copy(path, tmp_path / path.name)
    target = tmp_path / "mulhouse-bourtzwiller.yaml"
    data = yaml.safe_load(target.read_text(encoding="utf-8"))
    data["serves"]["postcodes"].append("67100")
    target.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(TerritoryError, match="postcode '67100' is already "):
        load_territories(tmp_path)


def test_with_neither_setting_the_demo_territories_serve_their_postcodes_only():
    """`make run`: both demo territories, Strasbourg first (the demo login, rows from before
    territories); Lyon is nobody's, and a resident is nobody's until their postcode."""
    assert [t.id for t in territories_from_settings("", "")] == [
        "strasbourg-neudorf", "mulhouse-bourtzwiller"]
    deployment = Territories.from_settings("", "")
    assert deployment.first.id == "strasbourg-neudorf"
    for postcode in ("67000", "67100", "67200"):
        assert deployment.route(postcode=postcode).id == "strasbourg-neudorf"
    for postcode in ("68100", "68200"):
        assert deployment.route(postcode=postcode).id == "mulhouse-bourtzwiller"
    assert deployment.route(postcode="69003") is None
    assert deployment.route(postcode="67400") is None  # Illkirch has its own France Services
    assert deployment.route() is None
    assert deployment.route(number="+33639980001", postcode="69003").id == (
        "mulhouse-bourtzwiller")  # its own number still wins


def test_a_territory_file_that_names_postcodes_serves_only_those():
    deployment = Territories.from_settings("", str(DEFAULT_FILE))
    assert [t.id for t in deployment] == ["strasbourg-neudorf"]
    assert deployment.route(postcode="67200").id == "strasbourg-neudorf"
    assert deployment.route(postcode="69003") is None
    assert deployment.route(postcode="68200") is None
    # Before the postcode, its only territory takes the resident in (asked it in the check).
    assert deployment.route().id == "strasbourg-neudorf"
    # TERRITORY_DIR wins over TERRITORY_FILE, as before.
    assert len(Territories.from_settings(str(DIRECTORY), str(DEFAULT_FILE))) == 2


def test_a_territory_file_that_names_nobody_serves_everyone(tmp_path):
    data = yaml.safe_load(DEFAULT_FILE.read_text(encoding="utf-8"))
    del data["serves"]
    path = tmp_path / "everyone.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    for deployment in (Territories.from_settings("", str(path)),
                       Territories.from_settings(str(tmp_path))):  # a directory of that one
        assert deployment.route(postcode="69003").id == "strasbourg-neudorf"
        assert deployment.route().id == "strasbourg-neudorf"
