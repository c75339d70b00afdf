"""Reading answers the way people text them: per question, and facts said in passing.

`read(key, text)` reads the answer to the question KEY (« je vis seule », « hlm »,
« ouais », « je touche rien », « vingt-trois ans ») or returns None. `facts_in(text)` finds
the facts a sentence states with a cue word (« j'ai 34 ans », « loyer 480 », « 2 enfants de
5 et 8 ans »): a number is only ever taken with its cue, never guessed, so « 4 et 9 » (ages)
cannot become a salary. The dialogue confirms facts taken outside their question.
"""

from __future__ import annotations

import re
from typing import Any

from rapidfuzz import fuzz

from bot import language, parsing

HOUSEHOLD_WORDS = {
    "couple_with_children": [
        r"\b(couple|marie|mariee|maries|mariees|pacse|pacsee|pacses|concubin\w*|en menage)\b"
        r".*\b(enfants?|gosses?|petits?|bebe|fils|fille|filles)\b",
        r"\b(mon|ma) (mari|femme|copain|copine|conjoint|conjointe|compagnon|compagne)\b.*"
        r"\b(enfants?|gosses?|bebe|fils|fille)\b",
        r"\b(nos|nos deux|nos \d+) enfants\b",
    ],
    "single_with_children": [
        r"\b(seul|seule|celibataire|divorce|divorcee|separe|separee|veuf|veuve|maman solo|"
        r"papa solo|mere isolee|pere isole|parent isole|mere celibataire|pere celibataire)\b"
        r".*\b(enfants?|gosses?|petits?|bebe|fils|fille|filles)\b",
        r"\b(avec|et) (mes|mon|ma) (enfants?|gosses?|petits?|bebe|fils|fille|filles)\b",
        r"\b(maman|papa) solo\b", r"\bparent isole\b", r"\b(mere|pere) (isolee?|celibataire)\b",
        r"\bseule? avec\b", r"\b(eleve|elever|eleves|m occupe de) (mon|ma|mes) .*\b(seule?|solo)\b",
        r"\b(maman|papa|mere|pere) seule?\b",
    ],
    "couple": [
        r"\b(couple|marie|mariee|maries|mariees|pacse|pacsee|pacses|concubin\w*|en menage)\b",
        r"\b(avec|et) (mon|ma) (mari|femme|copain|copine|conjoint|conjointe|compagnon|compagne|"
        r"epoux|epouse)\b",
        r"\b(on est|nous sommes|on vit) (deux|2)\b", r"\ba deux\b",
    ],
    "single": [
        r"\b(seul|seule|seuls|celibataire|celib|solo|divorce|divorcee|separe|separee|veuf|"
        r"veuve)\b",
        r"\btout seule?\b", r"\bpersonne d autre\b", r"\bje vis seule?\b",
    ],
}
NO_CHILDREN = r"\b(sans|pas d|pas de|aucun|0|zero) (enfants?|gosses?)\b"

HOUSING_WORDS = {
    "social_tenant": [r"\bhlm\b", r"\blogement social\b", r"\blogement sociaux\b",
                      r"\bbailleur social\b", r"\bhabitat\b", r"\bopus\b", r"\bcus habitat\b",
                      r"\bsocial\b"],
    "homeless": [r"\ba la rue\b", r"\bsans (logement|domicile|abri|toit)\b", r"\bsdf\b",
                 r"\bdans (la|ma) (rue|voiture)\b", r"\bdehors\b", r"\bfoyer d urgence\b",
                 r"\b115\b", r"\bsquat\w*\b", r"\bhotel social\b"],
    "owner": [r"(?<!mon )(?<!un )(?<!le )(?<!chez )(?<!du )(?<!au )(?<!notre )\bproprio\w*\b(?! prive)",
              r"(?<!mon )(?<!un )(?<!le )(?<!chez )(?<!du )(?<!au )(?<!notre )\bproprietaires?\b"
              r"(?! prive)", r"\b(j ai|on a|nous avons) achete\b", r"\best a nous\b",
              r"\best a moi\b",
              r"\b(ma|notre) (maison|appart\w*) (a moi|a nous)\b", r"\bcredit immo\w*\b",
              r"\bemprunt\b"],
    "hosted": [r"\bheberge\w*\b", r"\b(il|elle|ma mere|mon pere) (vit|habite|loge) chez\b",
               r"\bchez (sa|son|ses|ma fille|mon fils|mes enfants|nous|moi)\b(?! (depuis|a))",
               r"\bchez (mes|mon|ma|des|un|une|ma) ", r"\bchez (eux|lui|elle)\b",
               r"\bgratuit\w*\b", r"\bsans payer\b", r"\bje paye rien\b", r"\bloge\w*\b"],
    "tenant": [r"\b(mon|un|le|chez un|du|au|notre) (proprio|proprietaire)\w*\b",
               r"\b(proprio|proprietaire) prive\b", r"\bloca\w*\b", r"\bje loue\b",
               r"\bon loue\b", r"\bloue\b", r"\bloyer\b",
               r"\bappart\w*\b", r"\bstudio\b", r"\bt[1-5]\b", r"\bf[1-5]\b", r"\bbail\b",
               r"\bprive\b", r"\bcolocation\b", r"\bcoloc\b"],
}

YES = [r"^(oui|ouii+|ouais|ouai|ouep|ui|wi|yes|yep|ok|okay|oki|d accord|daccord|dac|dacc|"
       r"bien sur|evidemment|exact|exactement|c est ca|c est bien ca|voila|tout a fait|"
       r"absolument|carrement|grave|volontiers|vas y|go|j accepte|accepte|si)\b"]
NO = [r"^(non|nan|nn|no|nope|pas du tout|pas vraiment|jamais|aucun|aucune|pas de|pas d|"
      r"je refuse|refuse|non merci|niet)\b"]
DISABILITY_NO = [r"\bpas (de|d) (handicap|mdph|reconnaissance)\b", r"\baucun handicap\b",
                 r"\bpas handicape\w*\b", r"\bnon\b"]
DISABILITY_YES = [r"\bhandicap\w*\b", r"\bmdph\b", r"\brqth\b", r"\baah\b", r"\binvalid\w*\b"]

DONT_KNOW = [r"\b(je )?(ne )?(sais|sait|c est|sai|se) (pas|po|plus)\b", r"\bj sais pas\b",
             r"\bsais pas\b", r"\bch(e|ai)? ?pa\b", r"\bchais pas\b", r"\baucune idee\b",
             r"\bje ne sais\b", r"\bjsp\b", r"\bje sais plus\b", r"\bpas sur\w*\b",
             r"\bca depend\b", r"\bvariable\b", r"\bdepend des mois\b"]
