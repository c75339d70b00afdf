"""The queue at volume: a count, pages of 20, a search by request number, reason or day, the
closed requests, and cards that say why the person came, their largest rights, their channel
and a STOP."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from storage.handoff import Handoff
from storage.models import EligibilityResult
from tests.helpers.handoff import new_handoff


def ids_on(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'data-id="(\d+)"', html)]


def test_count_pages_search_and_closed_requests(referent, sqlite_db):
    with sqlite_db.session() as session:
        plain = [new_handoff(session, reason_id="acces_droits") for _ in range(23)]
        rsa = new_handoff(session, reason_id="rsa")
        stopped = new_handoff(session, reason_id="acces_droits", opted_out=True)
        closed = new_handoff(session, reason_id="naissance")
        row = session.get(Handoff, closed)
        row.status, row.closed_at = "closed", datetime.now(UTC)
        session.get(Handoff, plain[0]).created_at = datetime(2026, 3, 4, 10, tzinfo=UTC)
        session.add(
            EligibilityResult(
                conversation_id=session.get(Handoff, rsa).conversation_id,
                period="2026-11",
                engine={},
                benefits=[
                    {
                        "id": "css",
                        "label": "Complémentaire santé solidaire",
                        "eligible": True,
                        "amount": None,
                        "per": "month",
                    },
                    {"id": "rsa", "label": "RSA", "eligible": True, "amount": 635.71, "per": "month"},
                    {
                        "id": "aide_logement",
                        "label": "Aide au logement",
                        "eligible": True,
                        "amount": 250,
                        "per": "month",
                    },
                    {"id": "aah", "label": "AAH", "eligible": False, "amount": 0},
                ],
            )
        )

    first = referent.get("/console")
    assert "25 demandes en attente · page 1 sur 2" in first.text
    assert len(ids_on(first.text)) == 20
    second = referent.get("/console?page=2")
    assert len(ids_on(second.text)) == 5
    assert set(ids_on(first.text)) | set(ids_on(second.text)) == set(plain) | {rsa, stopped}
    assert 'href="/console?&amp;page=2" rel="next"' in first.text

    # Cards: the reason when one was chosen, else why the person came; rights; channel; STOP.
    page = referent.get(f"/console?q={rsa}").text
    card = page.split(f'data-id="{rsa}"')[1].split("</li>")[0].replace("\xa0", " ")
    assert '<strong class="title">Demande de RSA</strong>' in card
    assert "Droits : RSA 636 €/mois ; Aide au logement 250 €/mois et 1 autre" in card
    assert '<span class="badge">SMS</span>' in card and f"n° {rsa}," in card
    card = referent.get(f"/console?q=%23{stopped}").text.split(f'data-id="{stopped}"')[1]
    assert "La personne a demandé quelqu&#39;un</strong>" in card.split("</li>")[0]
    assert "STOP : ne reçoit plus de messages" in card.split("</li>")[0]

    # Search: by number, by reason's words, by the day it was made.
    assert ids_on(referent.get(f"/console?q={rsa}").text) == [rsa]
    assert ids_on(referent.get("/console?q=rsa").text) == [rsa]
    assert ids_on(referent.get("/console?q=04/03/2026").text) == [plain[0]]
    assert ids_on(referent.get("/console/queue.json?q=2026-03-04").json()["html"]) == [plain[0]]
    assert "Aucune demande ne correspond à « zzz »" in referent.get("/console?q=zzz").text

    # The closed requests, on their own list.
    closes = referent.get("/console?etat=closes").text
    assert "<h1>Demandes closes</h1>" in closes and ids_on(closes) == [closed]
    assert "1 demande close" in closes and "close le " in closes
    assert closed not in ids_on(first.text)


def test_closing_a_request_goes_back_to_the_queue_as_it_was_filtered(referent, sqlite_db):
    from tests.helpers.console import csrf_of

    with sqlite_db.session() as session:
        ids = [new_handoff(session, reason_id="rsa") for _ in range(2)]
    queue = referent.get("/console?q=rsa&place=")
    link = re.search(rf'href="(/console/handoffs/{ids[0]}[^"]*)"', queue.text).group(1)
    assert "retour=/console%3Fq%3Drsa" in link
    page = referent.get(link.replace("&amp;", "&"))
    assert '<a href="/console?q=rsa">← Demandes</a>' in page.text
    closed = referent.post(f"/console/handoffs/{ids[0]}/close", follow_redirects=False,
                           data={"csrf": csrf_of(page.text), "back_to": "/console?q=rsa"})
    assert closed.headers["location"] == "/console?q=rsa&ok=closed"
    # Only the console's own queue: anywhere else goes to the plain queue.
    elsewhere = referent.post(f"/console/handoffs/{ids[1]}/close", follow_redirects=False,
                              data={"csrf": csrf_of(page.text), "back_to": "https://x.example/"})
    assert elsewhere.headers["location"] == "/console?ok=closed"


def test_a_stop_shows_on_the_request_before_anyone_types_a_reply(referent, sqlite_db):
    with sqlite_db.session() as session:
        stopped = new_handoff(session, opted_out=True)
        plain = new_handoff(session)
    page = referent.get(f"/console/handoffs/{stopped}").text
    assert "Cette personne a répondu STOP (SMS)" in page and 'id="reply-text"' not in page
    assert 'id="note-text"' in page  # what they wanted to say can go in a note
    assert 'id="reply-text"' in referent.get(f"/console/handoffs/{plain}").text
