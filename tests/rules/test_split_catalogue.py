"""The catalogue cut in two for two worker processes, and their results put back together."""

from __future__ import annotations

from rules.catalogue import load_catalogue
from rules.engine import SEPARATE, merge_results, split_catalogue


def test_the_heavy_benefits_get_a_worker_of_their_own_and_nothing_is_lost():
    catalogue = load_catalogue()
    heavy, rest = split_catalogue(catalogue, 2)
    assert {b.id for b in heavy} == SEPARATE
    assert sorted(b.id for b in heavy + rest) == sorted(b.id for b in catalogue)
    assert split_catalogue(catalogue, 1) == [catalogue]
    # A catalogue without them (another deployment's) is not cut: one part would be empty.
    others = [b for b in catalogue if b.id not in SEPARATE]
    assert split_catalogue(others, 2) == [others]


def test_merged_results_follow_the_catalogue_order_and_keep_a_part_s_error():
    order = ["aah", "css", "rsa"]
    css = [{"period": "2026-11", "engine": {}, "benefits": [{"id": "css"}]},
           {"period": "2026-11", "engine": {}, "benefits": [{"id": "css"}]}]
    rest = [{"period": "2026-11", "engine": {}, "benefits": [{"id": "aah"}, {"id": "rsa"}]},
            {"error": "computation failed: boom"}]
    first, second = merge_results([css, rest], order)
    assert [b["id"] for b in first["benefits"]] == order
    assert first["period"] == "2026-11"
    assert second == {"error": "computation failed: boom"}