NOTHING = [r"^(rien|nada|zero|0|aucun|aucune|pas de revenu\w*|pas de salaire|pas de chomage|"
           r"pas de retraite|non|nan|que dalle)\b", r"\bje (ne )?touche rien\b",
           r"\b(je|j|il|elle|on|lui|mon mari|ma femme|mon conjoint|ma conjointe) (ne |n )?"
           r"(touche|touchent|gagne|gagnent|percoit|a|ai) (rien|pas|plus rien|que dalle|zero)\b",
           r"\b(donc|alors|du coup) rien\b", r"\brien du tout\b", r"\bbosse (pas|plus)\b",
           # the other parent's alimony: « il paye rien », « elle verse pas », « il paie jamais »
           r"\b(il|elle|le pere|la mere|son pere|sa mere) (ne |n )?(paye|paie|paient|verse|"
           r"donne|envoie) (rien|pas|jamais|plus|que dalle)\b",
           r"\bje (ne )?gagne rien\b", r"\bj ai rien\b", r"\bpas de (revenus?|salaire|chomage|"
           r"retraite|pension|travail|boulot)\b", r"\bje (ne )?travaille (pas|plus)\b",
           r"\bsans (emploi|revenus?|travail|boulot)\b", r"\bje n ai (pas|rien)\b",
           r"\bau chomage non\b", r"\bpas au chomage\b", r"\bpas droit\b"]

# The person's own « no salary », said in passing (« je bosse plus », « je gagne rien »).
NO_SALARY = [r"\b(je|j) (ne |n )?(travaille|bosse) (pas|plus)\b",
             r"\bje (ne |n )?(gagne|touche) (rien|pas de salaire)\b",
             r"\b(pas de|sans) (salaire|travail|boulot|emploi)\b", r"\bje suis sans emploi\b"]

# Cue words that tie a number to a fact, for facts said in passing.
AMOUNT_CUES = {
    "rent": r"(loyer|je paye|on paye|je paie|on paie|loue)",
    "unemployment": r"(chomage|pole emploi|france travail|are\b|allocation chomage|ass\b)",
    # « pension alimentaire » is the other parent's money for the children, not a pension.
    "pension": r"(retraite|pension(?! alim)|minimum vieillesse)",
    "alimony_received": r"(pension alimentaire|pension alim|mon ex (?:me )?(?:verse|donne|paye|paie)|"
                        r"le pere (?:verse|donne|paye|paie))",
    "partner_income": r"(mon mari|ma femme|mon conjoint|ma conjointe|mon copain|ma copine|"
                      r"mon compagnon|ma compagne|il gagne|elle gagne|lui gagne|"
                      # « ma retraite c 850 et lui 1100 »: the other person of the couple
                      r"et lui|et elle)",
    "salary": r"(salaire|je gagne|gagne|travaille|touche|smic|paye|paie|mi temps|temps partiel|"
              r"interim|cdi|cdd|boulot|job)",
}
_NUMBER_WORDS = r"(\d+(?:[.,]\d+)?|un|une|deux|trois|quatre|cinq|six|sept|huit|neuf|dix)"
# What people write for a moment of life; checked in this order (« enceinte » before
# « seule avec mes enfants », which a pregnant single mother may write too).
MOMENT_WORDS = {
    "child": [r"\benceinte\b", r"\battend\w* (un|mon|notre|le) (enfant|bebe|heureux evenement)\b",
              r"\battend\w* (un|mon|notre|le|un autre) (premier |deuxieme |second |2e |3e |"
              r"troisieme |petit )?(enfant|bebe)\b",
              r"\bgrossesse\b", r"\bbebe (en route|arrive|va arriver)\b",
              r"\b(je vais|va) accoucher\b", r"\bnaissance\b", r"\bmois de grossesse\b",
              r"\battend\w* (un|une|mon|ma|notre|le) (bb|bebe|bebe|enfant)\b", r"\bbb\b",
              r"\battend\w* (mon|notre|un|le|ma) (\d+ ?e|\d+ ?eme|\d+ ?ieme|deuxieme|troisieme|"
              r"quatrieme|second|seconde|2nd)\b"],
    "single_parent": [r"\beleve\w* seule?\b", r"\b(eleve|elever|eleves)\b.*\b(seule?|solo)\b",
                      r"\bseule? avec (mes|mon|ma|\d|deux|trois) ",
                      r"\b(maman|papa|mere|pere|parent) (solo|seule?|isolee?|celibataire)\b",
                      r"\bfamille monoparentale\b", r"\bmonoparental\w*\b",
                      r"\bseule? (pour|a) (elever|m occuper)\b"],
    "senior": [r"\b(a|en|la) retraite\b", r"\bretraite\w*\b", r"\bsenior\b",
               r"\bretr[ae]i?tt?e\w*\b",  # « retrete », « retraite » typed in a hurry
               r"\bpersonne agee\b", r"\bdeviens vieux\b", r"\bvieillesse\b",
               r"\b(6[0-9]|[7-9][0-9]) ans\b"],
    "adult": [r"\bdeviens adulte\b", r"\badulte\b", r"\bjeune\b", r"\bmajeur\w*\b",
              r"\b(18|19|20|21|22|23|24|25) ans\b", r"\betudiant\w*\b",
              r"\bquitte\w* (mes parents|la maison|le foyer)\b", r"\bpremier appart\w*\b",
              r"\bapprenti\w*\b", r"\bmission locale\b"],
    "other": [r"^autres?\b", r"\baucun\w* de (ces|ca)\b", r"\brien de tout ca\b",
              r"\bautre chose\b", r"\bautre situation\b", r"\bpas dans (la|les) liste\w*\b",
              # Other turns of life the menu does not name: the general check covers them.
              r"\bperdu (mon|son|le) (travail|emploi|boulot|taf|job)\b", r"\blicencie\w*\b",
              # Not a divorce nor a separation: with children, that is the single-parent path.
              r"\b(au|le) chomage\b", r"\bfin de (contrat|droits)\b", r"\bdemenage\w*\b"],
}


def _norm(text: str) -> str:
    text = parsing.normalize(text).replace("'", " ").replace("-", " ")
    return re.sub(r"\s+", " ", text).strip(" .!?,;")


def _any(patterns: list[str], text: str) -> bool:
    return any(re.search(p, text) for p in patterns)


# In a conversation in another language, its words (locales/<code>/words.yml) are read
# first, then the French ones (people mix): the tables are data, these functions the same.
def _says(table: str, text: str) -> bool:
    return language.says(language.fold(text), language.words(table))


def is_yes(text: str) -> bool:
    return _any(YES, _norm(text)) or _says("yes", text)


