"""Finding the county and the village in a node's path, whatever lies above the county."""
from __future__ import annotations

from models.region import county_id_in, from_village_in, village_id_in

COUNTY_TREE = [1, 7, 42, 99]                 # county / township / village / grid
PROVINCE_TREE = [500, 600] + COUNTY_TREE      # province / city / the same county below


def test_the_county_is_found_counting_from_the_end():
    for path in (COUNTY_TREE, PROVINCE_TREE):
        assert county_id_in(path, "grid") == 1
        assert county_id_in(path[:-1], "village") == 1
        assert county_id_in(path[:-3], "county") == 1
    assert county_id_in([500, 600], "city") is None
    assert county_id_in([500], "province") is None


def test_the_village_and_grid_name_a_place():
    for path in (COUNTY_TREE, PROVINCE_TREE):
        assert from_village_in(path, "grid") == [42, 99]
        assert from_village_in(path[:-1], "village") == [42]
        assert village_id_in(path, "grid") == 42
    assert from_village_in(PROVINCE_TREE[:-2], "township") == []
    assert village_id_in(PROVINCE_TREE[:-2], "township") is None
