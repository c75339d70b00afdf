"""Mapping normalised profiles to ONE OpenFisca simulation (any number of households).

Choices (see also rules/README.md):

* Incomes are NET per month, averaged over the last three months, and taken as stable since
  January of year N-2: we feed every month from January N-2 to December N, because RSA and
  prime d'activité read the last three months, housing aid a rolling twelve months (M-13 to
  M-2), CSS the last twelve months, and family benefits, AAH, chèque énergie and the
  Strasbourg transport pricing the taxable income (revenu fiscal de référence) of year N-2.
* Net amounts are input as OpenFisca's net variables (``salaire_net``, ``chomage_net``,
  ``retraite_nette``), as aides-jeunes does; the gross ones the ASPA reads and the taxable
  ones the fiscal and housing formulas read are derived from them: taxable salary = net x
  1.036 (the non-deductible CSG and CRDS, ratio measured with openfisca-france for a
  private-sector employee at 1,000 to 2,500 € gross). Unemployment benefit and pension:
  the CSG rate (exempt, reduced, median and full for pensions) depends on the household's
  revenu fiscal de référence N-2 and tax parts, with OpenFisca's own thresholds and rates
  (``replacement_incomes``); unemployment benefit also keeps the SMIC floor (no CSG/CRDS
  that would bring it below the gross SMIC).
* "other" income is input as ``pensions_alimentaires_percues`` (alimony received): it is the
  commonest other regular income of the people we serve and is counted by every benefit.
* A couple is one famille with two parents and ONE foyer fiscal (married or pacsed: joint tax
  return). For CAF benefits marriage does not matter; for the N-2 taxable income an unmarried
  couple would file two returns, which we do not model.
* Ages -> birth dates six months before the birthday, so that the age given holds over the last
  six months too (RSA and prime d'activité look back three months).
* Pregnancy -> ``enceinte`` (RSA majoré for a pregnant single woman) and our
  ``passerelle_paje_prime_naissance`` (see tbs.py). The unborn child is not added to the
  household: it would count in this month's RSA and housing aid.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# Net -> taxable (imposable) monthly income factors; see module docstring.
# Net -> gross: the ASPA reads gross salary and pension (salaire_de_base, retraite_brute).
# 0.7916 is net/gross measured with openfisca-france for a private-sector non-executive
# employee at 1,000 to 2,500 € gross; pensions at the ASPA level are exempt of CSG, so
# gross = net.
SALARY_NET_PER_GROSS = 0.7916
SALARY_TAXABLE_PER_NET = 1.036
# Fiscal allowance on salaries, pensions and alimony (10 %), for the estimated RFR.
TAX_ALLOWANCE = 0.10
SCHOOL_TO_OPENFISCA = {"maternelle": "maternelle", "primaire": "primaire",
                       "college": "college", "lycee": "lycee",
                       "superieur": "enseignement_superieur"}

HOUSING_STATUS_TO_OPENFISCA = {
    "tenant": "locataire_vide",
    "social_tenant": "locataire_hlm",
    "owner": "proprietaire",  # owner without a loan: no housing aid (accession not asked)
    "hosted": "loge_gratuitement",
    "homeless": "sans_domicile",
}
# Alsace-Moselle: employees and pensioners there belong to the local health regime, which
# lowers the CSS participation.
ALSACE_MOSELLE_DEPARTMENTS = ("57", "67", "68")


@dataclass
class Layout:
    """Where each household's entities are in the simulation."""

    n_households: int
    person_household: np.ndarray  # household index of each person
    applicant_index: np.ndarray  # person index of each household's applicant


def months_to_feed(period: str) -> list[str]:
    """January of N-2 to December of N, N being the year of ``period`` ("YYYY-MM")."""
    year = int(period[:4])
    return [f"{y:04d}-{m:02d}" for y in range(year - 2, year + 1) for m in range(1, 13)]


def _birth_date(period: str, age: int) -> np.datetime64:
    year, month = int(period[:4]), int(period[5:7])
    # Six months before the age-th birthday falls at the start of the period.
    total = (year - age) * 12 + (month - 1) - 6
    return np.datetime64(f"{total // 12:04d}-{total % 12 + 1:02d}-01", "D")