def is_no(text: str) -> bool:
    return _any(NO, _norm(text)) or _says("no", text)


def dont_know(text: str) -> bool:
    words = _norm(text)
    return _any(DONT_KNOW, words) or words in {"?", "??", "jsp", "sais pas", "je sais pas"} \
        or _says("dont_know", text)


def yes_no(text: str) -> bool | None:
    words = _norm(text)
    if not words:
        return None
    yes, no = _any(YES, words) or _says("yes", text), _any(NO, words) or _says("no", text)
    if yes != no:
        return yes
    return None


HOUSEHOLD_ORDER = ["couple_with_children", "single_with_children", "couple", "single"]


def household(text: str) -> str | None:
    """« seule avec 2 enfants », « en couple »; what a negation denies does not count, and
    « pas seule », « not alone », « ماشي وحدي », « yalnız değilim » is someone there."""
    words = _norm(text)
    folded, denied = language.split_negated(language.fold(text))
    plain = _norm(folded)
    if re.search(NO_CHILDREN, words) or _says("no_children", text):
        couple = _any(HOUSEHOLD_WORDS["couple"], plain) or \
            language.category("household", folded, ["couple"]) is not None \
            or _alone_denied(denied)
        return "couple" if couple else "single"
    if found := language.category("household", folded, HOUSEHOLD_ORDER):
        return found
    for value in HOUSEHOLD_ORDER:
        if _any(HOUSEHOLD_WORDS[value], plain):
            return value
    return "couple" if _alone_denied(denied) else None


def _alone_denied(denied: list[str]) -> bool:
    """« pas (toute) seule », « not on my own »: a denied word of living alone."""
    alone = language.words("household").get("single", [])
    return any(_any(HOUSEHOLD_WORDS["single"], _norm(words)) or language.says(words, alone)
               for words in denied)


def housing(text: str) -> str | None:
    """« hlm », « je loue un studio »; what a negation denies does not count (« ماشي سكن
    اجتماعي »: not social housing), unless the denial is the answer (« no rent »: housed)."""
    folded = language.fold(text)
    plain, denied = language.split_negated(folded)
    if found := _housing_in(plain):
        return found
    said = _housing_in(folded)
    if said and any(_housing_in(words) == said for words in denied):
        return None  # « pas en HLM » alone: asked again
    return said


def _housing_in(folded: str) -> str | None:
    order = ["social_tenant", "homeless", "owner", "hosted", "tenant"]
    if found := language.category("housing", folded, order):
        return found
    words = _norm(folded)
    for value in order:
        if _any(HOUSING_WORDS[value], words):
            return value
    return None


def disability(text: str) -> bool | None:
    words = _norm(text)
    if _any(DISABILITY_NO, words) or _says("disability_no", text):
        return False
    # « No, I do not have any disability »: a denied disability word is a no.
    kept, denied = language.split_negated(language.fold(text))
    if _says_disability(kept):
        return True
    if any(_says_disability(piece) for piece in denied):
        return False
    return yes_no(text)


# « 50 % », « %50 », « 80 pour cent », « ٪80 », « 50 percent », « yüzde 50 »: a disability rate.
_RATE = re.compile(r"(?<!\d)(\d{1,3}) ?(?:%|٪|pour ?cent|pourcent|percent|per cent)|"
                   r"(?:%|٪|yuzde) ?(\d{1,3})(?!\d)")


def says_rate(text: str) -> bool:
    """« oui, 50 % »: a rate said with its sign or word (a bare number is not one)."""
    return bool(_RATE.search(language.fold(text)))


def disability_rate(text: str) -> int | None:
    """The rate said (« oui, 50 % »), a bare number (« 80 ») when that is the whole answer."""
    folded = language.fold(text)
    match = _RATE.search(folded)
    value = int(match.group(1) or match.group(2)) if match else None
    if value is None:
        number = parsing.parse_integer(text, minimum=1, maximum=100)
        value = number
    return value if value is not None and 1 <= value <= 100 else None


def amount(text: str) -> float | None:
    """A monthly amount: « 800 », « 1 200 € », « mille deux cents », « je touche rien »."""
    value = parsing.parse_amount(text)
    if value is not None:
        return value
    words = _norm(text)
    numbers = parsing.numbers_in(text)
    if not numbers and (_any(NOTHING, words) or _says("nothing", text)):
        return 0.0
    # « environ 800 », « dans les 800 par mois », « a peu pres 1200 »: one number, read it.
    big = [n for n in numbers if n >= 0]
    if len(big) == 1 and big[0] <= 100_000:
        return big[0]
    return None


def age(text: str) -> int | None:
    value = parsing.parse_integer(text, minimum=15, maximum=120)
    if value is not None:
        return value
    words = _norm(text)
    match = re.search(r"\b(\d{2,3}) ?ans?\b", parsing.normalize(_words_to_digits(words)))
    if match:
        value = int(match.group(1))
        return value if 15 <= value <= 120 else None
    return None


def no_children(text: str) -> bool:
    """« pas d'enfant », « çocuk yok », « no kids », « ما عنديش ولاد »."""
    return bool(re.search(NO_CHILDREN, _norm(text))) or _says("no_children", text)


def children_ages(text: str) -> list[int] | None:
    """Children's ages: « 4 et 9 », « un de 5 ans et une de 8 », « bebe de 6 mois »."""
    words = _norm(text)
    if re.search(r"\b(\d+|un|une|deux|trois) mois\b", words):
        words = re.sub(r"\b(\d+|un|une|deux|trois|quatre|cinq|six|sept|huit|neuf|dix|onze) "
                       r"mois\b", "0 an", words)
    words = re.sub(r"\b(bebe|nourrisson|nouveau ne)\b(?! de)", "0 an", words)
    # « a baby of 8 months », « 8 aylık », « عندو 8 شهور »: under a year is 0, never 8.
    words = language.replaced("months_old", language.without_durations(words), "0")
    # « 2 enfants de 5 et 8 ans »: the count is not an age.
    words = re.sub(r"\b" + _NUMBER_WORDS + r" (enfants?|gosses?|petits?|filles?|garcons?|fils)"
                   r"\b", " ", words)
    # « iki oğlum var 8 ve 12 », « two kids, 4 and 6 »: the language's words for a count.
    words = language.without("child_counts", parsing.words_to_digits(words))
    return parsing.parse_ages(words)


