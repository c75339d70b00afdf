"""Profiles whose expected benefits come from a source independent of our mapping (published
legal amounts, legal conditions); each case file cites it in `source`."""
import pytest

from tests.helpers.rules import load_cases

CASES = load_cases()
TOLERANCE = 1.0  # euros
MOMENTS = {"adult", "child", "single_parent", "senior", "other"}


def test_enough_cases_across_the_moments_of_life():
    assert len(CASES) >= 12
    moments = {case["moment"] for _, case in CASES}
    assert {"adult", "child", "single_parent", "senior"} <= moments
    for name, case in CASES:
        assert case["moment"] in MOMENTS, name
        assert len(case.get("source", "")) > 20, f"{name}: cite the source"


@pytest.mark.parametrize("name,case", CASES, ids=[name for name, _ in CASES])
def test_case(name, case, case_results):
    result = case_results[name]
    assert "error" not in result, result
    benefits = {b["id"]: b for b in result["benefits"]}
    for benefit_id, expected in case["expected"].items():
        got = benefits[benefit_id]
        assert got["eligible"] is expected["eligible"], (benefit_id, got)
        if "amount" in expected:
            assert got["amount"] == pytest.approx(expected["amount"], abs=TOLERANCE), (
                benefit_id, got)
        if "min" in expected:
            assert got["amount"] >= expected["min"], (benefit_id, got)
        if "max" in expected:
            assert got["amount"] <= expected["max"], (benefit_id, got)
        if "per" in expected:
            assert got["per"] == expected["per"], (benefit_id, got)
