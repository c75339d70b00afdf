import json
import subprocess
import sys
from pathlib import Path

from tests.helpers.rules import CONTRACT_IDS

ROOT = Path(__file__).resolve().parents[2]


def run(tmp_path, profile, name="profile.json"):
    path = tmp_path / name
    path.write_text(profile if isinstance(profile, str) else json.dumps(profile), "utf-8")
    return subprocess.run(
        [sys.executable, "-m", "rules", "evaluate", str(path)],
        capture_output=True, text=True, cwd=ROOT, timeout=300,
    )


def test_good_profile_with_a_postcode_prints_every_benefit(tmp_path):
    done = run(tmp_path, {
        "period": "2026-11", "commune": "67100",
        "applicant": {"age": 30, "pregnant": False, "disability_rate": 0, "student": False,
                      "income": {"salary": 800, "unemployment": 0, "pension": 0, "other": 0}},
        "partner": None, "children": [], "housing": {"status": "tenant", "rent": 500},
    })
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["period"] == "2026-11"
    assert result["engine"] == {"openfisca-france": "176.1.8",
                                "openfisca-france-local": "6.17.11"}
    benefits = {b["id"]: b for b in result["benefits"]}
    assert CONTRACT_IDS <= set(benefits)
    for benefit in benefits.values():
        assert {"id", "label", "eligible", "amount", "per"} <= set(benefit)
    assert benefits["prime_activite"]["eligible"] and benefits["prime_activite"]["amount"] > 0
    assert benefits["aide_logement"]["eligible"] and benefits["aide_logement"]["amount"] > 0


def test_malformed_profile_exits_2_with_one_line_naming_the_field(tmp_path):
    done = run(tmp_path, {"applicant": {"age": 130}, "housing": {"status": "tenant"}})
    assert done.returncode == 2
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert lines == ["error: applicant.age: must be an integer between 0 and 120"]


def test_invalid_json_and_missing_file_exit_2(tmp_path):
    done = run(tmp_path, "{not json")
    assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1
    missing = subprocess.run(
        [sys.executable, "-m", "rules", "evaluate", str(tmp_path / "nope.json")],
        capture_output=True, text=True, cwd=ROOT, timeout=60,
    )
    assert missing.returncode == 2 and len(missing.stderr.strip().splitlines()) == 1