def postcode(text: str) -> str | None:
    """Five digits (« 67100 », « 67 100 »), or a commune or district name of the EMS."""
    compact = re.sub(r"\b(\d{2}) (\d{3})\b", r"\1\2", parsing.normalize(text))  # « 67 100 »
    candidates = [d for d in re.findall(r"\b\d{5}\b", compact) if d[:2] not in ("00", "96", "99")]
    if len(set(candidates)) == 1:
        return candidates[0]
    if candidates:
        return None
    words = _norm(text)
    for name, code in COMMUNE_NAMES.items():
        if re.search(rf"\b{name}\b", words):
            return code
    return None


# Commune names residents write instead of a postcode (Eurométropole de Strasbourg).
COMMUNE_NAMES = {
    "neudorf": "67100", "meinau": "67100", "neuhof": "67100", "port du rhin": "67100",
    "schiltigheim": "67300", "schilik": "67300", "bischheim": "67800", "hoenheim": "67800",
    "illkirch": "67400", "graffenstaden": "67400", "lingolsheim": "67380",
    "ostwald": "67540", "cronenbourg": "67200", "hautepierre": "67200",
    "koenigshoffen": "67200", "elsau": "67200", "robertsau": "67000",
    "esplanade": "67000", "strasbourg": "67000", "stras": "67000", "sxb": "67000",
}


def _words_to_digits(text: str) -> str:
    try:
        return parsing.words_to_digits(text)
    except (ValueError, IndexError):
        return text


def age_and_postcode(text: str) -> tuple[int | None, str | None]:
    """« 34 ans, 67100 », « 34 » or « 67100 » alone: what the two-in-one prompt got."""
    code = postcode(text)
    rest = re.sub(r"\b\d{2} ?\d{3}\b", " ", parsing.normalize(text))
    for name in COMMUNE_NAMES:
        rest = re.sub(rf"\b{name}\b", " ", rest)
    return age(rest) if rest.strip() else None, code


def couple_incomes(text: str) -> tuple[float | None, float | None]:
    """« 800 et 1200 » (you, then your partner), « je gagne rien et lui 1400 »."""
    facts = facts_in(text)
    mine, theirs = facts.get("salary"), facts.get("partner_income")
    numbers = [n for n in parsing.numbers_in(text) if n >= 0 and n not in (mine, theirs)]
    words = _norm(text)
    if re.search(r"\b(rien|0|zero) (tous )?les deux\b|\bni l un ni l autre\b|"
                 r"\b(aucun|personne) (de nous|ne travaille)\b", words):
        return 0.0, 0.0
    if theirs is None and re.search(
            r"\b(il|elle|lui|mon mari|ma femme|mon conjoint|ma conjointe|mon copain|ma copine|"
            r"mon compagnon|ma compagne) (ne |n )?(touche|gagne|a) (rien|pas|que dalle)\b|"
            r"\b(lui|elle|mon mari|ma femme|mon conjoint|ma conjointe) (rien|zero|que dalle)\b|"
            r"\b(il|elle) (ne |n )?(travaille|bosse) (pas|plus)\b", words):
        theirs = 0.0
    # « rien et 1250 », « 800, 0 »: two answers in the order asked (you, then your partner).
    joiners = "|".join(["et", "puis", *map(re.escape, language.words("and"))])
    halves = [h for h in re.split(rf"\s*(?:(?<!\w)(?:{joiners})(?!\w)|,|;|/)\s*", words) if h]
    if mine is None and theirs is None and len(halves) == 2:
        first, second = amount(halves[0]), amount(halves[1])
        if first is not None and second is not None:
            return first, second
    # « moi rien, lui 1500 »: each amount said with whose it is.
    partner = re.search(r"\b(lui|elle|il|mon mari|ma femme|conjointe?|copain|copine|"
                        r"compagnon|compagne)\b\D{0,15}?(\d[\d .]*\d|\d)", words)
    if theirs is None and partner:
        theirs = parsing.parse_amount(partner.group(2))
        numbers = [n for n in numbers if n != theirs]
    if mine is None and re.search(r"\b(moi|je)\b\D{0,12}\b(rien|zero|que dalle)\b", words):
        mine = 0.0
    if mine is None and theirs is None:
        if len(numbers) == 2:
            return numbers[0], numbers[1]
        if len(numbers) == 1:
            return numbers[0], None
        return (0.0 if _any(NOTHING, words) else None), None
    if mine is None:
        nothing_for_me = re.search(r"\b(moi|je) (ne )?(gagne |touche )?(rien|0|zero)\b", words)
        mine = numbers[0] if len(numbers) == 1 else (0.0 if nothing_for_me else None)
    elif theirs is None and len(numbers) == 1:
        theirs = numbers[0]
    return mine, theirs


HOUSING_ORDER = ["tenant", "social_tenant", "owner", "hosted", "homeless"]  # the menu's order


def housing_and_rent(text: str) -> tuple[str | None, float | None]:
    """« 1, 480 » (the menu's number, then the rent), « hlm 520 », « proprio »."""
    words = _norm(text)
    choice = re.match(r"^([1-5])(?:\b|$)\W*(.*)$", words)
    if choice:
        status, rest = HOUSING_ORDER[int(choice.group(1)) - 1], choice.group(2)
    else:
        status, rest = housing(text), words
    if status is None:
        return None, None
    if status not in ("tenant", "social_tenant"):
        return status, None
    facts = facts_in(text)
    if facts.get("rent") is not None:
        return status, facts["rent"]
    # A bare number is the rent asked for, unless its own cue says otherwise (« je gagne »).
    others = {v for k, v in facts.items() if k in AMOUNT_CUES}
    numbers = [n for n in parsing.numbers_in(rest) if n >= 50 and n not in others]
    return status, numbers[0] if len(numbers) == 1 else None


# Two questions asked in one prompt while both are pending: one SMS instead of two. The
# rent is asked with the housing before knowing it is needed (most people rent).
PAIRS = {"age": ("postcode", age_and_postcode), "salary": ("partner_income", couple_incomes),
         "housing": ("rent", housing_and_rent)}
UNCONDITIONAL_PAIRS = {"housing"}


READERS = {
    "age": age,
    "postcode": postcode,
    "household": household,
    "partner_income": amount,
    "children_ages": children_ages,
    "housing": housing,
    "rent": amount,
    "disability": disability,
    "salary": amount,
    "unemployment": amount,
    "pension": amount,
    "other_income": amount,
}


def read(key: str, text: str) -> Any:
    """The answer to question KEY read in `text`, or None."""
    return READERS[key](text)


# ------------------------------------------------------------------ facts in a sentence
# « jsuis etudiant 20 ans »: an age said alone in a sentence, but not a duration (« depuis
# 10 ans », « ça fait 12 ans ») nor someone else's age (« mon fils a 16 ans », « ont 12 ans »).
AGE_ALONE = (r"(?<!depuis )(?<!il y a )(?<!pendant )(?<!dans )(?<!fait )(?<!ont )(?<!a )"
             r"(?<!de )(?<!et )(?<!\d, )(?<!ans, )(?<!plus )(?<!moins )(?<!enfant )(?<!enfants )"
             r"(?<!fils )(?<!fille )(?<!filles )\b(\d{2}) ans\b(?! (et|,) ?\d)")


