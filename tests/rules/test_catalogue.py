import shutil
from pathlib import Path

import pytest
import yaml

from rules.catalogue import BENEFITS_DIR, CatalogueError, load_catalogue
from rules.profile import ProfileError, validate_profile
from tests.helpers.rules import CONTRACT_IDS


def test_every_contract_id_is_in_the_catalogue():
    catalogue = load_catalogue()
    assert CONTRACT_IDS <= {b.id for b in catalogue}
    for benefit in catalogue:
        assert benefit.period in ("month", "year")
        assert benefit.apply["link"].startswith("https://")
        assert benefit.documents and benefit.sentence and benefit.label
    accompanied = {b.id for b in catalogue if b.accompanied_claim}
    assert {"rsa", "aah", "aspa"} <= accompanied


def test_at_least_30_rights_covering_each_moment():
    catalogue = load_catalogue()
    assert len(catalogue) >= 30
    for moment in ("adult", "child", "single_parent", "senior"):
        assert sum(moment in b.moments for b in catalogue) >= 5, moment


def test_a_rule_naming_an_unknown_fact_fails_at_load(tmp_path):
    directory = _copy_with(tmp_path, "apa", lambda d: d.update(rule="agee >= 60"))
    with pytest.raises(CatalogueError) as excinfo:
        load_catalogue(directory)
    assert excinfo.value.field == "rule"


def _copy_with(tmp_path: Path, benefit_id: str, change) -> Path:
    directory = tmp_path / "benefits"
    directory.mkdir()
    source = BENEFITS_DIR / f"{benefit_id}.yaml"
    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    change(data)
    (directory / source.name).write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    return directory


def test_schema_rejects_a_bad_period_naming_file_and_field(tmp_path):
    directory = _copy_with(tmp_path, "rsa", lambda d: d.update(period="week"))
    with pytest.raises(CatalogueError) as excinfo:
        load_catalogue(directory)
    assert "rsa.yaml" in str(excinfo.value)
    assert excinfo.value.field == "period"


def test_schema_rejects_a_missing_field(tmp_path):
    directory = _copy_with(tmp_path, "aspa", lambda d: d["apply"].pop("link"))
    with pytest.raises(CatalogueError) as excinfo:
        load_catalogue(directory)
    assert "aspa.yaml" in str(excinfo.value)
    assert excinfo.value.field == "apply.link"


def test_schema_rejects_an_unknown_moment(tmp_path):
    directory = _copy_with(tmp_path, "asf", lambda d: d.update(moments=["teenager"]))
    with pytest.raises(CatalogueError) as excinfo:
        load_catalogue(directory)
    assert excinfo.value.field == "moments[0]"


def test_id_must_match_file_name(tmp_path):
    directory = _copy_with(tmp_path, "css", lambda d: d.update(id="cmu"))
    with pytest.raises(CatalogueError, match="id"):
        load_catalogue(directory)


def test_adding_a_benefit_is_adding_a_file(tmp_path):
    directory = tmp_path / "benefits"
    shutil.copytree(BENEFITS_DIR, directory)
    data = yaml.safe_load((directory / "rsa.yaml").read_text(encoding="utf-8"))
    data.update(id="rsa_copy")
    (directory / "rsa_copy.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    assert "rsa_copy" in {b.id for b in load_catalogue(directory)}


# -- profile validation (no OpenFisca needed) -------------------------------------------------

GOOD = {"applicant": {"age": 30}, "housing": {"status": "tenant", "rent": 500}}


def test_defaults_are_filled():
    profile = validate_profile(GOOD)
    assert profile["partner"] is None and profile["children"] == []
    assert profile["applicant"]["income"] == {
        "salary": 0.0, "unemployment": 0.0, "pension": 0.0, "other": 0.0}
    assert len(profile["period"]) == 7
    assert validate_profile(profile) == profile  # a normalised profile validates again


@pytest.mark.parametrize("code,insee", [("67100", "67482"), ("67482", "67482"),
                                        ("67300", "67447"), ("75056", "75056"),
                                        ("2A004", "2A004"), (67100, "67482")])
def test_commune_codes(code, insee):
    assert validate_profile({**GOOD, "commune": code})["commune"] == insee


@pytest.mark.parametrize("change,field", [
    ({"applicant": {"age": 200}}, "applicant.age"),
    ({"applicant": {"age": "30"}}, "applicant.age"),
    ({"applicant": {"age": 30, "income": {"salary": -5}}}, "applicant.income.salary"),
    ({"applicant": {"age": 30, "income": {"salery": 5}}}, "applicant.income.salery"),
    ({"partner": {"age": True}}, "partner.age"),
    ({"children": [{"age": 3}, {}]}, "children[1].age"),
    ({"housing": {"status": "castle"}}, "housing.status"),
    ({"commune": "Strasbourg"}, "commune"),
    ({"period": "2026-13"}, "period"),
])
def test_bad_profiles_name_the_field(change, field):
    with pytest.raises(ProfileError) as excinfo:
        validate_profile({**GOOD, **change})
    assert excinfo.value.field == field
    assert str(excinfo.value).startswith(field + ": ")