def build_simulation(tbs, profiles: list[dict]):
    """Build one simulation for normalised profiles that share the same period."""
    from openfisca_core.simulation_builder import SimulationBuilder

    period = profiles[0]["period"]
    assert all(p["period"] == period for p in profiles), "one period per simulation"

    individus, familles, foyers, menages = {}, {}, {}, {}
    person_household, applicant_index = [], []
    persons = []  # (profile, person dict or None for a child, child age)
    for h, profile in enumerate(profiles):
        adults = [f"h{h}a"]
        applicant_index.append(len(persons))
        persons.append(("adult", profile["applicant"]))
        if profile["partner"] is not None:
            adults.append(f"h{h}p")
            persons.append(("adult", profile["partner"]))
        children = []
        for i, child in enumerate(profile["children"]):
            children.append(f"h{h}c{i}")
            persons.append(("child", child))
        for pid in adults + children:
            individus[pid] = {}
            person_household.append(h)
        familles[f"h{h}"] = {"parents": adults, "enfants": children}
        foyers[f"h{h}"] = {"declarants": adults, "personnes_a_charge": children}
        menage = {"personne_de_reference": adults[:1], "enfants": children}
        if len(adults) > 1:
            menage["conjoint"] = adults[1:]
        menages[f"h{h}"] = menage

    sim = SimulationBuilder().build_from_entities(
        tbs,
        {"individus": individus, "familles": familles, "foyers_fiscaux": foyers,
         "menages": menages},
    )
    # build_from_entities keeps the order of the dicts: check it, since results are split
    # back by position.
    assert list(sim.populations["individu"].ids) == list(individus)
    assert list(sim.populations["famille"].ids) == list(familles)

    _set_inputs(sim, period, profiles, persons)
    layout = Layout(
        n_households=len(profiles),
        person_household=np.array(person_household, dtype=int),
        applicant_index=np.array(applicant_index, dtype=int),
    )
    return sim, layout