def facts_in(text: str, *, known_household: str | None = None) -> dict[str, Any]:
    """Facts a sentence states with their cue words; nothing is guessed without a cue.

    `known_household`: the one already known (answered, or implied by the moment of life), so
    « ils ont 2, 6 et 11 ans » are the children's ages once the person said they have some.
    """
    words = _norm(text)
    digits = language.without_durations(parsing.normalize(_words_to_digits(words)))
    facts: dict[str, Any] = {}
    match = re.search(r"\b(?:j ai|jai|g|age de|agee? de|moi) ?(\d{2,3}) ?ans?\b", digits) or \
        re.search(r"^(\d{2,3}) ?ans?\b", digits) or \
        re.search(AGE_ALONE, digits)
    if match and 15 <= int(match.group(1)) <= 120:
        facts["age"] = int(match.group(1))
    code = re.findall(r"\b(67\d{3}|68\d{3}|[0-9]{2}[0-9]{3})\b", digits)
    code = [c for c in code if c[:2] not in ("00", "96", "99") and (
        re.search(rf"(code postal|cp|habite|vis a|j habite|au|a) {c}", digits) or c[:2] == "67")]
    if len(code) == 1:
        facts["postcode"] = code[0]
    else:
        for name, commune in COMMUNE_NAMES.items():
            if re.search(rf"\b(a|au|habite|vis a|vit a|sur|quartier|cite) (la |le )?{name}\b",
                         words):
                facts["postcode"] = commune
                break
    found_household = household(text)
    children = re.search(r"\b" + _NUMBER_WORDS + r" (enfants?|gosses?|petits?)\b", words)
    if found_household:
        facts["household"] = found_household
    elif children:
        pass  # a number of children without « seul(e) » or « couple »: not enough to say
    ages = re.search(r"\b(?:enfants?|gosses?|petits?|filles?|garcons?|fils|fille|"
                     r"ils ont|elles ont) ?\(?"
                     r"(?:de |qui ont |ont |ages? de |agees? de )?"
                     r"((?:\d{1,2}\b ?(?:ans?)?(?: ?(?:,|et) ?)?)+)", digits)
    if ages and (facts.get("household") or known_household or "").endswith("with_children"):
        listed = re.sub(r"ans?", " ", ages.group(1))
        values = parsing.parse_ages(listed)
        numbers = parsing.numbers_in(listed)
        if values is None and len(numbers) >= 2 and numbers[-1] > 25 \
                and all(n <= 25 for n in numbers[:-1]):
            # « mes 2 enfants de 4 et 9 ans, 34 ans »: the list ran on into the person's age.
            values = parsing.parse_ages(" ".join(str(int(n)) for n in numbers[:-1]))
            if values and "age" not in facts and 15 <= numbers[-1] <= 120:
                facts["age"] = int(numbers[-1])
        if values:
            facts["children_ages"] = values
    # Only with a French housing word: other languages' tables hold phrases that are also
    # said of a household (« with my son »), which must not become a fact in passing.
    status = housing(text) if _any([p for ps in HOUSING_WORDS.values() for p in ps], words) \
        else None
    if status and not (status == "tenant" and not re.search(
            r"\b(loca\w*|je loue|on loue|bail|coloc\w*)\b", words)):
        facts["housing"] = status
    # Ages (« 64 ans »), months and postcodes are never amounts.
    money = re.sub(r"\b\d{5}\b", " # ", digits)
    money = re.sub(r"\b\d{1,3} ?(ans?|mois)\b", " # ", money)
    for key, cue in AMOUNT_CUES.items():
        if key in facts:
            continue
        for value in _amounts_tied_to(key, cue, money):
            # One number, one fact: a number already taken by another cue is not reused.
            taken = any(facts[k] == value for k in facts if k in AMOUNT_CUES)
            if value >= 50 and not taken:
                facts[key] = value
                break
    if "rent" not in facts and facts.get("housing") in ("tenant", "social_tenant"):
        # « hlm 520 », « locataire, 480 »: the number right after the housing word is the rent
        # (as at the housing question), never one a few words further (« hlm, je touche 900 »).
        rent = re.search(r"\b(?:hlm|locataire|logement social|location) ?[,:-]? ?(?:a |de |pour )?"
                         r"(\d{2,4})\b", money)
        value = float(rent.group(1)) if rent else 0
        if value >= 50 and not any(facts[k] == value for k in facts if k in AMOUNT_CUES):
            facts["rent"] = value
    if "salary" not in facts and _any(NO_SALARY, words):
        facts["salary"] = 0.0
    if re.search(r"\bpas (de|d) (handicap|mdph)\b", words):
        facts["disability"] = False
    elif re.search(r"\b(handicap\w*|mdph|rqth)\b", words):
        facts["disability"] = True
    return facts


_AMOUNT = r"(\d[\d .]*\d|\d)(?: ?(?:€|e|eur|euros?|balles))?"
# Cue nouns that may follow their number: « 480 de loyer », « 1400 de retraite ».
CUES_AFTER = {"rent": "loyer", "unemployment": "(chomage|are|ass)",
              "pension": "(retraite|pension(?! alim))", "salary": "(salaire|paye|paie)",
              "alimony_received": "(pension alimentaire|pension alim)"}


def _amounts_tied_to(key: str, cue: str, text: str) -> list[float]:
    """Numbers tied to a cue: after it (« loyer 480 ») or before its noun (« 480 de loyer »)."""
    found = []
    if key in CUES_AFTER:
        before = _AMOUNT + r" (?:de |d |du |le |la |en |pour (?:le |la )?)?" + CUES_AFTER[key] + r"\b"
        found += [m.group(1) for m in re.finditer(before, text)]
    # Between the cue and its number: a few words, but never « et », « rien » or another
    # person (« je gagne rien et lui 1400 » gives nothing to « je gagne »).
    gap = r"(?:(?!\b(?:et|rien|lui|elle|mari|femme|conjointe?|moi)\b)\D){0,25}?"
    # A cue is a whole word: « are » (the ARE) is not the end of « my share is 410 ».
    found += [m.group(m.lastindex) for m in re.finditer(r"\b" + cue + gap + _AMOUNT, text)]
    values = [parsing.parse_amount(number) for number in found]
    return [value for value in values if value is not None]


