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
    for text in ["20 ans 67100", "1", "4", "non", "rien", "rien", "oui"]:
        chat.say(text)
    first = results(client)
    assert len(first) == 1
    # The offer comes before the usual prompt, whose 1 and « oui » keep meaning a person.
    assert chat.replies[-2]["text"].startswith("Pour vérifier")
    assert chat.replies[-1]["choices"] == messages.CHOICES["after_result"]
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


def amounts(client) -> list[dict[str, float]]:
    with client.app.state.db.session() as s:
        rows = s.scalars(select(EligibilityResult).order_by(EligibilityResult.id))
        return [{b["id"]: b.get("amount") or 0 for b in row.benefits if b.get("eligible")}
                for row in rows]


def test_single_parent_separated_recently_gets_the_rsa_majore_and_the_asf(client, chat):
    # Alone with a child of 6, hosted for free, no income. RSA majoré (art. L262-9 and
    # R262-1 CASF): 128,412 % of the base amount plus 42,804 % per child, i.e. 171,216 % for
    # one child instead of 150 %, for 18 months after a separation once the youngest child
    # is 3 or more: the RSA rises. ASF (art. L523-1 CSS): a single parent to whom the
    # other parent pays no alimony.
    start(chat, "3")
    for text in ["30 ans 67100", "6", "4", "non", "rien", "rien", "oui"]:
        chat.say(text)
    offer = chat.replies[-2]["text"]
    count = int(offer.split("encore ")[1].split()[0])
    assert "rsa" in amounts(client)[0]
    chat.say("encore")
    asked = [chat.last]
    for _ in range(count):
        if chat.last == messages.text("ask_separated_recently"):
            chat.say("oui je suis séparée depuis 6 mois")
        elif chat.last == messages.text("ask_alimony_received"):
            chat.say("rien il paie pas")
        else:
            chat.say("non")
        asked.append(chat.last)
    assert messages.text("ask_separated_recently") in asked
    assert messages.text("ask_alimony_received") in asked
    first, second = amounts(client)
    assert second["rsa"] > first["rsa"]
    assert second.get("asf", 0) > 0
    assert len(results(client)) == 2  # no more than the questions announced


def test_senior_with_loss_of_autonomy_gets_the_apa(client, chat):
    # 78, alone, owner, 900 € of pension. APA (art. L232-2 CASF): 60 or over with a loss of
    # autonomy (GIR 1-4) assessed by the Département; the check does not ask it.
    start(chat, "4")
    for text in ["78 ans 67100", "1", "3", "900", "0", "oui"]:
        chat.say(text)
    assert "apa" not in results(client)[0]
    assert chat.replies[-2]["text"] == messages.text("offer_followup", aids=1, count=1)
    chat.say("encore une question")
    assert chat.last == messages.text("ask_autonomy_loss")
    chat.say("oui j'ai du mal à me laver seule")
    second = results(client)[1]
    assert "apa" in second
    assert results(client)[0] <= second


def family_result(chat, ages: str = "18") -> None:
    # A couple with one child, tenants at 600 €, 1 200 € of salary and nothing else, in
    # 67000 (67100 adds the city's callback, an accompanied claim, to every result).
    start(chat, "5")
    for text in ["40 ans 67000", "4", ages, "1, 600", "non", "1200 et 0", "0", "oui"]:
        chat.say(text)


def test_no_to_the_follow_up_keeps_the_result(client, chat):
    family_result(chat)
    assert chat.replies[-2]["text"].startswith("Pour vérifier")
    assert chat.replies[-2].get("detail")  # left out of SMS: the result keeps its budget
    chat.say("non")
    assert chat.replies[0]["text"] == messages.text("followup_declined")
    assert chat.last == messages.text("offer_human")
    assert len(results(client)) == 1
    chat.say("non")  # not offered again: « non » is no longer an answer to it
    assert len(results(client)) == 1
    chat.say("1")  # « 1 » still means a person
    assert "personne" in chat.text.lower()


def test_family_with_a_child_at_the_lycee_gets_the_bourse_de_lycee(client, chat):
    # A child of 18 still at the lycée: from the age alone the check cannot tell (the
    # bourse de lycée, art. R531-13 Code de l'éducation, is for pupils at lycée whatever
    # their age; at 18 most have left).
    family_result(chat)
    assert "bourse_lycee" not in results(client)[0]
    chat.say("encore")
    assert chat.last == messages.text("ask_children_school")
    chat.say("en terminale au lycée")
    while len(results(client)) < 2:
        chat.say("non")
    assert "bourse_lycee" in results(client)[1]
