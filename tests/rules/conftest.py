"""Shared fixtures for the rules tests: one warmed-up engine for the whole session (loading
OpenFisca takes seconds)."""
import pytest

from tests.helpers.rules import load_cases


@pytest.fixture(scope="session")
def engine():
    from rules import RulesEngine

    engine = RulesEngine()
    engine.warm_up()
    return engine


@pytest.fixture(scope="session")
def case_results(engine):
    """Every case computed in ONE batch (the batch itself is checked in test_batch.py)."""
    cases = load_cases()
    results = engine.evaluate_many([case["profile"] for _, case in cases])
    return {name: result for (name, _), result in zip(cases, results)}
