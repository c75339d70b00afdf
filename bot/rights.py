"""The rights' texts (rules/benefits/*.yaml) in the conversation's language.

The catalogue stays French and knows nothing of languages (rules/ sits below bot/); its
resident-facing texts are gettext entries like bot/messages.py's, keyed
``benefit:<id>:<field>`` (label, short_label, sentence, where) and ``document:<slug>`` for the
documents to bring (one entry per document text: « RIB » is translated once for every right).
`python -m bot.i18n update` adds a new benefit's texts to every .po, so a new right needs no
code; until translated, its French is shown. Amounts, URLs and programme names (CAF, RSA,
France Travail…) are kept as written in the translations.
"""

from __future__ import annotations

import functools
import re
import unicodedata

from bot import language
from rules.catalogue import Benefit, load_catalogue

FIELDS = ("label", "short_label", "sentence", "where", "who", "delay")


def document_key(text: str) -> str:
    """« Pièce d'identité (ou titre de séjour) » -> « document:piece_d_identite_ou_titre_de_sejour »."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "document:" + "_".join(re.findall(r"[a-z0-9]+", ascii_text.lower()))


def _field(benefit: Benefit, name: str) -> str:
    return benefit.apply["where"] if name == "where" else getattr(benefit, name)


@functools.cache
def entries() -> dict[str, str]:
    """Every French text of the catalogue residents read, by gettext key."""
    found: dict[str, str] = {}
    for benefit in load_catalogue():
        for name in FIELDS:
            if _field(benefit, name):
                found[f"benefit:{benefit.id}:{name}"] = _field(benefit, name)
        for document in benefit.documents:
            found[document_key(document)] = document
    return found


def text(benefit: Benefit, name: str) -> str:
    """A field of the benefit (FIELDS) in the conversation's language ("" when it has none)."""
    if not _field(benefit, name):
        return ""
    return language.translate(f"benefit:{benefit.id}:{name}", _field(benefit, name))


def name(benefit: Benefit) -> str:
    """The name in a one-line summary (the short label, else the label)."""
    return text(benefit, "short_label") if benefit.short_label else text(benefit, "label")


def documents(benefit: Benefit, found: dict | None = None) -> list[str]:
    """The documents this person brings for the right, in the conversation's language.

    ``found``: the right as the check found it (an item of the result's ``benefits``), whose
    ``documents`` the rules chose for the person computed (a pregnancy declaration only to
    someone pregnant). A result stored before they did lists only the documents for everyone:
    never one that may not concern the person.
    """
    chosen = (found or {}).get("documents")
    texts = chosen if chosen is not None else benefit.documents_for(None)
    return [language.translate(document_key(d), d) for d in texts]