def moment(text: str) -> str | None:
    """A moment of life a sentence states (« je suis enceinte », « je suis à la retraite »)."""
    words = _norm(text)
    if found := language.category("moments", language.fold(text), list(MOMENT_WORDS)):
        return found
    digits = parsing.normalize(_words_to_digits(words))  # « soixante-sept ans » -> « 67 ans »
    for value, patterns in MOMENT_WORDS.items():
        if _any(patterns, words) or _any(patterns, digits):
            return value
    return None


# ------------------------------------------------------------ follow-up questions' words
JOB_SEEKER_YES = [r"\b(france travail|pole emploi|pol emploi|chomage|chomeur|chomeuse|"
                  r"demandeu(r|se) d emploi|inscrite?|je cherche (du|un) (travail|boulot|job))\b"]
JOB_SEEKER_NO = [r"\bpas inscrite?\b", r"\b(je )?(ne )?suis pas inscrite?\b"]
SCHOOL_WORDS = [  # in this order: « 4e » is collège before « lycée » is looked for
    ("college", r"\b(college|colege|collge|colleg|coleg|6e|6eme|5e|5eme|4e|4eme|3e|3eme|"
                r"sixieme|cinquieme|quatrieme|troisieme)\b"),
    ("lycee", r"\b(lycee|lyce|licee|lycer|seconde|2nde|2de|premiere|1ere|terminale|tle|cap|bac pro)\b"),
    ("primaire", r"\b(primaire|ecole|cm1|cm2|ce1|ce2|cp)\b"),
    ("superieur", r"\b(fac|universite|bts|iut|etudes|superieur|prepa)\b"),
]


def job_seeker(text: str) -> bool | None:
    """« oui je suis inscrit à France Travail », « pôle emploi », « nan »."""
    words = _norm(text)
    if _any(JOB_SEEKER_NO, words):
        return False
    answer = yes_no(text)
    if answer is not None:
        return answer
    return True if _any(JOB_SEEKER_YES, words) else None


def school_levels(text: str) -> list[str] | None:
    """School levels in the order said: « au collège », « en 4e et au lycée »."""
    words = _norm(text)
    found = []
    for level, pattern in SCHOOL_WORDS:
        found += [(m.start(), level) for m in re.finditer(pattern, words)]
    if not found:
        # « إعدادي », « ortaokul », « middle school »: the words the question's own example
        # gives in the conversation's language (« إعدادي » was refused three times).
        folded = language.fold(text)
        for level, phrases in (language.words("school") or {}).items():
            for phrase in phrases or []:
                found += [(m.start(), level) for m in re.finditer(
                    r"(?<!\w)" + re.escape(language.fold(phrase)) + r"(?!\w)", folded)]
    return [level for _, level in sorted(set(found))] or None


# Which child a disability concerns (AEEH, per child): « le deuxième », « les deux »,
# « celui de 8 ans », « la petite ». Ranks count from the first child said in the check.
ALL_CHILDREN = [r"\b(les|tous les|toutes les) (deux|2|trois|3|quatre|4|deu|deus|deuz)\b",
                r"\ble (deux|deu|deus|deuz)\b",  # « lé deux » typed in a hurry
                r"\b(tous|toutes|tout le monde|chacun|chacune)\b"]
RANK_WORDS = [  # positions in the order the ages were given; "eldest"/"youngest" by age
    (1, r"\b(premier|premiere|premie|1er|1ere)\b"),
    (2, r"\b(deuxieme|deuxiem|deuxime|deusieme|deuzieme|2eme|2em|2e|2nd|2nde|second|seconde|"
        r"2 eme)\b"),
    (3, r"\b(troisieme|troisiem|3eme|3em|3e|3 eme)\b"),
    (4, r"\b(quatrieme|4eme|4e)\b"),
    (-1, r"\b(dernier|derniere)\b"),
    ("eldest", r"\b(aine|ainee|le grand|la grande|plus grand|plus grande|plus age|plus agee)\b"),
    ("youngest", r"\b(le petit|la petite|plus petit|plus petite|plus jeune|cadet|cadette|"
                 r"benjamin|benjamine|bebe)\b"),
]


def which_children(text: str) -> dict[str, Any] | None:
    """Words for which children: {"all": True}, {"ranks": [2]} or {"ages": [8]}."""
    words = _norm(text)
    # « un de mes enfants » says one, not which: not an age of 1.
    digits = parsing.normalize(_words_to_digits(re.sub(r"\b(un|une) (de|d|des)\b", " ", words)))
    if _any(ALL_CHILDREN, words):
        return {"all": True}
    ranks = [rank for rank, pattern in RANK_WORDS if re.search(pattern, digits)
             or re.search(pattern, words)]
    # « 2e » is a rank; « 8 ans », « celui de 8 », a lone « 8 »: an age.
    cleaned = re.sub(r"\b\d+ ?(eme|em|e|er|ere|nd|nde)\b", " ", digits)
    ages = [int(n) for n in re.findall(r"\b(\d{1,2})\b", cleaned) if int(n) <= 25]
    if ranks:
        return {"ranks": ranks}
    if ages:
        return {"ages": ages}
    return None


def resolve_children(spec: dict[str, Any], ages: list[int]) -> list[int] | None:
    """The indexes of the children the words point at, or None when they point at none."""
    count = len(ages)
    if spec.get("all"):
        return list(range(count))
    if spec.get("ranks"):
        by_age = sorted(range(count), key=lambda i: int(ages[i]))
        where = {"eldest": by_age[-1] if count else -9, "youngest": by_age[0] if count else -9,
                 -1: count - 1}
        picked = {where[rank] if rank in where else rank - 1 for rank in spec["ranks"]}
        picked = sorted(i for i in picked if 0 <= i < count)
        return picked or None
    picked = sorted({i for i, age in enumerate(ages) if int(age) in spec.get("ages", [])})
    if not picked and len(spec.get("ages", [])) == 1 and 1 <= spec["ages"][0] <= count:
        picked = [spec["ages"][0] - 1]  # « 2 » with no child of 2: the second child
    return picked or None


# The optional question on sex after the result (issue 16 item 5): the whole message must
# be the answer (« femme », « je suis un homme », « prefere pas dire »); anything else is
# another message, handled as such.
SEX_WORDS = {
    "femme": r"(une )?(femme|fame|famme|feme|fem|femm|fmme|madame|mme|f|meuf|fille|une fille)",
    "homme": r"(un )?(homme|home|homm|omme|hom|hommme|monsieur|mr|h|mec|garcon|un garcon)",
    "autre": r"(autre|autres|otre|aute|autr|non binaire|nonbinaire|non binair|nb|ni l un ni l autre)",
    "non_dit": r"((je |j |jp)?(prefere|prefer|preferes|prefaire|pref) (ne )?(pas|pa) (le )?(dire|dir|"
               r"repondre|repondr)|je ne (veux|souhaite) pas (le )?(dire|repondre)|"
               r"pas (envie de )?(le )?dire|ne pas dire|je prefere ne pas dire|secret|"
               r"sans reponse|pas de reponse|ca vous regarde pas|je dis pas)",
}


