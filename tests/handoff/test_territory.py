"""The territory file: the demo loads, and a broken file is refused naming the field."""

from datetime import date, timedelta

import pytest
import yaml

from common.settings import Settings
from handoff.territory import DEFAULT_FILE, TerritoryError, load_territory
from tests.helpers.handoff import territory_data


def test_the_demo_territory_loads_and_says_it_is_demo_data():
    territory = load_territory()
    assert territory.demo is True
    assert "DEMO DATA" in DEFAULT_FILE.read_text(encoding="utf-8")
    assert territory.timezone.key == "Europe/Paris"
    assert 2 <= len(territory.places) <= 3
    assert 3 <= len(territory.referents) <= 4
    assert {"acces_droits", "rsa", "retraite_aspa", "naissance", "separation", "handicap",
            "urgence"} <= set(territory.reasons)
    for place in territory.places.values():
        assert "67100 Strasbourg" in place.address
        assert place.lat is not None and place.opening_hours
    for referent in territory.referents.values():
        assert set(referent.places) <= set(territory.places)


def test_alsace_holidays_include_good_friday_and_saint_stephen():
    territory = load_territory()
    assert territory.is_holiday(date(2027, 3, 26))  # Vendredi saint
    assert territory.is_holiday(date(2026, 12, 26))  # Saint-Étienne
    assert territory.is_holiday(date(2026, 12, 25))
    assert not territory.is_holiday(date(2026, 12, 24))


def test_territory_file_comes_from_the_environment(tmp_path, monkeypatch):
    data = territory_data()
    data["name"] = "Ailleurs"
    path = tmp_path / "ailleurs.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv("TERRITORY_FILE", str(path))
    assert load_territory(Settings.from_env().territory_file).name == "Ailleurs"
    monkeypatch.delenv("TERRITORY_FILE")
    assert load_territory(Settings.from_env().territory_file).demo is True


def _load_broken(tmp_path, change) -> str:
    data = territory_data()
    change(data)
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(TerritoryError) as caught:
        load_territory(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: ")
    return message


def test_a_missing_field_is_named(tmp_path):
    message = _load_broken(tmp_path, lambda d: d["places"][0].pop("address"))
    assert "places[0].address: missing" in message


def test_a_missing_setting_is_named(tmp_path):
    message = _load_broken(tmp_path, lambda d: d["settings"].pop("horizon_days"))
    assert "settings.horizon_days: missing" in message


def test_a_time_range_ending_before_it_starts_is_named(tmp_path):
    def change(d):
        d["places"][0]["opening_hours"]["monday"] = ["09:00-12:00", "14:00-13:00"]
    message = _load_broken(tmp_path, change)
    assert "places[0].opening_hours.monday[1]" in message
    assert "ends before it starts" in message


def test_a_malformed_time_range_is_named(tmp_path):
    def change(d):
        d["referents"][0]["availability"]["fs"]["tuesday"] = ["9h-12h"]
    message = _load_broken(tmp_path, change)
    assert "referents[0].availability.fs.tuesday[0]" in message
    assert "09:00-12:00" in message  # shows the expected form


def test_overlapping_ranges_are_refused(tmp_path):
    def change(d):
        d["places"][0]["opening_hours"]["monday"] = ["09:00-12:00", "11:00-13:00"]
    assert "places[0].opening_hours.monday: time ranges overlap" in _load_broken(tmp_path, change)


def test_an_unknown_place_is_named(tmp_path):
    def change(d):
        d["referents"][0]["availability"]["nowhere"] = {"monday": ["09:00-10:00"]}
    assert "referents[0].availability.nowhere: unknown place id" in _load_broken(tmp_path, change)


def test_a_duration_off_the_grid_is_named(tmp_path):
    def change(d):
        d["reasons"][0]["duration_minutes"] = 40
    assert "reasons[0].duration_minutes" in _load_broken(tmp_path, change)


def test_a_bad_absence_is_named(tmp_path):
    def change(d):
        d["referents"][0]["absences"] = [{"from": "2026-12-24", "to": "2026-12-20"}]
    assert "referents[0].absences[0]: ends before it starts" in _load_broken(tmp_path, change)


def test_unknown_fields_and_time_zones_are_refused(tmp_path):
    assert "places[0]" in _load_broken(tmp_path, lambda d: d["places"][0].update(adress="x"))
    assert "settings.timezone" in _load_broken(
        tmp_path, lambda d: d["settings"].update(timezone="Europe/Strasburg"))


def test_a_place_needs_a_position_or_a_map_link(tmp_path):
    def change(d):
        del d["places"][0]["lat"], d["places"][0]["lon"]
    assert "places[0]: needs lat and lon, or map_url" in _load_broken(tmp_path, change)


def test_a_missing_file_is_reported(tmp_path):
    with pytest.raises(TerritoryError, match="nope.yaml: cannot read"):
        load_territory(tmp_path / "nope.yaml")


def test_reason_min_notice_and_horizon_are_read():
    territory = load_territory()
    assert territory.reasons["urgence"].min_notice == timedelta(hours=2)
    assert territory.reasons["rsa"].min_notice is None
    assert territory.horizon_days >= 7
