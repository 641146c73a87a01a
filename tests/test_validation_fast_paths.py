"""The validation fast paths (gkspider/validation/rules.py) against the plain computations they stand in for: the
same answers on random input. Both sides are computed here; nothing is stored."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from gkspider.validation import rules
from tests.corpus.synthetic import random_tables

# ---------------------------------------------------------------- tables

_ODD_VALUES = [None, True, False, "3", 3.0, -1, 0, 1, 10**20, [], {}]


@st.composite
def _tables(draw: st.DrawFn) -> dict:
    """A valid pair of tables (every sum holds), then a few random edits: changed, odd, removed or added cells and
    rows. About half are left as they are, so that both the fast paths and the rules are taken."""
    rng = random.Random(draw(st.integers(0, 2**32)))
    tables = random_tables(rng, draw(st.sampled_from(["2019", "2021"])))
    for _ in range(draw(st.sampled_from([0, 0, 0, 1, 1, 2, 4]))):
        name = draw(st.sampled_from(["applications", "reviews"]))
        table = tables[name]
        if not table:
            continue
        row = draw(st.sampled_from(sorted(table)))
        op = draw(st.integers(0, 5))
        cells = table[row]
        if not isinstance(cells, dict) or not cells:
            op = 3
        col = draw(st.sampled_from(sorted(cells))) if op < 3 else None
        if op == 0:
            cells[col] = draw(st.sampled_from(_ODD_VALUES))
        elif op == 1 and cells[col].__class__ is int:
            cells[col] += draw(st.sampled_from([-2, -1, 1]))
        elif op == 2:
            del cells[col]
        elif op == 3:
            del table[row]
        elif op == 4:
            table[row] = draw(st.sampled_from([None, [], {}, 5]))
        else:
            table[draw(st.sampled_from(["other", "other_misc", "zzz"]))] = {c: 1 for c in rules.APPLICATION_COLUMNS}
    return tables


def _plain_int_grid(table: dict) -> dict:
    return {row: {c: v for c, v in cells.items() if v.__class__ is int} for row, cells in table.items() if cells.__class__ is dict}


@settings(max_examples=500, deadline=None)
@given(_tables())
def test_integer_grids_are_the_filtered_tables(tables: dict) -> None:
    for table in tables.values():
        assert rules._int_grid(table) == _plain_int_grid(table)


@settings(max_examples=1000, deadline=None)
@given(_tables(), st.sampled_from(["2019", "2021", None]))
def test_sum_rules_with_the_add_up_tests_are_the_rules_alone(tables: dict, template: str | None) -> None:
    item = {"tables": tables, "template": template}
    apps = tables["applications"]
    grid = _plain_int_grid(apps)
    outcome = rules._outcome_rows(apps, template)
    assert list(rules._check_applications(item)) == list(rules._application_sum_flags(apps, grid, outcome))
    reviews = _plain_int_grid(tables["reviews"])
    assert list(rules._check_reviews(item)) == list(rules._review_sum_flags(reviews))


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 2**32), st.sampled_from(["2019", "2021"]))
def test_valid_tables_take_the_add_up_tests(seed: int, template: str) -> None:
    """The fast paths are the usual case: a complete table that adds up passes them."""
    tables = random_tables(random.Random(seed), template)
    apps = tables["applications"]
    assert rules._applications_add_up(rules._int_grid(apps), rules._outcome_rows(apps, template))
    assert rules._reviews_add_up(rules._int_grid(tables["reviews"]))
