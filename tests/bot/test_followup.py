"""The follow-up after the first result (issue 14 item 2): a few more questions, asked only
to whom they concern, then the check computed again. Whole conversations through
POST /api/chat on a real database and the real rules engine.
"""

from __future__ import annotations

from sqlalchemy import select

from bot import messages
from storage.models import EligibilityResult


def start(chat, moment: str = "5") -> None:
    chat.say("bonjour")
    chat.say("oui")
    chat.say(moment)


def results(client) -> list[set[str]]:
    with client.app.state.db.session() as s:
        rows = s.scalars(select(EligibilityResult).order_by(EligibilityResult.id))
        return [{b["id"] for b in row.benefits if b.get("eligible")} for row in rows]


def offer_of(chat) -> str:
    return chat.last


def test_young_job_seeker_learns_about_the_aide_au_permis(client, chat):
    # 20, hosted for free, no income. The CEJ (16-25, décret 2022-199) is found already; the
    # aide au permis of France Travail (18 or over, registered job seeker, délibération
    # France Travail 2023: up to 1 200 €) and the Fluo 67 free fares for job seekers need
    # the registration, which the check does not ask.
    start(chat, "1")
    for text in ["20 ans 67100", "1", "4", "non", "rien", "rien"]:
        chat.say(text)
    first = results(client)
    assert len(first) == 1
    # The CEJ is an accompanied claim: « oui » keeps meaning a person; « encore » or 3 takes
    # the follow-up offered as a third choice.
    assert chat.replies[-1]["choices"][2] == "Encore 1 question(s)"
    chat.say("encore")
    assert chat.last == messages.text("ask_job_seeker")
    chat.say("oui je suis inscrit à France Travail")
    while chat.last.startswith(("Êtes-vous", "Avez-vous")):
        chat.say("non")
    second = results(client)
    assert len(second) == 2, chat.transcript[-4:]
    assert "aide_permis_demandeur_emploi" not in first[0]
    assert {"aide_permis_demandeur_emploi", "grand_est_fluo_67_gratuite",
            "contrat_engagement_jeune"} <= second[1]
    assert first[0] <= second[1]
