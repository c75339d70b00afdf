"""What a resident is told fits the resident (issue 26, item 6): no aid for a next home to
someone who is not moving, no birth grant as a monthly twin of the allocation de base, no
pregnancy declaration or student grant notice to someone neither pregnant nor a student,
the 67100 callback offered with a person rather than listed as a right, the prime
d'activité said to be the household's.

Whole conversations through POST /api/chat on a real database and the real rules engine;
the documents of an appointment through handoff_flow.documents on stored results.
"""

from __future__ import annotations

from types import SimpleNamespace

from sqlalchemy import select

from bot import messages
from bot.dialogue import handoff_flow
from storage.models import EligibilityResult
from tests.helpers.dialogue import SENIOR_ROUTE

PREGNANCY_DECLARATION = "Déclaration de grossesse"
GRANT_NOTICE = "Notification de bourse"
# A couple in 67000 with a one-year-old, tenants at 600 €: she earns nothing, he 1 500 €.
MOTHER_OF_ONE = ["bonjour", "oui", "5", "30 ans 67000", "4", "1", "1, 600", "non",
                 "0 et 1500", "0", "oui"]


def found(client) -> dict[str, dict]:
    with client.app.state.db.session() as s:
        row = s.scalars(select(EligibilityResult).order_by(EligibilityResult.id.desc())).first()
        return {b["id"]: b for b in row.benefits if b.get("eligible")}


def test_a_mother_of_one_is_told_the_allocation_de_base_once_and_no_pregnancy(client, chat):
    for text in MOTHER_OF_ONE:
        chat.say(text)
    rights = found(client)
    assert "paje_allocation_base" in rights and "paje" not in rights
    told = chat.text
    assert "PAJE allocation de base" in told and "PAJE (naissance)" not in told
    assert PREGNANCY_DECLARATION not in told
    assert "Loca-Pass" not in told and "Visale" not in told  # nobody said they move
    # Her husband's pay opens it: the household's right, said so.
    assert "prime_activite" in rights
    assert "pour le foyer, si vous ou votre conjoint travaillez" in told


def test_a_senior_in_67100_is_offered_the_callback_not_listed_it(client, chat):
    chat.say("bonjour")
    chat.say("oui")
    chat.say("4")
    for answer in SENIOR_ROUTE.values():
        chat.say(answer)
    chat.say("oui")  # to the facts read back
    rights = found(client)
    assert {"strasbourg_rappel_acces_aux_droits",
            "strasbourg_tarification_solidaire_transport"} <= set(rights)
    listed = next(r["text"] for r in chat.replies
                  if r["text"].startswith(messages.text("result_intro")))
    assert "RDV accès aux droits" not in listed
    assert "Rendez-vous accès aux droits" not in chat.text  # no card among the rights'
    assert GRANT_NOTICE not in chat.text  # the bus pass's documents, for a student only
    assert chat.last.endswith(messages.text("accompanied_claim", names="").strip())


def test_only_a_67100_callback_says_no_right_and_offers_a_person(client, chat):
    # 45, alone, owner, 3 000 € a month: only the city's access-to-rights callback.
    for text in ["bonjour", "oui", "5", "45 ans 67100", "1", "3", "non", "3000", "0", "oui"]:
        chat.say(text)
    assert set(found(client)) == {"strasbourg_rappel_acces_aux_droits"}
    texts = [r["text"] for r in chat.replies]
    assert messages.text("result_none") in texts
    assert not any(t.startswith(messages.text("result_intro")) for t in texts)
    assert chat.last.startswith("RDV accès aux droits 67100")


def _turn(eligibility, benefits: list[dict]):
    return SimpleNamespace(services=SimpleNamespace(eligibility=eligibility),
                           latest_result=lambda: SimpleNamespace(benefits=benefits))


def test_the_documents_of_an_appointment_are_the_persons(eligibility):
    # As the rules chose them for a mother who is not pregnant (paje would not be found for
    # her today; a stored result may hold anything).
    paje = {"id": "paje", "eligible": True, "amount": 1084.42, "per": "once",
            "documents": ["Numéro de sécurité sociale", "RIB"]}
    assert not any(PREGNANCY_DECLARATION in d
                   for d in handoff_flow.documents(_turn(eligibility, [paje])))


def test_a_result_stored_before_the_choice_lists_only_the_documents_for_everyone(eligibility):
    transport = {"id": "strasbourg_tarification_solidaire_transport", "eligible": True,
                 "amount": None, "per": "month"}  # no "documents": stored earlier
    listed = handoff_flow.documents(_turn(eligibility, [transport]))
    assert listed and not any(GRANT_NOTICE in d for d in listed)
