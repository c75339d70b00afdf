"""Keyword and regex understanding, used when the Rasa service is down (and as a safety net).

Accent- and case-insensitive. Deliberately conservative: it only says opt_out or delete_my_data
when the words are unambiguous, because unsubscribing or erasing someone who did not ask is one
of the two worst mistakes; and it errs on the side of urgent_help, the other one.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, field

try:  # text2num is a dependency of the application (pyproject.toml)
    from text_to_num import alpha2digit
except ImportError:  # pragma: no cover - keeps the fallback usable without it
    alpha2digit = None


@dataclass(frozen=True)
class Interpretation:
    intent: str | None  # None if nothing reliable
    confidence: float
    entities: dict[str, list] = field(default_factory=dict)  # name -> normalised values
    source: str = "fallback"  # "rasa" or "fallback"


def normalize(text: str) -> str:
    """Lower case, no accents, apostrophes and punctuation turned into spaces, spaces squeezed."""
    text = unicodedata.normalize("NFKD", text or "")
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    text = text.replace("\u2019", "'").replace("œ", "oe")
    text = re.sub(r"[^\w€'%.,\s-]", " ", text)
    return re.sub(r"\s+", " ", text).strip()


# --------------------------------------------------------------------------- vocabularies

# benefit id -> words as people write them (normalised form, no accents)
BENEFIT_SYNONYMS: dict[str, list[str]] = {
    "rsa": ["rsa", "revenu de solidarite active", "rmi"],
    "prime_activite": ["prime d'activite", "prime d activite", "prime activite", "ppa", "la prime"],
    "aide_logement": ["apl", "aide au logement", "aides au logement", "aide logement",
                      "allocation logement", "als", "alf"],
    "css": ["css", "complementaire sante solidaire", "mutuelle gratuite", "cmu", "cmuc", "cmu c",
            "acs"],
    "allocations_familiales": ["allocations familiales", "allocation familiale", "allocs familiales",
                               "alloc familiale", "allocs", "alloc", "caf", "af"],
    "asf": ["asf", "allocation de soutien familial", "soutien familial"],
    "paje": ["paje", "prime de naissance", "prime a la naissance", "allocation de base",
             "allocation jeune enfant"],
    "aspa": ["aspa", "minimum vieillesse", "minimum vieillese",
             "allocation de solidarite aux personnes agees"],
    "aah": ["aah", "allocation adulte handicape", "allocation aux adultes handicapes",
            "allocation handicap"],
    "cheque_energie": ["cheque energie", "chek energie", "cheque energy", "cheque gaz electricite"],
    "strasbourg_tarification_solidaire_transport": [
        "tarification solidaire", "tarif solidaire", "abonnement solidaire", "cts",
        "pass cts solidaire", "tarif reduit tram"],
}

HOUSING_SYNONYMS: dict[str, list[str]] = {
    "social_tenant": ["hlm", "logement social", "locataire hlm"],
    "tenant": ["locataire", "en location", "je loue"],
    "owner": ["proprietaire", "proprio"],
    "hosted": ["heberge", "hebergee", "chez mes parents", "chez un ami", "chez une amie",
               "chez un pote", "chez ma soeur", "chez mon frere", "heberge gratuitement"],
    "homeless": ["sans domicile fixe", "sdf", "pas de logement", "sans logement", "sans abri",
                 "a la rue"],
}

_ARTICLES = re.compile(r"^(le |la |les |l'|l |du |des |au |aux |d'|d |un |une )")


def _lookup(table: dict[str, list[str]], value: str) -> str | None:
    v = normalize(value).replace("'", " ")
    v = re.sub(r"\s+", " ", v).strip()
    if v in table:
        return v
    stripped = _ARTICLES.sub("", v).strip()
    for key, words in table.items():
        forms = _forms(tuple(words))
        if v in forms or stripped in forms or stripped == key:
            return key
    return None


def benefit_id(value: str) -> str | None:
    """Benefit id for a name as written ("l'apl" -> "aide_logement"), or None."""
    return _lookup(BENEFIT_SYNONYMS, value)


def housing_status(value: str) -> str | None:
    return _lookup(HOUSING_SYNONYMS, value)


# --------------------------------------------------------------------------- numbers

_WORD_NUMBERS = {"un": 1, "une": 1, "zero": 0}


def to_number(value) -> int | float | None:
    """'mille deux cents' / '1200€' / '1 200 euros' / '1.200' / '900,50' / 'deux' -> number."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return value
    text = normalize(str(value))
    if not text:
        return None
    if alpha2digit is not None:
        try:
            text = alpha2digit(text, "fr", threshold=0)
        except Exception:  # noqa: BLE001 - text2num raises on odd input; keep the raw text
            pass
    words = text.split()
    if len(words) == 1 and words[0] in _WORD_NUMBERS:
        return _WORD_NUMBERS[words[0]]
    m = re.search(r"\d{1,3}(?:[ .]\d{3})+(?:,\d+)?|\d+(?:[.,]\d+)?", text)
    if not m:
        return None
    raw = m.group(0)
    if re.fullmatch(r"\d{1,3}(?:[ .]\d{3})+(?:,\d+)?", raw):
        raw = raw.replace(" ", "").replace(".", "")
    raw = raw.replace(",", ".")
    num = float(raw)
    if re.search(rf"{re.escape(m.group(0))}\s?k\b", text):
        num *= 1000
    return int(num) if num.is_integer() else num