def _set_inputs(sim, period: str, profiles: list[dict], persons: list) -> None:
    n = len(persons)
    zeros = np.zeros(n)
    salary, unemployment, pension, other = zeros.copy(), zeros.copy(), zeros.copy(), zeros.copy()
    birth = np.empty(n, dtype="datetime64[D]")
    disability = zeros.copy()
    pregnant = np.zeros(n, dtype=bool)
    activity = np.empty(n, dtype=object)
    couple = np.zeros(n, dtype=bool)
    school = np.full(n, "inconnue", dtype=object)
    isolated = np.zeros(n, dtype=bool)

    household_of, applicant_of = [], []
    for h, profile in enumerate(profiles):
        applicant_of.append(len(household_of))
        count = 1 + (profile["partner"] is not None) + len(profile["children"])
        household_of += [h] * count
    for i, (kind, person) in enumerate(persons):
        profile = profiles[household_of[i]]
        birth[i] = _birth_date(period, person["age"])
        if kind == "child":
            activity[i] = "etudiant" if person["age"] >= 6 else "inactif"
            school[i] = SCHOOL_TO_OPENFISCA.get(person.get("school") or "",
                                                _school_from_age(person["age"]))
            if person.get("disability"):
                # AEEH base: a child with a disability rate of 80 % or more (the MDPH decides).
                disability[i] = 0.8
            continue
        income = person["income"]
        salary[i], unemployment[i] = income["salary"], income["unemployment"]
        pension[i], other[i] = income["pension"], income["other"]
        if i == applicant_of[household_of[i]]:
            other[i] += profile["alimony"]["received"]
            isolated[i] = profile["partner"] is None and person.get("separated_recently", False)
        disability[i] = person["disability_rate"] / 100
        pregnant[i] = person["pregnant"]
        couple[i] = profile["partner"] is not None
        if person["student"]:
            activity[i] = "etudiant"
            school[i] = "enseignement_superieur"  # the bourse sur critères sociaux reads it
        elif person.get("job_seeker"):
            activity[i] = "chomeur"
        elif salary[i] > 0:
            activity[i] = "actif"
        elif unemployment[i] > 0:
            activity[i] = "chomeur"
        elif pension[i] > 0:
            activity[i] = "retraite"
        else:
            activity[i] = "inactif"

    depcom = np.array([p["commune"] for p in profiles], dtype="U5")
    rent = np.array([p["housing"]["rent"] for p in profiles], dtype=float)
    status = np.array(
        [HOUSING_STATUS_TO_OPENFISCA[p["housing"]["status"]] for p in profiles], dtype=object
    )
    alsace_moselle = np.array(
        [p["commune"][:2] in ALSACE_MOSELLE_DEPARTMENTS for p in profiles]
    )[np.array(household_of, dtype=int)]
    marital = np.where(couple, "marie", "celibataire").astype(object)

    sim.set_input("date_naissance", "ETERNITY", birth)
    tbs = sim.tax_benefit_system
    bases = replacement_incomes(tbs, period, profiles, household_of, persons,
                                salary, unemployment, pension, other)
    school_enum = tbs.variables["scolarite"].possible_values
    school_values = np.array([school_enum[v].index for v in school])
    # rsa_isolement_recent is a famille variable: one value per household, from its applicant.
    isolated_famille = isolated[np.array(applicant_of, dtype=int)]
    no_isolation = np.zeros(len(profiles), dtype=bool)
    activity_enum = tbs.variables["activite"].possible_values
    marital_enum = tbs.variables["statut_marital"].possible_values
    housing_enum = tbs.variables["statut_occupation_logement"].possible_values
    activity_values = np.array([activity_enum[a].index for a in activity])
    marital_values = np.array([marital_enum[m].index for m in marital])
    status_values = np.array([housing_enum[s].index for s in status])

    # Visale and Loca-Pass are for a rental one is about to enter: we model "your next home"
    # (entry next month); only those two variables (and mon_job_mon_logement) read it.
    year, month_number = int(period[:4]), int(period[5:7])
    next_month = f"{year + month_number // 12:04d}-{month_number % 12 + 1:02d}-01"
    sim.set_input("date_entree_logement", period,
                  np.full(len(profiles), np.datetime64(next_month, "D")))
    months = months_to_feed(period)
    # Pregnancy is a current fact: set it for this month and the three before only.
    pregnant_months = set(months[months.index(period) - 3: months.index(period) + 1])
    not_pregnant = np.zeros(n, dtype=bool)
    for month in months:
        sim.set_input("salaire_net", month, salary)
        sim.set_input("salaire_imposable", month, salary * SALARY_TAXABLE_PER_NET)
        sim.set_input("salaire_de_base", month, salary / SALARY_NET_PER_GROSS)
        sim.set_input("retraite_brute", month, bases["pension_gross"])
        sim.set_input("chomage_net", month, unemployment)
        sim.set_input("chomage_brut", month, bases["unemployment_gross"])
        sim.set_input("chomage_imposable", month, bases["unemployment_taxable"])
        sim.set_input("retraite_nette", month, pension)
        sim.set_input("retraite_imposable", month, bases["pension_taxable"])
        sim.set_input("scolarite", month, _enum_array(school_enum, school_values))
        sim.set_input("pensions_alimentaires_percues", month, other)
        sim.set_input("activite", month, _enum_array(activity_enum, activity_values))
        sim.set_input("statut_marital", month, _enum_array(marital_enum, marital_values))
        sim.set_input("taux_incapacite", month, disability)
        sim.set_input("handicap", month, disability >= 0.8)
        # A separation is a current fact (isolement of less than 18 months): this year only.
        sim.set_input("rsa_isolement_recent", month,
                      isolated_famille if month[:4] == period[:4] else no_isolation)
        sim.set_input("salarie_regime_alsace_moselle", month, alsace_moselle)
        sim.set_input("enceinte", month, pregnant if month in pregnant_months else not_pregnant)
        sim.set_input("depcom", month, depcom)
        sim.set_input("statut_occupation_logement", month,
                      _enum_array(housing_enum, status_values))
        sim.set_input("loyer", month, rent)


def _school_from_age(age: int) -> str:
    """School level when the profile does not say it: the usual level for the age."""
    if 3 <= age <= 5:
        return "maternelle"
    if 6 <= age <= 10:
        return "primaire"
    if 11 <= age <= 14:
        return "college"
    if 15 <= age <= 17:
        return "lycee"
    return "inconnue"


def tax_parts(profile: dict) -> float:
    """Quotient familial parts of the household's (single, joint) tax return."""
    parts = 2.0 if profile["partner"] is not None else 1.0
    n = len(profile["children"])
    parts += 0.5 * min(n, 2) + 1.0 * max(n - 2, 0)
    if profile["partner"] is None and n:
        parts += 0.5  # parent isolé (case T)
    return parts


