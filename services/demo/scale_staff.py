"""Staff accounts of ``flask seed-scale``: someone at every node of the tree, with predictable
usernames and one shared password, usable at once.

- ``s-admin`` (administrator) and ``s-province`` at the top; ``s-city-<c>`` per city;
- ``s-county-<k>`` (县级) and ``s-dept-<k>`` (民政 officer) per county, ``k`` counted from 1;
- ``s-township-<k>-<t>``, ``s-village-<k>-<t>-<v>``, ``s-grid-<k>-<t>-<v>-<g>`` and three pair
  cadres ``s-cadre-<k>-<t>-<v>-<n>`` per village, numbered from 1 within their parent.

The password is hashed once (hashing is deliberately slow) and the hash shared by every account;
``password_changed_at`` is now and no change is forced, so each account logs in straight away.
Village staff and grid workers have phone numbers (``171…``, a range the members' ``170…`` never
use), as the policy page lists them as contacts.
"""
from __future__ import annotations

import random
from datetime import datetime

from flask import current_app
from werkzeug.security import generate_password_hash

from domain.enums import Department, RegionLevel, Role
from models import User
from models.personal import PHONE, blind_index
from models.user import new_session_token
from services.demo import scale_names
from services.demo.scale_common import Ids
from services.demo.scale_regions import Tree

CADRES_PER_VILLAGE = 3
STAFF_PHONE_PREFIX = "171"


class _Accounts:
    def __init__(self, rng: random.Random, ids: Ids, password_hash: str, now: datetime):
        self.rng, self.ids, self.hash, self.now = rng, ids, password_hash, now
        self.rows: list[dict] = []
        self.phones = 0

    def add(self, username: str, title: str, role: Role, region_id: int, *, department: str | None = None,
            with_phone: bool = False) -> int:
        user_id = self.ids.take(User.__table__)
        male = self.rng.random() < 0.6
        phone = None
        if with_phone:
            self.phones += 1
            phone = f"{STAFF_PHONE_PREFIX}{self.phones:08d}"
        self.rows.append({
            "id": user_id, "username": username, "full_name": f"{title} {scale_names.person(self.rng, male)}",
            "password_hash": self.hash, "role": role.value, "region_id": region_id, "department": department,
            "head_title": None, "active": True, "phone_enc": phone,
            "phone_index": blind_index(PHONE, phone) if phone else None,
            "session_token": new_session_token(), "created_at": self.now, "last_login_at": None,
            "failed_logins": 0, "locked_until": None, "must_change_password": False,
            "password_changed_at": self.now})
        return user_id


def hash_password(password: str) -> str:
    """The one hash every account shares, made the way ``services.accounts.users`` makes them."""
    return generate_password_hash(password, method=current_app.config["SHOUDI_PASSWORD_HASH"])


def build_staff(tree: Tree, rng: random.Random, ids: Ids, password_hash: str, now: datetime) -> list[dict]:
    """The account rows (not yet written); each node of ``tree`` learns its people's ids."""
    accounts = _Accounts(rng, ids, password_hash, now)
    top = tree.above[0] if tree.above else None
    accounts.add("s-admin", "系统管理员", Role.ADMIN, tree.top_id)
    for node in tree.above:
        if node.level is RegionLevel.PROVINCE:
            accounts.add("s-province", f"{node.name}乡村振兴局", Role.PROVINCE_STAFF, node.id)
    for c, city in enumerate((n for n in tree.above if n is not top), start=1):
        accounts.add(f"s-city-{c}", f"{city.name}乡村振兴局", Role.CITY_STAFF, city.id)
    for county in tree.counties:
        k = county.number
        county.staff_id = accounts.add(f"s-county-{k}", f"{county.name}乡村振兴局", Role.COUNTY_STAFF, county.id)
        county.department_id = accounts.add(f"s-dept-{k}", f"{county.name}民政局", Role.DEPARTMENT, county.id,
                                            department=Department.CIVIL_AFFAIRS.value)
        for township in county.townships:
            t = f"{k}-{township.number}"
            township.staff_id = accounts.add(f"s-township-{t}", f"{township.name}工作站", Role.TOWNSHIP_STAFF,
                                             township.id)
            for village in township.villages:
                v = f"{t}-{village.number}"
                village.staff_id = accounts.add(f"s-village-{v}", f"{village.name}村委", Role.VILLAGE_STAFF,
                                                village.id, with_phone=True)
                village.cadre_ids = [accounts.add(f"s-cadre-{v}-{n}", "结对帮扶干部", Role.PAIR_CADRE, village.id)
                                     for n in range(1, CADRES_PER_VILLAGE + 1)]
                for grid in village.grids:
                    grid.worker_id = accounts.add(f"s-grid-{v}-{grid.number}", f"{village.name}网格员",
                                                  Role.GRID_WORKER, grid.id, with_phone=True)
    return accounts.rows