_CURRENCY = r"(?:€|e|eur|euro|euros|balles)\b"
_NUM = r"\d{1,3}(?:[ .]\d{3})+|\d+(?:[.,]\d+)?"


# The tables' own words, normalised once rather than at each message (~80 per turn). Only
# those are cached: a resident's message is not kept in memory after its turn.
@functools.lru_cache(maxsize=256)
def _forms(words: tuple[str, ...]) -> frozenset[str]:
    """A table entry's words as _lookup compares them."""
    return frozenset(normalize(w).replace("'", " ") for w in words)


@functools.lru_cache(maxsize=1024)
def _padded(word: str) -> str:
    """A table's word as extract_entities looks for it: normalised, between spaces."""
    return " " + re.sub(r"[^\w\s]", " ", normalize(word)) + " "


def extract_entities(text: str) -> dict[str, list]:
    """Amounts, ages, numbers, benefits and housing statuses found with regexes and keywords."""
    norm = normalize(text)
    spelled = norm
    if alpha2digit is not None:
        try:
            spelled = alpha2digit(norm, "fr", threshold=0)
        except Exception:  # noqa: BLE001
            spelled = norm
    ents: dict[str, list] = {}
    used: list[tuple[int, int]] = []

    def add(name, value, span):
        ents.setdefault(name, [])
        if value not in ents[name]:
            ents[name].append(value)
        used.append(span)

    for m in re.finditer(rf"({_NUM})\s?(?:ans|an)\b", spelled):
        add("age", to_number(m.group(1)), m.span(1))
    for m in re.finditer(rf"({_NUM})\s?{_CURRENCY}", spelled):
        add("amount", to_number(m.group(1)), m.span(1))
    for m in re.finditer(
        rf"(?:gagne|touche|salaire|revenu|revenus|loyer|pension|retraite|percois|recois)"
        rf"(?:\s+\w+){{0,3}}?\s+({_NUM})\b", spelled):
        if not any(s <= m.start(1) < e for s, e in used):
            add("amount", to_number(m.group(1)), m.span(1))
    for m in re.finditer(rf"\b({_NUM})\b", spelled):
        if not any(s <= m.start(1) < e for s, e in used):
            add("number", to_number(m.group(1)), m.span(1))
    padded = " " + re.sub(r"\s+", " ", re.sub(r"[^\w\s]", " ", norm)) + " "
    for key, words in BENEFIT_SYNONYMS.items():
        for w in words:
            if _padded(w) in padded:
                ents.setdefault("benefit", [])
                if key not in ents["benefit"]:
                    ents["benefit"].append(key)
                break
    for key, words in HOUSING_SYNONYMS.items():
        for w in words:
            if _padded(w) in padded:
                ents.setdefault("housing_status", [])
                if key not in ents["housing_status"]:
                    ents["housing_status"].append(key)
                break
    if "social_tenant" in ents.get("housing_status", []) and "tenant" in ents["housing_status"]:
        ents["housing_status"].remove("tenant")
    return ents


# --------------------------------------------------------------------------- intents

