"""Varied households covering every field of a profile (rules/profile.py), for comparing two
computations of the same households (e.g. with and without the variables the engine skips)."""

from __future__ import annotations

import random

SCHOOLS = (None, "maternelle", "primaire", "college", "lycee", "superieur")
HOUSING = ("tenant", "social_tenant", "owner", "hosted", "homeless")
COMMUNES = ("67482", "67100", "67000", "67200", "67300", "68100", "75011", "13001", "97411")


def person(rng: random.Random, *, adult_age: tuple[int, int]) -> dict:
    income = {key: rng.choice([0, 0, rng.randrange(50, 2600)])
              for key in ("salary", "unemployment", "pension", "other")}
    return {"age": rng.randint(*adult_age),
            "pregnant": rng.random() < 0.08,
            "disability_rate": rng.choice([0, 0, 0, 0.5, 0.8, 0.85]),
            "student": rng.random() < 0.1,
            "job_seeker": rng.random() < 0.2,
            "autonomy_loss": rng.random() < 0.05,
            "separated_recently": rng.random() < 0.08,
            "income": income}


def household(i: int, period: str = "2026-11") -> dict:
    rng = random.Random(i)
    status = rng.choice(HOUSING)
    profile = {
        "period": period,
        "commune": rng.choice(COMMUNES),
        "applicant": person(rng, adult_age=(16, 95)),
        "children": [{"age": rng.randint(0, 24), "school": rng.choice(SCHOOLS),
                      "disability": rng.random() < 0.1}
                     for _ in range(rng.choice([0, 0, 1, 2, 3, 5]))],
        "housing": {"status": status,
                    "rent": rng.randrange(150, 1200) if "tenant" in status else 0},
    }
    if rng.random() < 0.4:
        profile["partner"] = person(rng, adult_age=(18, 90))
    if profile["children"] and rng.random() < 0.3:
        profile["alimony"] = {"received": rng.choice([0, 150, 400]),
                              "unpaid": rng.random() < 0.5}
    return profile
