"""The masking rules and the period's weeks, on their own (no database)."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime

from handoff.indicators import SECRET, SMALL, Cell, count_cell, over, protect, weeks_in
from handoff.retention import months_before


def test_counts_of_one_to_four_are_masked_zero_and_five_are_shown():
    assert [count_cell(v).text for v in (0, 1, 4, 5, 12345)] == [
        "0", SMALL, SMALL, "5", "12\u202f345"]
    assert count_cell(3).value is None  # a masked cell keeps no value to leak
    assert over(4, 9000, "€").text == SECRET and over(5, 9000, "€").text == "9\u202f000\u00a0€"
    assert Cell(1200, unit="€").csv == "1200" and Cell(None, SMALL).csv == "< 5"


def test_a_lone_small_cell_hides_the_smallest_other_one_too():
    assert protect([7, 6, 3]) == [None, SECRET, SMALL]
    assert protect([13, 3]) == [SECRET, SMALL]
    assert protect([6, 4, 1]) == [None, SMALL, SMALL]  # 4 + 1 = 5 splits several ways
    assert protect([3, 0, 0]) == [SMALL, None, None]  # the total (3) is hidden anyway
    assert protect([9, 8, 0]) == [None, None, None]


def test_hidden_cells_whose_sum_splits_only_one_way_hide_one_more():
    # 1 + 1 = 2 can only be two ones; 4 + 4 = 8 only two fours.
    assert protect([1, 1, 9, 12]) == [SMALL, SMALL, SECRET, None]
    assert protect([4, 4, 7]) == [SMALL, SMALL, SECRET]
    # 1 + 5 = 6 with « < 5 » and « secret » (5 or more) splits only as 1 + 5.
    assert protect([1, 5, 6, 9]) == [SMALL, SECRET, SECRET, None]


def brute_force_disclosed(values, masks) -> bool:
    """Whether an attacker who knows the total, the shown cells and the mask meanings can
    find a hidden cell: try every filling of the hidden cells."""
    hidden = [i for i, m in enumerate(masks) if m]
    if not hidden or sum(values) < 5:
        return False
    total = sum(values[i] for i in hidden)
    ranges = [range(1, 5) if masks[i] == SMALL else range(5, total + 1) for i in hidden]
    fillings = [f for f in itertools.product(*ranges) if sum(f) == total]
    return any(len({f[k] for f in fillings}) == 1 for k in range(len(hidden)))


def test_no_breakdown_of_small_tables_gives_a_hidden_cell_away():
    for values in itertools.product(range(0, 8), repeat=4):
        masks = protect(list(values))
        shown_left = [i for i, m in enumerate(masks) if m is None and values[i] > 0]
        if brute_force_disclosed(values, masks):
            assert not shown_left, (values, masks)  # only when nothing is left to hide


def test_a_week_belongs_to_the_period_of_its_thursday():
    assert weeks_in(date(2026, 1, 1), date(2026, 3, 31))[0] == "2026-W01"
    assert weeks_in(date(2026, 1, 1), date(2026, 3, 31))[-1] == "2026-W13"
    q1, q2 = weeks_in(date(2026, 1, 1), date(2026, 3, 31)), weeks_in(date(2026, 4, 1),
                                                                       date(2026, 6, 30))
    assert not set(q1) & set(q2) and q2[0] == "2026-W14"
    assert weeks_in(date(2026, 10, 1), date(2026, 11, 30)) == [
        f"2026-W{w}" for w in range(40, 49)]
    assert weeks_in(date(2026, 3, 2), date(2026, 3, 4)) == []  # no Thursday in it


def test_months_before_keeps_the_day_within_the_month():
    moment = datetime(2027, 3, 31, 10, tzinfo=UTC)
    assert months_before(moment, 1) == datetime(2027, 2, 28, 10, tzinfo=UTC)
    assert months_before(moment, 12) == datetime(2026, 3, 31, 10, tzinfo=UTC)
    assert months_before(datetime(2027, 1, 15, tzinfo=UTC), 13) == datetime(
        2025, 12, 15, tzinfo=UTC)