# Checked in this order; the first rule that matches wins. Patterns run on normalize(text)
# with apostrophes replaced by spaces.
URGENT_PATTERNS = [
    r"\burgen(ce|t|te)\b", r"\b115\b", r"\bsos\b", r"\bau secours\b", r"\bviolen(ce|ces|t|te)\b",
    r"\bfrapp\w*", r"\bbat\b", r"\bbattu\w*", r"\bbattre\b", r"\btape dessus\b",
    r"\bcogne\w*", r"\bmenac\w*", r"\bviol(e|ee)?\b", r"\bagress\w*", r"\bmaltrait\w*",
    r"\bsuicid\w*", r"\bme tuer\b", r"\bva me tuer\b", r"\ben finir\b", r"\bveux mourir\b",
    r"\bplus envie de vivre\b", r"\benvie de mourir\b", r"\b(me|se) foutre en l air\b",
    r"\bplus la force de vivre\b", r"\bdisparaitre pour de bon\b", r"\bveux plus vivre\b",
    r"\bmettre fin a mes jours\b",
    r"\ben danger\b", r"\b(dors|dormir|dort)\s+(dehors|dans la rue|a la rue|dans (ma|la) voiture)",
    r"\ba la rue\b", r"\bnulle part ou dormir\b", r"\bpas (d endroit|de toit|ou dormir)\b",
    r"\brien a manger\b", r"\bpas mange\b", r"\brien mange\b", r"\bont faim\b", r"\bj ai faim\b",
    # Eviction, in the words people use for it.
    r"\bhuissiers?\b", r"\bexpuls\w*", r"\bmise? dehors\b", r"\bmises? dehors\b",
    r"\bmis a la porte\b", r"\bmise a la porte\b", r"\b(jete|jetee|jetes|fout\w*|vire\w*) dehors\b",
    r"\b(vire|viree|jete|jetee|chasse|chassee)s? de (chez|mon|ma|notre|l appart|la maison)\b",
    r"\b(partir|quitter|sortir) (de chez moi |du logement |de l appart\w* )?(demain|ce soir)\b",
    r"\bchange\w* (la|les) serrures?\b", r"\b(peux|peut|pouvons|pouvez) (plus|pas) rentrer chez\b",
    # Violence.
    r"\blev\w* la main sur\b", r"\b(me|nous|m|la|les) (tape|tapent|frappe|frappent|bat|battent)\b",
    r"\bme fait peur\b", r"\bj ai peur (de lui|d elle|pour ma vie|pour mes enfants|chez moi)\b",
    r"\bj ai peur\b.*\b(il|mari|conjoint|copain|ex)\b", r"\bcoups?\b.*\b(mari|conjoint|copain|ex)\b",
    r"\b(mari|conjoint|copain|compagnon|ex|pere|frere) (me|nous) (tape|bat|frappe|cogne|menace)\b",
    r"\bviolent\w*\b", r"\bsous emprise\b",
    # No heating, light or food, above all with children.
    r"\b(pas|plus) de (chauffage|electricite|courant|gaz)\b",
    r"\b(sans|plus d|pas d) (chauffage|electricite|elec)\b",
    r"\bcoupe\w* (l electricite|le courant|le gaz|le chauffage|l eau)\b",
    r"\b(frigo|placard)s? (est |sont )?vides?\b", r"\bplus rien (a manger|dans le frigo)\b",
    r"\b(enfants?|petits?|bebe|gosses?) (ont|a) (faim|froid)\b", r"\bnourrir (mes|les) enfants\b",
    # Sleeping in a car, outside, nowhere.
    r"\b(dors|dort|dormons|dorment|dormir|dormi|vis|vit|vivons|vivre|passe la nuit|passer la nuit)"
    r" (dans|a|sous) (la|ma|une|notre|un) (voiture|rue|tente|gare|parc|pont|cave|caisse)\b",
    r"\bdans (ma|la|une|notre) (voiture|caisse)\b.*\b(dors|dort|dormir|vis|vit|nuit|nuits)\b",
    r"\b(dors|dormir|dort|dormons) dans (ma|la|une|notre) (voiture|caisse)\b",
    r"\bdehors (ce soir|cette nuit|avec (les|mes) enfants)\b", r"\bnulle part ou aller\b",
    r"\bsans abri\b", r"\bsous un pont\b", r"\bnuit dehors\b",
    # The residents' other languages (locales/): the same dangers, the same numbers given.
    # English.
    r"\bemergency\b", r"\bin danger\b", r"\b(hits?|hitting|beats?|beating|hurts?|chokes?|"
    r"kicks?) (me|us|my (kids|children|son|daughter))\b", r"\bbeaten\b", r"\babusive\b",
    r"\b(domestic|sexual) (abuse|violence)\b", r"\babusing (me|us)\b", r"\braped\b",
    r"\bthreat(en|ens|ened|ening)? (me|us|to kill)\b", r"\b(scared|afraid) of (him|her|my)\b",
    r"\bsuicid\w*", r"\bkill (myself|me)\b", r"\bwant to die\b", r"\bend (it all|my life)\b",
    r"\bdon t want to live\b", r"\bdont want to live\b", r"\bhomeless tonight\b",
    r"\b(sleep|sleeping|slept) (in (my|the|a) (car|street|park|station)|outside|rough)\b",
    r"\bnowhere to (sleep|go|stay)\b", r"\bon the streets? (tonight|now|with)\b",
    r"\b(nothing|no food) to eat\b", r"\bno food\b", r"\b(kids|children|baby) (are|is) "
    r"(hungry|cold)\b", r"\bevict\w*", r"\b(thrown|kicked|put) out\b",
    r"\b(no|without) (heating|electricity|power)\b",
    # Turkish (ı folded to i, no accents).
    r"\bacil\b", r"\btehlike\w*", r"\b(dov|vur|doev)(uyor|du|er|mek)\w*", r"\bsiddet\w*",
    r"\bintihar\w*", r"\bkendimi oldur\w*", r"\bolmek istiyorum\b", r"\byasamak istemiyorum\b",
    r"\bsokakta (kald|yat|uyu)\w*", r"\barabada (yat|uyu|kal)\w*", r"\bkalacak yer\w* yok\b",
    r"\b(yiyecek|yemek|ekmek)\w* yok\b", r"\b(cocuklar\w*|bebe\w*) ac\b", r"\bac kald\w*",
    r"\b(evden )?atild\w*", r"\btahliye\w*", r"\btehdit\w*", r"\btecavuz\w*",
    r"\b(ondan|kocamdan|esimden) korkuyorum\b", r"\bisitma yok\b", r"\belektrik yok\b",
    # Arabic and Maghreb dialect (hamza forms folded; a prefix like و may be attached).
    r"في خطر", r"خطر علي", r"طوارئ", r"النجده", r"مستعجل", r"(ي|ت|و)?ضرب(ني|نا|ون)",
    r"عنف", r"تعنيف", r"انتحار", r"(اقتل|نقتل) نفسي", r"(اريد ان|بغيت) (اموت|نموت)",
    r"لا اريد ان اعيش", r"(انام|ننعس|نبات|نايم|نعس) (في|ف) (الشارع|السياره|الزنقه|الطوموبيل)",
    r"(ليس لدي|ما عنديش|ماعنديش|ما عنديش) (مكان|فين) (انام|نبات|نعس|نسكن)",
    r"(لا يوجد|ما كاينش|لا) (طعام|اكل|ماكله)", r"جوعان", r"جايع", r"طرد(ني|وني|ونا|نا)",
    r"الطرد من", r"يهدد(ني|نا)", r"اغتصاب", r"بلا مأوى", r"بلا ماوي",
]
# Ordinary sentences that sound like danger (« ça me tue ces papiers », « il fait froid »):
# when no word of danger is there, they are not urgent whatever the NLU guessed.
ORDINARY_PATTERNS = [
    r"^il fait (froid|chaud|nuit)\b", r"\bca me tue\b", r"\bmort\w* de (rire|fatigue)\b",
    r"\bmdr\b", r"\bptdr\b", r"\bj ai faim de\b", r"\bje meurs d envie\b",
    r"\bcrever de (rire|chaud)\b", r"\bc est la mort\b", r"\bje suis mort\b",
    r"\bexpuls\w* (de )?(mon|ma|mes|notre) (ancien |ancienne )?locataires?\b",
    r"\bun film\b", r"\bla serie\b", r"\bun jeu\b", r"\bjeux? video\b",
    r"\bsur les nerfs\b", r"\bmourir de rire\b", r"\bfrapp\w* a la porte\b", r"\bcantine\b",
    r"\bdors? mal\b", r"\bdormir mal\b", r"\bbruit\b",
    r"\b(dossier|papiers?|caf|administration|paperasse|demarches?|boulot|travail|formulaires?)"
    r"\w* .{0,20}(me tuer|me tue|va me rendre fou)\b",
    r"\b(au|a la|a l|dans la) (rue|avenue|route|place) (de|du|des|d)\b",
]