def replacement_incomes(tbs, period, profiles, household_of, persons,
                        salary, unemployment, pension, other) -> dict:
    """Gross and taxable unemployment benefit and pension from the NET amounts people give.

    The CSG rate of replacement incomes depends on the revenu fiscal de référence N-2 and the
    tax parts (OpenFisca's thresholds ``csg.remplacement.seuils``): exempt, reduced, median
    (pensions) or full; CRDS (and CASA on pensions at the median and full rates) follow.
    Incomes being stable since N-2, the RFR is estimated from this year's taxable incomes
    (less the 10 % allowance); the rate is found in two passes (taxable amounts depend on it).
    Unemployment benefit keeps OpenFisca's SMIC floor: no CSG/CRDS is withheld that would bring
    activity income plus the benefit below the gross SMIC, so a net amount below it is gross.
    The unemployment insurance's 3 % pension contribution is not modelled (tax-deductible).
    """
    p = tbs.parameters(period)
    social = p.prelevements_sociaux.contributions_sociales
    seuils = social.csg.remplacement.seuils
    cho = social.csg.remplacement.allocations_chomage
    ret = social.csg.remplacement.pensions_retraite_invalidite
    crds = float(social.crds)
    casa = float(p.prelevements_sociaux.cotisations_securite_sociale_regime_general.casa
                 .pensions_retraite_preretraite_invalidite.rates[0])
    base_share = 1 - float(social.csg.activite.abattement.rates[0])  # 98.25 % base
    smic = p.marche_travail.salaire_minimum.smic
    floor = float(cho.min_exo) * float(smic.nb_heures_travail_mensuel) * float(smic.smic_b_horaire)

    n_households = len(profiles)
    index = np.array(household_of, dtype=int)
    parts = np.array([tax_parts(pr) for pr in profiles])[index]
    limits = [
        float(seuils.seuil_rfr1.seuil_rfr1) + (parts - 1) * 2 * float(seuils.seuil_rfr1.demi_part_suppl_rfr1),
        float(seuils.seuil_rfr2.seuil_rfr2) + (parts - 1) * 2 * float(seuils.seuil_rfr2.demi_part_suppl_rfr2),
        float(seuils.seuil_rfr3.seuil_rfr3) + (parts - 1) * 2 * float(seuils.seuil_rfr3.demi_part_suppl_rfr3),
    ]
    # Rates by band: 0 exempt, 1 reduced, 2 median (pensions; full for unemployment), 3 full.
    cho_ded = np.array([0, cho.deductible.taux_reduit, cho.deductible.taux_plein,
                        cho.deductible.taux_plein], dtype=float)
    cho_all = np.array([0, cho.deductible.taux_reduit + cho.imposable.taux_reduit + crds,
                        cho.deductible.taux_plein + cho.imposable.taux_plein + crds,
                        cho.deductible.taux_plein + cho.imposable.taux_plein + crds],
                       dtype=float) * base_share
    ret_ded = np.array([0, ret.deductible.taux_reduit, ret.deductible.taux_median,
                        ret.deductible.taux_plein], dtype=float)
    ret_all = np.array([0, ret.deductible.taux_reduit + ret.imposable.taux_reduit + crds,
                        ret.deductible.taux_median + ret.imposable.taux_median + crds + casa,
                        ret.deductible.taux_plein + ret.imposable.taux_plein + crds + casa],
                       dtype=float)
    below_floor = unemployment + salary < floor

    def bases(band):
        cho_band = np.where(below_floor, 0, band)
        u_gross = unemployment / (1 - cho_all[cho_band])
        u_taxable = u_gross * (1 - cho_ded[cho_band] * base_share)
        p_gross = pension / (1 - ret_all[band])
        p_taxable = p_gross * (1 - ret_ded[band])
        return u_gross, u_taxable, p_gross, p_taxable

    band = np.zeros(len(persons), dtype=int)
    for _ in range(2):
        u_gross, u_taxable, p_gross, p_taxable = bases(band)
        taxable = (salary * SALARY_TAXABLE_PER_NET + u_taxable + p_taxable + other) * 12
        rfr = np.zeros(n_households)
        np.add.at(rfr, index, taxable * (1 - TAX_ALLOWANCE))
        rfr = rfr[index]
        band = np.select([rfr <= limits[0], rfr <= limits[1], rfr <= limits[2]], [0, 1, 2], 3)
    u_gross, u_taxable, p_gross, p_taxable = bases(band)
    return {"unemployment_gross": u_gross, "unemployment_taxable": u_taxable,
            "pension_gross": p_gross, "pension_taxable": p_taxable, "band": band}


def _enum_array(enum, indices):
    from openfisca_core.indexed_enums import EnumArray

    return EnumArray(np.asarray(indices, dtype=np.int16), enum)