def sex(text: str) -> str | None:
    """« Femme », « je suis un homme », « autre », « je préfère ne pas dire »: or None."""
    words = re.sub(r"^(je suis|jsuis|chui|suis|moi|c est|ben|bah|euh)( |$)", "", _norm(text))
    words = words.strip(" .!?,;")
    for value, pattern in SEX_WORDS.items():
        if re.fullmatch(pattern, words):
            return value
    # Another language's words (locales/<code>/words.yml, table `sex`), the whole message.
    folded = language.fold(text).strip(" .!?,;")
    for value, phrases in (language.words("sex") or {}).items():
        if folded in phrases:
            return value
    return None


# ------------------------------------------------------------------ whose fact it is
# A sentence may speak of several people and several incomes: « maaş yok, işsizlik parası
# 1050 », « I have no income, my husband earns 1,520 », « not me, my son has an 80 %
# disability ». Each piece is read for its own person and income (the words are each
# language's `subjects` and `incomes` tables), never the whole sentence for the question.
INCOME_KINDS = ("salary", "unemployment", "pension")
# A number said of the partner is an income only with a word of money or from this amount:
# « mon mari en a 78 » is his age.
PARTNER_INCOME_FROM = 150


def whose(text: str, first: str = "me") -> tuple[str, dict[str, Any]]:
    """The person's own words in a message, and what it states of their partner and children.

    FIRST is whom the message is about until it names someone: the person, or the partner
    when the question was about the partner (« elle touche 600 » asked the partner's income).
    Without words of another person, the whole message is the person's own."""
    folded = language.fold(text)
    pieces = language.segments("subjects", folded, first)
    if all(subject == "me" for subject, _ in pieces):
        return text, {}
    own = " ".join(piece for subject, piece in pieces if subject == "me")
    partner = " ".join(piece for subject, piece in pieces if subject == "partner")
    child = " ".join(piece for subject, piece in pieces if subject == "child")
    facts: dict[str, Any] = {}
    if partner and (income := _partner_income(partner)) is not None:
        facts["partner_income"] = income
    for subject, words in (("partner", partner), ("child", child)):
        if words and _says_disability(words):
            facts[f"{subject}_disability"] = True  # « ma femme est reconnue MDPH »
    if "partner_disability" in facts or "child_disability" in facts:
        # « c'est mon fils qui a le handicap, pas moi »: the person's own only in their words.
        facts["disability"] = _says_disability(own) and disability(own) is True
    return own, facts


def spoken_of(text: str) -> str | None:
    """« oui mon fils », « yes, my wife »: the child or partner the message is about, if one."""
    subjects = {subject for subject, _ in language.segments("subjects", language.fold(text), "me")}
    found = subjects & {"child", "partner"}
    return found.pop() if len(found) == 1 else None


def _says_disability(text: str) -> bool:
    return bool(text) and (_any(DISABILITY_YES, _norm(text)) or _says("disability_yes", text))


def _partner_income(text: str) -> float | None:
    numbers = [n for n in parsing.numbers_in(text) if n >= 0]
    if not numbers:
        return 0.0 if (_any(NOTHING, _norm(text)) or _says("nothing", text)) else None
    if len(numbers) != 1:
        return None
    money = language.says(language.fold(text), list(language.words("earns") or [])) or \
        language.says(language.fold(text), list(language.words("earns", language.SOURCE)),
                      language.SOURCE)
    return numbers[0] if money or numbers[0] >= PARTNER_INCOME_FROM else None


def incomes(text: str, key: str) -> tuple[str, dict[str, float]]:
    """The words about income KEY in a message, and the other incomes it states with their
    own amount (« maaş yok, işsizlik parası 1050 » asked the salary -> « maas yok »,
    {unemployment: 1050}). The message as it is when that is not clear."""
    folded = language.fold(text)
    pieces: list[list[str]] = []
    for kind, piece in language.segments("incomes", folded, key):
        if pieces and pieces[-1][0] == kind:
            # « 960 a month unemployment from France Travail »: two words of one income.
            pieces[-1][1] = f"{pieces[-1][1]} {piece}"
        else:
            pieces.append([kind, piece])
    given: set[int] = set()
    for i in range(1, len(pieces)):
        # « 800 unemployment », « 820 de chômage »: the number just before the word is its
        # own (unless that number was itself just given to the piece before).
        if not parsing.numbers_in(pieces[i][1]) and i - 1 not in given:
            before = pieces[i - 1][1]
            numbers = list(re.finditer(r"\d[\d ,.]*", before))
            if numbers and len(before[numbers[-1].start():].split()) <= 3:
                given.add(i)
                cut = numbers[-1].start()
                pieces[i - 1][1], pieces[i][1] = before[:cut].strip(), \
                    f"{before[cut:]} {pieces[i][1]}"
    others: dict[str, float] = {}
    for kind, piece in pieces:
        if kind == key:
            continue
        numbers = parsing.numbers_in(piece)
        if len(numbers) != 1 or numbers[0] < 0 or kind in others:
            return text, {}
        others[kind] = numbers[0]
    if not others:
        return text, {}
    own = " ".join(piece for kind, piece in pieces if kind == key)
    if len(parsing.numbers_in(own)) > 1:
        return text, {}
    return own, others


# ------------------------------------------------------------ the resident's own questions
# A number on its own, not the 3, 7 and 9 of Darija written in Latin letters (« 7afidi »,
# « 3ayech », « 9rib » are words).
NUMBER = re.compile(r"(?<![^\W\d_])\d+(?![^\W\d_])")


def has_number(text: str) -> bool:
    """« 85 yasinda », « 500€ »: a number is said; « kifach ndir l 7afidi »: none."""
    return NUMBER.search(text) is not None


# What is asked about a right (each language's `asking` tables), the most specific first.
RIGHT_QUESTIONS = ("documents", "how_long", "how_much", "who_can", "how")
# Organisations residents ask about (term_<id> texts): a right named beside one is what is
# asked about.
ORGANISATIONS = frozenset({"caf", "mdph", "cpam", "france_travail", "hlm", "france_services"})
# A question mark and a right named, in this many words at most, ask about the right.
ABOUT_WORDS = 12