# These three act on the person's data or subscription: only on clear words.
DELETE_PATTERNS = [
    r"\b(supprim\w*|effac\w*|detrui\w*|vid\w*)\b.*\b(donnee|donnees|infos?|informations?|compte|"
    r"profil|dossier|historique|conversation|coordonnees|numero|reponses)\b",
    r"\b(efface|effacez|supprime|supprimez|tout effacer|tout supprimer)\s+tout\b",
    r"^(tout effacer|tout supprimer|efface tout|supprime tout)$",
    r"\bdroit a l (oubli|effacement)\b", r"\brgpd\b", r"\bdelete my data\b", r"\berase my data\b",
]
CANCEL_PATTERNS = [
    r"\bannul\w*", r"\b(peux|pourrai|pourrais) (pas|plus) venir\b", r"\bviendrai pas\b",
    r"\b(supprim\w*|effac\w*|enlev\w*|retir\w*)\b.*\b(rdv|rendez vous|rendez-vous|creneau)\b",
    r"\bcancel\b", r"\bme desiste\b",
]
RESCHEDULE_PATTERNS = [
    r"\b(decal\w*|deplac\w*|report\w*|repouss\w*|avancer|modifi\w*|chang\w*)\b.*"
    r"\b(rdv|rendez vous|rendez-vous|creneau|date|heure)\b",
    r"\bautre (creneau|date|jour|heure|horaire)\b", r"\breschedule\b",
]
OPT_OUT_PATTERNS = [
    r"^(stop|stopp?|arret|arrete|arretez|stoppez)( (svp|sms|messages?|stp|merci|les sms|"
    r"les messages|textos?))*$",
    r"\bdesabonn\w*", r"\bdesinscri\w*", r"\bunsubscribe\b",
    r"\b(veux|veut|souhaite) (plus|pas) (de|recevoir|etre)\b.*\b(message|messages|sms|texto|textos|"
    r"contacte|contactee|relance|relancee)\b",
    r"\b(ne|n) (m|me) (ecrivez|envoyez|contactez|relancez) plus\b",
    r"\b(arretez|arrete|stop|cessez)\b.*\b(ecrire|messages?|sms|textos?|envo\w*|spam\w*)\b",
    r"\bplus de (messages?|sms|textos?)\b",
]
HUMAN_PATTERNS = [
    r"\bconseill\w*", r"\bhumain\b", r"\bquelqu un\b", r"\bvraie personne\b", r"\breferent\w*",
    r"\bassistante? sociale?\b", r"\btravailleur social\b", r"\brappel\w* moi\b", r"\bhuman\b",
]
BOOK_PATTERNS = [r"\brdv\b", r"\brendez vous\b", r"\brendez-vous\b", r"\bcreneau\b",
                 r"\bappointment\b"]
