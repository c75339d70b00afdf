"""Build the OpenFisca tax-benefit system: openfisca-france + openfisca-france-local.

Why not ``tbs.load_extension("openfisca_france_local")``: that loads every ``.py`` of the
extension, and ``epci_test_factory.py`` imports pandas at module level. openfisca-france-local
pins ``pandas<2``, and pandas 1.5 is not binary compatible with numpy 2 (which openfisca-core
accepts and pip installs), so the import crashes and the whole extension fails to load. That
file only defines a reform (not applied by default) that would create the
``menage_dans_epci_siren_*`` variables from an Excel file. So we load the extension's files
ourselves, skipping that one, and define the one EPCI membership variable we need (Eurométropole
de Strasbourg) from our own commune table (``rules/data/communes_ems.yaml``).

We also add ``passerelle_*`` variables for what OpenFisca-France has no single variable for
(see each class).
"""
from __future__ import annotations

import os
import warnings

import numpy as np

from .communes import EMS_INSEE_CODES, EMS_SIREN

SKIPPED_EXTENSION_FILES = {"epci_test_factory.py", "__init__.py"}
SKIPPED_EXTENSION_DIRS = {"parameters", "scripts", "__pycache__", "tests"}


def _ems_variable():
    from openfisca_france.model.base import MONTH, Menage, Variable

    codes = [c.encode() for c in EMS_INSEE_CODES]

    class ems(Variable):
        value_type = bool
        entity = Menage
        definition_period = MONTH
        label = "Ménage dans une commune de l'Eurométropole de Strasbourg"

        def formula(menage, period):
            depcom = menage("depcom", period)
            return np.isin(depcom, codes)

    ems.__name__ = f"menage_dans_epci_siren_{EMS_SIREN}"
    return ems


def _passerelle_variables():
    from openfisca_france.model.base import MONTH, Famille, Variable
    from openfisca_france.model.prestations.prestations_familiales.paje import (
        paje_naissance_adoption,
    )

    class passerelle_paje_prime_naissance(Variable):
        """Prime à la naissance for a pregnant parent, computed in the current month.

        OpenFisca pays ``paje_naissance`` in the month where a child of the famille is born two
        months later (7th month of pregnancy). Adding such an unborn child to the household
        would also count it in RSA, housing aid, etc. for the current month, so instead we reuse
        OpenFisca's own ceiling rule (``paje_naissance_adoption``) with one expected child when
        a parent is ``enceinte``. Twins are not modelled.
        """

        value_type = float
        entity = Famille
        definition_period = MONTH
        label = "Prime à la naissance attendue (parent enceinte)"

        def formula_2018_04_01(famille, period, parameters):
            enceinte = famille.any(famille.members("enceinte", period), role=Famille.PARENT)
            attendus = enceinte * 1
            af_nbenf = famille("af_nbenf", period)
            paje = parameters(period).prestations_sociales.prestations_familiales.petite_enfance.paje
            bmaf = parameters(period).prestations_sociales.prestations_familiales.bmaf.bmaf
            prime = round(100 * paje.paje_cm2.montant.prime_naissance * bmaf) / 100
            return paje_naissance_adoption(
                famille, parameters, period, af_nbenf + attendus, attendus, prime
            )

    return [passerelle_paje_prime_naissance]


# Variables that are zero for every household Passerelle can describe, and yet cost more than
# a third to a half of each computation: each depends on an input that no question asks and
# that rules/situation.py never sets, so its formula can only give its default. Neutralised
# (always their default, formula never run), 100 varied households went from 2.00 s to 1.31 s
# and a single one from 2.15 s to 1.01 s, with identical results for 300 households
# (`python -m bench neutral`); tests/rules/test_neutralised.py compares both systems and
# fails if the situation ever sets one of these inputs.
NEUTRALISED = {
    # Allocation de solidarité spécifique: only for whoever worked 5 of the last 10 years, an
    # input never asked (`ass_precondition_remplie`, default False). It was computed for every
    # household through the housing aid's and the RSA's resources: 12 months of resources.
    "ass": "ass_precondition_remplie",
    # Higher-education grant, counted in resources: only in a public or private school under
    # contract (`statuts_etablissement_scolaire`, default « inconnu »).
    "bourse_criteres_sociaux": "statuts_etablissement_scolaire",
    # Contributions relief of an intern: only with internship hours (`stage_duree_heures`).
    "exoneration_cotisations_salarie_stagiaire": "stage_duree_heures",
}


def build_tax_benefit_system(*, neutralise: bool = True):
    """Return a FranceTaxBenefitSystem with openfisca-france-local loaded (see module doc);
    `neutralise=False` keeps every formula of NEUTRALISED (to compare)."""
    import openfisca_france_local
    from openfisca_core.parameters import ParameterNode
    from openfisca_france import FranceTaxBenefitSystem

    tbs = FranceTaxBenefitSystem()
    root = openfisca_france_local.__path__[0]
    # The extension imports numpy.core.defchararray (deprecated in numpy 2): not our concern.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        for directory, subdirs, files in os.walk(root):
            subdirs[:] = sorted(d for d in subdirs if d not in SKIPPED_EXTENSION_DIRS)
            for name in sorted(files):
                if name.endswith(".py") and name not in SKIPPED_EXTENSION_FILES:
                    tbs.add_variables_from_file(os.path.join(directory, name))
    param_dir = os.path.join(root, "parameters")
    if os.path.isdir(param_dir):
        tbs.parameters.merge(ParameterNode(directory_path=param_dir))
    tbs.add_variable(_ems_variable())
    for variable in _passerelle_variables():
        tbs.add_variable(variable)
    if neutralise:
        for name in NEUTRALISED:
            tbs.neutralize_variable(name)
    return tbs


