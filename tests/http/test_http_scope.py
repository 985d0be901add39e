"""Region scoping over HTTP: a record outside the user's part of the region tree answers exactly
like a record that does not exist, and every full read of a household is audited."""
from __future__ import annotations

from urllib.parse import unquote, urlsplit

import pytest

from http_support import (audit_rows, build_scene, login, signed_in, text_of,
                          without_csrf_tokens)

MISSING_ID = 987654


@pytest.fixture
def scene(app):
    return build_scene()


@pytest.fixture
def as_user(app, scene):
    """A logged-in client for one of the factory users."""
    return lambda name: signed_in(app, name)


def _not_found_page(response) -> str:
    assert response.status_code == 404
    html = text_of(response)
    assert "没有找到您要的内容" in html
    return without_csrf_tokens(html)


# --- out of scope is indistinguishable from missing --------------------------------------------

def test_household_of_another_village_is_404_like_a_missing_one(as_user, scene):
    client = as_user("village_a")

    foreign = client.get(f"/households/{scene.household_b}")
    missing = client.get(f"/households/{MISSING_ID}")

    # Same status and same page, so ids cannot be probed for existence.
    assert _not_found_page(foreign) == _not_found_page(missing)
    assert scene.id_number_b not in text_of(foreign)
    assert "石门村" not in text_of(foreign)


def test_case_of_another_village_is_404_like_a_missing_one(as_user, scene):
    client = as_user("village_a")

    foreign = client.get(f"/cases/{scene.case_b}")
    missing = client.get(f"/cases/{MISSING_ID}")

    assert _not_found_page(foreign) == _not_found_page(missing)


def test_out_of_scope_attempts_are_not_logged_as_reads(as_user, scene):
    client = as_user("village_a")

    client.get(f"/households/{scene.household_b}")
    client.get(f"/cases/{scene.case_b}")

    assert audit_rows(action="read") == []


def test_own_case_is_visible(as_user, scene):
    """The positive case for the 404s above: the page itself works."""
    response = as_user("village_a").get(f"/cases/{scene.case_a}")

    assert response.status_code == 200
    assert "家里有人生病" in text_of(response)
    [row] = audit_rows(action="read", object_type="case")
    assert row.object_id == str(scene.case_a)


# --- a full read shows everything and is audited ----------------------------------------------

def test_own_household_shows_the_full_id_number_and_is_audited(as_user, scene):
    village_a = scene.user_ids["village_a"]

    response = as_user("village_a").get(f"/households/{scene.household_a}")

    assert response.status_code == 200
    assert scene.id_number_a in text_of(response)
    reads = audit_rows(action="read", object_type="household")
    assert [(r.user_id, r.role, r.object_id) for r in reads] == [
        (village_a, "village_staff", str(scene.household_a))]
    # The audit log must not become a second copy of the personal data it protects.
    for row in audit_rows():
        assert scene.id_number_a not in (row.detail or "")
        assert scene.id_number_a[-6:] not in (row.detail or "")


def test_every_view_of_a_household_is_a_separate_audit_entry(as_user, scene):
    client = as_user("village_a")

    client.get(f"/households/{scene.household_a}")
    client.get(f"/households/{scene.household_a}")

    assert len(audit_rows(action="read", object_type="household")) == 2


def test_county_user_sees_both_villages(as_user, scene):
    client = as_user("county")

    for household_id, id_number in ((scene.household_a, scene.id_number_a),
                                    (scene.household_b, scene.id_number_b)):
        response = client.get(f"/households/{household_id}")
        assert response.status_code == 200
        assert id_number in text_of(response)
    assert client.get(f"/cases/{scene.case_a}").status_code == 200
    assert client.get(f"/cases/{scene.case_b}").status_code == 200


def test_village_b_staff_cannot_see_village_a(as_user, scene):
    client = as_user("village_b")

    assert client.get(f"/households/{scene.household_b}").status_code == 200
    assert client.get(f"/households/{scene.household_a}").status_code == 404
    assert client.get(f"/cases/{scene.case_a}").status_code == 404


def test_grid_worker_is_confined_to_their_grid(as_user, scene):
    client = as_user("grid_a1")

    assert client.get(f"/households/{scene.household_a1}").status_code == 200
    # Same village, neighbouring grid.
    assert _not_found_page(client.get(f"/households/{scene.household_a2}")) == \
        _not_found_page(client.get(f"/households/{MISSING_ID}"))


# --- responses and redirects --------------------------------------------------------------------

@pytest.mark.parametrize("who,which,status", [
    ("village_a", "household_a", 200),
    ("village_a", "household_b", 404),
    ("village_a", "missing", 404),
    (None, "household_a", 302),
])
def test_household_responses_are_never_cached(app, scene, who, which, status):
    client = app.test_client()
    if who:
        login(client, who)
    household_id = MISSING_ID if which == "missing" else getattr(scene, which)

    response = client.get(f"/households/{household_id}")

    assert response.status_code == status
    assert response.mimetype == "text/html"
    assert response.headers["Cache-Control"] == "no-store"


def test_id_numbers_never_appear_in_redirect_urls(app, scene):
    """Addresses end up in browser history, proxy logs and WeChat's share previews."""
    client = app.test_client()
    locations = []

    def visit(response):
        if response.status_code in (301, 302, 303, 307, 308):
            locations.append(response.headers["Location"])
        return response

    page = f"/households/{scene.household_a}"
    visit(client.get(page))
    # Someone types an ID number instead of a login name.
    visit(client.post("/login?next=" + page,
                      data={"login": scene.id_number_a, "password": "x" * 10}))
    visit(login(client, "village_a", next_url=page))
    assert visit(client.get(page)).status_code == 200
    visit(client.get(f"/households/{scene.household_b}"))
    visit(client.get(f"/cases/{scene.case_a}"))
    visit(client.post("/logout"))
    visit(client.get(f"/cases/{scene.case_a}"))

    # The walk did go through the redirects it is meant to check.
    assert [urlsplit(loc).path for loc in locations] == [
        "/login", page, "/login", "/login"]
    for location in locations:
        decoded = unquote(unquote(location)).upper()
        for id_number in (scene.id_number_a, scene.id_number_b):
            assert id_number.upper() not in decoded