GREET_PATTERNS = [r"^(bonjour|bonsoir|salut|slt|bjr|bsr|coucou|cc|hello|hi|hey|salam)\b"]
GOODBYE_PATTERNS = [r"\bau revoir\b", r"\baurevoir\b", r"^(bye|ciao|tchao|a plus|a\+|a bientot|"
                    r"bonne (journee|soiree|nuit))\b"]
THANKS_PATTERNS = [r"\bmerci\w*", r"\bthanks?\b", r"\bthx\b", r"\bremercie\b"]
AFFIRM_PATTERNS = [r"^(oui|ouais|ouai|yes|ok|okay|oki|d accord|daccord|dac|ca marche|exact|"
                   r"tout a fait|bien sur|parfait|c est bon|c bon)\b"]
DENY_PATTERNS = [r"^(non|nan|nn|no|nope|pas du tout|pas vraiment|jamais)\b"]
HELP_PATTERNS = [r"^(aide|help|menu|info|\?+)$", r"\bcomment ca marche\b", r"\bcomprends? (pas|rien)\b",
                 r"\bperdue?\b"]
RIGHTS_PATTERNS = [r"\bdroits?\b", r"\baides?\b", r"\ballocations?\b"]
LIFE_PATTERNS = [
    ("life_event_child", [r"\benceinte\b", r"\bbebe\b", r"\baccouch\w*", r"\bnaissance\b",
                          r"\bgrossesse\b"]),
    ("life_event_single_parent", [r"\b(seule?|celibataire|separee?|divorcee?|solo|isolee?)\b.*"
                                  r"\b(enfants?|fils|fille|gosses|petits)\b",
                                  r"\bparent isole\b", r"\bmonoparental\w*"]),
    ("life_event_senior", [r"\bretraite\w*", r"\bminimum vieillesse\b", r"\bpersonne agee\b",
                           r"\bpension de retraite\b"]),
    ("life_event_adult", [r"\b18 ans\b", r"\bmajeure?\b", r"\betudiante?\b", r"\bapprenti\w*"]),
]


