"""Cross-checks against OpenFisca called independently of our mapping (rules/situation.py).

1. Net -> gross of replacement incomes: the gross unemployment benefit and pension we derive
   from a net amount, given to OpenFisca's OWN contribution formulas (a plain situation built
   here, with the RFR N-2 as input), must give back that net amount.
2. A sample of profiles: the amounts of our evaluator equal those of a situation written by
   hand in OpenFisca's test-case format.
"""
import numpy as np
import pytest

from rules.profile import validate_profile
from rules.situation import replacement_incomes, tax_parts


@pytest.fixture(scope="module")
def tbs(engine):
    return engine._system()


@pytest.mark.parametrize("unemployment,pension,band", [
    (1300, 0, 0), (2000, 0, 1), (2600, 0, 1), (0, 900, 0), (0, 1300, 1), (0, 1700, 1),
    (0, 2600, 2),
])
def test_net_to_gross_round_trips_through_openfisca(tbs, unemployment, pension, band):
    from openfisca_core.simulation_builder import SimulationBuilder

    period = "2026-11"
    profile = validate_profile({"period": period, "applicant": {
        "age": 50, "income": {"unemployment": unemployment, "pension": pension}},
        "housing": {"status": "tenant", "rent": 500}})
    z = np.zeros(1)
    bases = replacement_incomes(tbs, period, [profile], [0], [("adult", profile["applicant"])],
                                z, np.array([unemployment], float), np.array([pension], float), z)
    assert bases["band"][0] >= band  # at least this band: the bands are tested via the net
    rfr = 12 * 0.9 * (bases["unemployment_taxable"][0] + bases["pension_taxable"][0])
    situation = {
        "individus": {"a": {"chomage_brut": {period: float(bases["unemployment_gross"][0])},
                            "retraite_brute": {period: float(bases["pension_gross"][0])},
                            "date_naissance": {"ETERNITY": "1976-01-01"}}},
        "foyers_fiscaux": {"f": {"declarants": ["a"], "rfr": {"2024": rfr},
                                 "nbptr": {"2024": tax_parts(profile)}}},
        "familles": {"f": {"parents": ["a"]}},
        "menages": {"m": {"personne_de_reference": ["a"]}},
    }
    sim = SimulationBuilder().build_from_entities(tbs, situation)
    assert sim.calculate("chomage_net", period)[0] == pytest.approx(unemployment, abs=0.5)
    assert sim.calculate("retraite_nette", period)[0] == pytest.approx(pension, abs=0.5)
    assert sim.calculate("chomage_imposable", period)[0] == pytest.approx(
        bases["unemployment_taxable"][0], abs=0.5)


def test_full_rate_csg_lowers_housing_aid(engine):
    """2 000 € net of unemployment benefit is taxed at the full rate: the taxable amount,
    hence the housing aid's resources, is above the net amount."""
    low = engine.evaluate({"period": "2026-11", "applicant": {"age": 30, "income": {
        "unemployment": 1650}}, "housing": {"status": "tenant", "rent": 650}})
    as_salary = engine.evaluate({"period": "2026-11", "applicant": {"age": 30, "income": {
        "unemployment": 0, "other": 0, "salary": 0}}, "housing": {"status": "tenant",
                                                                 "rent": 650}})
    aid = {r: {b["id"]: b for b in x["benefits"]}["aide_logement"]["amount"]
           for r, x in (("low", low), ("none", as_salary))}
    assert aid["low"] < aid["none"]


SAMPLE = [
    # (profile, OpenFisca variable, our benefit id)
    ({"period": "2026-11", "applicant": {"age": 30, "income": {"salary": 1500}},
      "partner": {"age": 30}, "children": [{"age": 1}],
      "housing": {"status": "tenant", "rent": 600}}, "paje_base", "paje_allocation_base"),
    ({"period": "2026-11", "applicant": {"age": 35},
      "children": [{"age": 8, "disability": True}],
      "housing": {"status": "social_tenant", "rent": 500}}, "aeeh", "aeeh"),
]


@pytest.mark.parametrize("profile,variable,benefit_id", SAMPLE)
def test_sample_matches_a_hand_written_openfisca_situation(tbs, engine, profile, variable,
                                                           benefit_id):
    from openfisca_core.simulation_builder import SimulationBuilder

    ours = {b["id"]: b for b in engine.evaluate(profile)["benefits"]}[benefit_id]["amount"]
    period = profile["period"]
    adults = ["a"] + (["p"] if profile.get("partner") else [])
    individus = {"a": {"date_naissance": {"ETERNITY": f"{2026 - profile['applicant']['age']}-05-01"},
                       "salaire_net": {"2026": 12 * profile["applicant"].get("income", {}).get("salary", 0)}}}
    if "p" in adults:
        individus["p"] = {"date_naissance": {"ETERNITY": "1996-05-01"}}
    kids = []
    for i, child in enumerate(profile["children"]):
        kids.append(f"c{i}")
        individus[f"c{i}"] = {"date_naissance": {"ETERNITY": f"{2026 - child['age']}-05-01"},
                              "handicap": {period: bool(child.get("disability"))},
                              "taux_incapacite": {period: 0.8 if child.get("disability") else 0}}
    salary_taxable = 12 * 1.036 * profile["applicant"].get("income", {}).get("salary", 0)
    situation = {
        "individus": individus,
        "familles": {"f": {"parents": adults, "enfants": kids}},
        "foyers_fiscaux": {"f": {"declarants": adults, "personnes_a_charge": kids}},
        "menages": {"m": {"personne_de_reference": ["a"], "enfants": kids,
                          **({"conjoint": ["p"]} if "p" in adults else {})}},
    }
    sim = SimulationBuilder().build_from_entities(tbs, situation)
    sim.set_input("salaire_imposable", "2024", np.array(
        [salary_taxable] + [0] * (len(individus) - 1), dtype=float))
    theirs = float(sim.calculate(variable, period)[0])
    assert ours == pytest.approx(theirs, abs=1.0)
