"""evaluate_many builds ONE simulation for all households: it must give what evaluate gives
for each one, in order, and an invalid profile must not break the others."""
import itertools

import pytest

STATUSES = ["tenant", "social_tenant", "owner", "hosted", "homeless"]


def mixed_profiles(n=20):
    profiles = []
    for i in range(n):
        status = STATUSES[i % len(STATUSES)]
        profile = {
            "period": "2025-06" if i % 3 else "2026-11",
            "commune": ["67100", "67482", "67300", "75056"][i % 4],
            "applicant": {"age": [19, 24, 30, 45, 67, 80][i % 6],
                          "pregnant": i % 7 == 2,
                          "disability_rate": 80 if i % 9 == 4 else 0,
                          "student": i % 6 == 0,
                          "income": {"salary": [0, 400, 800, 1300, 2200][i % 5],
                                     "unemployment": 600 if i % 8 == 3 else 0,
                                     "pension": 700 if i % 6 >= 4 else 0,
                                     "other": 100 if i % 10 == 5 else 0}},
            "partner": ({"age": 40, "income": {"salary": 1100}} if i % 4 == 1 else None),
            "children": [{"age": a} for a in [[], [1], [4, 9], [0, 2, 12]][i % 4]],
            "housing": {"status": status, "rent": 550 if "tenant" in status else 0},
        }
        profiles.append(profile)
    return profiles


def test_batch_equals_one_by_one(engine):
    profiles = mixed_profiles()
    batch = engine.evaluate_many(profiles)
    assert len(batch) == len(profiles)
    for profile, got in zip(profiles, batch):
        alone = engine.evaluate(profile)
        assert got["period"] == alone["period"]
        assert [b["id"] for b in got["benefits"]] == [b["id"] for b in alone["benefits"]]
        for b_got, b_alone in zip(got["benefits"], alone["benefits"]):
            assert b_got["eligible"] == b_alone["eligible"], (profile, b_got, b_alone)
            assert b_got["per"] == b_alone["per"]
            if b_alone["amount"] is None:
                assert b_got["amount"] is None
            else:
                assert b_got["amount"] == pytest.approx(b_alone["amount"], abs=0.01), (
                    profile, b_got, b_alone)


def test_an_invalid_profile_does_not_break_the_others(engine):
    profiles = mixed_profiles(4)
    profiles.insert(2, {"applicant": {"age": -1}, "housing": {"status": "tenant"}})
    results = engine.evaluate_many(profiles)
    assert results[2]["field"] == "applicant.age"
    assert results[2]["error"].startswith("applicant.age:")
    for i in (0, 1, 3, 4):
        assert "benefits" in results[i]
    assert engine.evaluate_many([]) == []


def test_batch_falls_back_to_one_by_one_when_the_batch_fails(engine, monkeypatch):
    from rules import engine as engine_module

    real = engine_module.build_simulation
    calls = itertools.count()

    def flaky(tbs, profiles):
        if len(profiles) > 1:
            next(calls)
            raise RuntimeError("boom")
        return real(tbs, profiles)

    monkeypatch.setattr(engine_module, "build_simulation", flaky)
    profiles = [p for p in mixed_profiles(6) if p["period"] == "2025-06"]
    results = engine.evaluate_many(profiles)
    assert next(calls) >= 1
    assert all("benefits" in r for r in results)


def test_engine_interface(engine):
    assert engine.ready
    engine.warm_up()  # idempotent
    assert engine.versions() == {"openfisca-france": "176.1.8",
                                 "openfisca-france-local": "6.17.11"}
