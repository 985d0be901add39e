"""The household list counts no further than a limit, so a county's list costs a village's."""
from datetime import date

from factories import build_world, household
from services.households import register_list

TODAY = date(2026, 11, 20)


def test_the_list_counts_up_to_the_limit_and_says_there_are_more(app, monkeypatch):
    world = build_world()
    for _ in range(5):
        household(world.village_a, TODAY)
    county = world.users["county"]
    filters = register_list.Filters()

    whole = register_list.register_page(county, filters, TODAY)
    assert (whole.total, whole.more) == (5, False)

    monkeypatch.setattr(register_list, "COUNT_LIMIT", 3)
    monkeypatch.setattr(register_list, "PAGE_SIZE", 2)
    bounded = register_list.register_page(county, filters, TODAY)
    assert (bounded.total, bounded.more, bounded.pages) == (3, True, 2)
    last = register_list.register_page(county, filters, TODAY, page=2)
    assert [r.id for r in last.rows] == [r.id for r in whole.rows][2:4]

    monkeypatch.setattr(register_list, "COUNT_LIMIT", 5)
    exact = register_list.register_page(county, filters, TODAY)
    assert (exact.total, exact.more) == (5, False)
