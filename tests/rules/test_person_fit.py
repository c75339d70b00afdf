"""What the result tells a person fits that person (issue 26, item 6): documents tied to a
situation only to someone in it, the birth grant once and only in pregnancy, the aids for a
next home only to someone moving, the 67100 callback marked as a help, not a right."""
import json

import pytest

from rules.catalogue import SCHEMA_FILE, load_catalogue
from rules.facts import DOCUMENT_CONDITIONS, FACTS, profile_facts
from rules.profile import ProfileError, validate_profile

PERIOD = "2026-11"
MOTHER_OF_ONE = {"period": PERIOD, "applicant": {"age": 30},
                 "partner": {"age": 32, "income": {"salary": 1500}},
                 "children": [{"age": 1}], "housing": {"status": "tenant", "rent": 600}}
PREGNANT = {"period": PERIOD, "applicant": {"age": 28, "pregnant": True},
            "housing": {"status": "hosted"}}
SENIOR_68 = {"period": PERIOD, "commune": "67100", "applicant": {"age": 68, "income": {
    "pension": 700}}, "housing": {"status": "social_tenant", "rent": 400}}
STUDENT_20 = {"period": PERIOD, "commune": "67100", "applicant": {
    "age": 20, "student": True}, "housing": {"status": "tenant", "rent": 350}}
GRANT_NOTICE = "Notification de bourse pour les étudiants boursiers"
PREGNANCY_DECLARATION = "Déclaration de grossesse (remise par le médecin ou la sage-femme)"


def found(engine, profile) -> dict:
    return {b["id"]: b for b in engine.evaluate(profile)["benefits"] if b["eligible"]}


def test_the_schema_names_the_conditions_the_rules_compute():
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    assert set(schema["$defs"]["document_condition"]["enum"]) == set(DOCUMENT_CONDITIONS)
    assert {"moving", "salary"} <= set(FACTS)


def test_moving_is_optional_and_checked():
    assert validate_profile(PREGNANT)["housing"]["moving"] is False
    with pytest.raises(ProfileError, match="^housing.moving: "):
        validate_profile({**PREGNANT, "housing": {"status": "hosted", "moving": "oui"}})


def test_a_document_tied_to_a_situation_is_left_out_without_it():
    catalogue = {b.id: b for b in load_catalogue()}
    transport = catalogue["strasbourg_tarification_solidaire_transport"]
    assert GRANT_NOTICE in transport.documents  # in the catalogue (translated once)
    assert GRANT_NOTICE not in transport.documents_for(None)  # not said: left out
    assert PREGNANCY_DECLARATION not in catalogue["paje"].documents_for(None)


def test_the_student_grant_notice_goes_to_a_student_not_to_a_senior(engine):
    senior = found(engine, SENIOR_68)["strasbourg_tarification_solidaire_transport"]
    assert GRANT_NOTICE not in senior["documents"]
    assert "Pièce d'identité" in senior["documents"]
    # Student grants are not asked, so no student gets the tariff from this profile: the
    # document's condition is read on the facts alone.
    transport = {b.id: b for b in load_catalogue()}[
        "strasbourg_tarification_solidaire_transport"]
    assert GRANT_NOTICE in transport.documents_for(profile_facts(validate_profile(STUDENT_20)))


def test_only_the_rights_found_carry_documents(engine):
    result = engine.evaluate(SENIOR_68)
    assert all(("documents" in b) == b["eligible"] for b in result["benefits"])


def test_the_birth_grant_is_once_and_only_in_pregnancy(engine):
    mother = found(engine, MOTHER_OF_ONE)
    assert "paje" not in mother  # the 199 € are the allocation de base's, once
    assert mother["paje_allocation_base"]["per"] == "month"
    assert 190 < mother["paje_allocation_base"]["amount"] < 210
    pregnant = found(engine, PREGNANT)["paje"]
    assert pregnant["per"] == "once" and pregnant["amount"] > 1000
    assert PREGNANCY_DECLARATION in pregnant["documents"]


def test_the_birth_grant_is_never_monthly(engine, case_results):
    for name, result in case_results.items():
        paje = {b["id"]: b for b in result["benefits"]}["paje"]
        assert not paje["eligible"] or paje["per"] == "once", name


@pytest.mark.parametrize("right", ["loca_pass", "visale"])
def test_the_aids_for_a_next_home_need_a_move(engine, right):
    young = {"period": PERIOD, "applicant": {"age": 22, "job_seeker": True, "income": {
        "unemployment": 600}}, "housing": {"status": "tenant", "rent": 350}}
    assert right not in found(engine, young)
    moving = {**young, "housing": {**young["housing"], "moving": True}}
    assert right in found(engine, moving)


def test_the_67100_callback_is_a_help_not_a_right():
    kinds = {b.id: b.kind for b in load_catalogue()}
    assert kinds["strasbourg_rappel_acces_aux_droits"] == "help"
    assert [i for i, kind in kinds.items() if kind == "help"] == [
        "strasbourg_rappel_acces_aux_droits"]


def test_the_prime_d_activite_is_said_to_be_the_households():
    sentence = {b.id: b for b in load_catalogue()}["prime_activite"].sentence
    assert "foyer" in sentence and "conjoint" in sentence