def question_in(text: str) -> tuple[str, str | None] | None:
    """A question the person asks, as (kind, term): « c'est quoi la CSS ? » -> (what, css),
    « c'est la mairie ? » -> (who, None), « how do I claim it? » -> (how, None). The words
    are each language's `asking` and `terms` tables, French's read in every conversation."""
    folded = language.fold(text)
    # Every language's question words (« شنو هي APL؟ » in a French conversation): they are
    # distinct enough not to be taken for another language's answers.
    codes = list(dict.fromkeys((language.current(), *language.available())))

    def says(kind: str) -> bool:
        return any(language.says(folded, (language.words("asking", code) or {}).get(kind, []),
                                 code) for code in codes)

    term = _term_in(folded, codes)
    if says("who") and (term is None or term in ORGANISATIONS):
        # « c'est la CAF ? » asks who we are; « CSS ach hiya? wach tbib fabor? » asks about
        # the CSS, even with the word for free.
        return "who", None
    # The most specific first: « quels papiers pour faire la demande de CSS » asks for the
    # documents, « combien de temps pour l'AAH » for the delay, though both say how.
    for kind in RIGHT_QUESTIONS:
        if says(kind):
            return kind, term
    if term is None:
        return None
    if says("what"):
        return "what", term
    if folded.rstrip().endswith(("?", "؟")) and len(folded.split()) <= ABOUT_WORDS \
            and not has_number(folded):
        return "about", term  # « la CSS ? », « et le RSA ? », « une France services près d'ici ? »
    return None


# Words past which « merci … » is more than thanks (« je vous remercie, mais je ne vois rien pour
# mon mari, quelqu'un peut venir nous aider à la maison »): a message for someone. « Je vous
# remercie beaucoup pour votre aide. Cordialement, M. Schaeffer » is still thanks.
THANKS_WORDS = 12


def thanks_only(text: str) -> bool:
    """« merci », « ok merci », « شكرا »: thanks that close an exchange, not a question, a yes
    or a message for the referent."""
    folded = language.fold(text)
    if "?" in folded or "؟" in folded or len(folded.split()) > THANKS_WORDS:
        return False
    codes = list(dict.fromkeys((language.current(), language.SOURCE)))
    return any(language.says(folded, language.words("thanks", code) or [], code) for code in codes)


def student_in(text: str) -> bool:
    """« i'm an irish student », « je suis étudiante en licence »: a student, said in passing."""
    folded = language.fold(text)
    folded, _denied = language.split_negated(folded)  # « je ne suis plus étudiante »
    return any(language.says(folded, language.words("student", code) or [], code)
               for code in dict.fromkeys((language.current(), language.SOURCE)))


QUESTION_WORDS = 3


def is_question(text: str) -> bool:
    """« ila mrati khdama wach kay9ess lina chi 7aja? », « c gratuit ? »: the person asks
    something (a question mark, or a question word of any language)."""
    folded = language.fold(text)
    if len(folded.split()) < QUESTION_WORDS:
        return False  # « hein ? », « quoi ? »: not understood, not a question to answer
    if "?" in folded or "؟" in folded:
        return True
    return any(language.says(folded, language.words("question_words", code) or [], code)
               for code in dict.fromkeys((language.current(), *language.available())))


def worry_in(text: str) -> str | None:
    """A fear said (« ils vont prendre ma maison ? », « will I have to pay it back? », « titre
    de séjour »): estate, payback or papers, else None. Every language's words are read: a
    fear is said in the words that come first."""
    folded = language.fold(text)
    codes = list(dict.fromkeys((language.current(), *language.available())))
    for kind in ("estate", "payback", "court", "papers"):
        if any(language.says(folded, (language.words("worries", code) or {}).get(kind, []), code)
               for code in codes):
            return kind
    return None


def booking_questions(text: str) -> list[str]:
    """After a booking: « c'est où ? » (appointment), « je dois apporter quoi ? » (bring),
    « Strasbourg çok uzak » (far), each one asked; none: the message goes to the referent."""
    folded = language.fold(text)
    codes = list(dict.fromkeys((language.current(), *language.available())))
    return [kind for kind in ("far", "appointment", "bring")
            if any(language.says(folded, (language.words("asking", code) or {}).get(kind, []), code)
                   for code in codes)]


def term_in(text: str) -> str | None:
    """The right or organisation a text names (each language's `terms`), or None."""
    return _term_in(language.fold(text), list(dict.fromkeys((language.current(),
                                                             *language.available()))))


def _term_in(folded: str, codes: list[str]) -> str | None:
    """The word asked about (`_said_term`), else one misspelt (« visal », « alloc familiale »)."""
    folded = folded.replace("'", " ")  # « contrat d engagement » as « contrat d'engagement »
    return _said_term(folded, codes) or _misspelt_term(folded, codes)


# A name of a right misspelt is read from this similarity (rapidfuzz's ratio, 0–100) and
# this many letters: « visal garan », « alocation familliale »; short names (« aah ») only
# as written, where one letter makes another word.
MISSPELT_RATIO = 85
MISSPELT_LETTERS = 6


def _misspelt_term(folded: str, codes: list[str]) -> str | None:
    words = re.findall(r"\w+", folded)
    best: tuple[float, str] | None = None
    for code in codes:
        for term, phrases in (language.words("terms", code) or {}).items():
            for phrase in phrases or []:
                phrase = phrase.replace("'", " ")
                size = len(phrase.split())
                if len(phrase) < MISSPELT_LETTERS:
                    continue
                for start in range(len(words) - size + 1):
                    window = " ".join(words[start:start + size])
                    score = fuzz.ratio(window, phrase)
                    if score >= MISSPELT_RATIO and (best is None or score > best[0]):
                        best = (score, term)
    return best[1] if best else None


def _said_term(folded: str, codes: list[str]) -> str | None:
    """The word asked about, the longest one said (« prime d'activité » before « prime »),
    the first said when two are as long (« ASF … sur mon courrier de la caf »), a right
    before an organisation (« how long does the caf take for the APL »). An article
    stuck to it is read too: « lapl », « laah », « dapl », as SMS French writes them."""
    best: tuple[int, int, str] | None = None
    for code in codes:
        for term, phrases in (language.words("terms", code) or {}).items():
            for phrase in phrases or []:
                phrase = phrase.replace("'", " ")
                spellings = [phrase]
                if phrase[:1] in "aeiouy":
                    spellings += ["l" + phrase, "d" + phrase]
                for spelling in spellings:
                    found = language.first_at(folded, spelling, code)
                    if found is None:
                        continue
                    key = (term in ORGANISATIONS, -len(phrase), found, term)
                    if best is None or key < best:
                        best = key
    return best[-1] if best else None
