"""Eligibility rules: the benefit catalogue, the profile mapping and the OpenFisca evaluator."""
from .catalogue import Benefit, CatalogueError, load_catalogue
from .engine import RulesEngine
from .profile import ProfileError, validate_profile

__all__ = ["Benefit", "CatalogueError", "ProfileError", "RulesEngine", "load_catalogue",
           "validate_profile"]