def _any(patterns: list[str], text: str) -> bool:
    return _alternation(tuple(patterns)).search(text) is not None


@functools.lru_cache(maxsize=256)
def _alternation(patterns: tuple[str, ...]) -> re.Pattern:
    """One compiled pattern for a table: a message is searched once, not once per pattern
    (hundreds per turn), with the same answer (no table uses inline flags nor numbered
    back-references, which joining would change)."""
    return re.compile("|".join(f"(?:{p})" for p in patterns))


def _danger_text(text: str) -> str:
    # Turkish ı and Arabic letter variants folded as the residents' other languages need.
    text = (text or "").replace("ı", "i").replace("İ", "i")
    text = normalize(text).replace("ة", "ه").replace("ى", "ي")
    return re.sub(r"\s+", " ", text.replace("'", " ").replace("-", " ")).strip()


def is_urgent(text: str) -> bool:
    """True if the text holds words of danger (violence, suicide, street, hunger...)."""
    words = _danger_text(text)
    return _any(URGENT_PATTERNS, words) and not _any(ORDINARY_PATTERNS, words)


def is_ordinary(text: str) -> bool:
    """True for a figure of speech that only sounds like danger (« ça me tue ces papiers »)."""
    words = _danger_text(text)
    return _any(ORDINARY_PATTERNS, words)


def fallback_parse(text: str) -> Interpretation:
    """Understand `text` with keywords and regexes only (no Rasa)."""
    t = normalize(text).replace("'", " ")
    t = re.sub(r"\s+", " ", t).strip()
    entities = extract_entities(text)
    if not t:
        return Interpretation(None, 0.0, {}, "fallback")

    def hit(intent: str, conf: float = 0.9) -> Interpretation:
        return Interpretation(intent, conf, entities, "fallback")

    if is_urgent(text):
        return hit("urgent_help")
    if _any(DELETE_PATTERNS, t) and not re.search(r"\b(rdv|rendez vous|rendez-vous|creneau)\b", t):
        return hit("delete_my_data")
    if _any(CANCEL_PATTERNS, t):
        return hit("cancel_appointment")
    if _any(RESCHEDULE_PATTERNS, t):
        return hit("reschedule_appointment")
    if _any(OPT_OUT_PATTERNS, t):
        return hit("opt_out")
    if _any(HUMAN_PATTERNS, t):
        return hit("request_human")
    if _any(BOOK_PATTERNS, t):
        return hit("book_appointment")
    for intent, pats in LIFE_PATTERNS:
        if _any(pats, t):
            return hit(intent, 0.7)
    if _any(THANKS_PATTERNS, t):
        return hit("thanks")
    if _any(GOODBYE_PATTERNS, t):
        return hit("goodbye")
    if _any(GREET_PATTERNS, t):
        return hit("greet")
    if _any(DENY_PATTERNS, t):
        return hit("deny")
    if _any(AFFIRM_PATTERNS, t):
        return hit("affirm")
    if _any(HELP_PATTERNS, t):
        return hit("help")
    if "benefit" in entities and len(t.split()) <= 8:
        return hit("ask_benefit", 0.6)
    if _any(RIGHTS_PATTERNS, t):
        return hit("ask_rights", 0.6)
    if entities:
        return hit("inform", 0.6)
    return Interpretation(None, 0.0, entities, "fallback")
