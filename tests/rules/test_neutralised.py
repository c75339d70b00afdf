"""The variables rules/tbs.py neutralises (skips) are zero for every household Passerelle can
describe: each rests on an input that no question asks and the situation never sets.

If a question someday sets one of those inputs (or OpenFisca gives it a formula), the first
test fails and names it; the second compares the results of the full system and of ours over
varied households covering every profile field (bench/households.py).
"""

from __future__ import annotations

import pytest

from bench.households import household
from rules.profile import validate_profile
from rules.situation import build_simulation
from rules.tbs import NEUTRALISED


def test_the_inputs_behind_the_neutralised_variables_are_never_set(engine):
    tbs = engine._system()
    profiles = [validate_profile(household(i)) for i in range(200)]
    simulation, _ = build_simulation(tbs, profiles)
    for variable, precondition in NEUTRALISED.items():
        assert tbs.variables[variable].is_neutralized, variable
        # A pure input: nothing computes it from what we do set.
        assert not tbs.variables[precondition].formulas, precondition
        assert simulation.get_holder(precondition).get_known_periods() == [], (
            f"rules/situation.py sets {precondition}: {variable} can no longer be skipped")


@pytest.fixture(scope="module")
def full_engine():
    from rules.engine import RulesEngine

    full = RulesEngine(neutralise=False)
    full.warm_up()
    return full


def test_our_results_are_those_of_the_full_system(engine, full_engine):
    assert not any(full_engine._system().variables[v].is_neutralized for v in NEUTRALISED)
    profiles = [household(i) for i in range(150)]
    ours = engine.evaluate_many(profiles)
    full = full_engine.evaluate_many(profiles)
    eligible = 0
    for i, (a, b) in enumerate(zip(ours, full)):
        assert a["benefits"] == b["benefits"], f"household {i}: {profiles[i]}"
        eligible += sum(benefit["eligible"] for benefit in a["benefits"])
    assert eligible > 150  # the households do reach rights: the comparison means something
