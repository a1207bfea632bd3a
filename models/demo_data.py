"""A realistic, deterministic demo district shaped like Beijing's Pinggu (平谷区).

`generate_district(grids=3170)` gives Pinggu's shape: 1 district, 16 towns/streets, about 320
villages/communities (about 10 micro-grids each, varying) and exactly 3,170 micro-grids, which
sit directly under their community (the grid level is skipped). The default (8 grids) is
2 towns × 2 communities × 2 grids. Codes are `PG`, `PG-TT`, `PG-TT-CCC`, `PG-TT-CCC-GG`.

Staff: one person per staffed node, numbered 1-based in code order within each role. Phones are
"138" + the last 8 digits of the telegram id; usernames are pinyin + "_" + the lower-case key.

| role              | held on           | key          | telegram id                   |
|-------------------|-------------------|--------------|-------------------------------|
| district_official | PG                | D0001        | 900000001                     |
| town_admin        | each town         | T0001, …     | 910000000 + town number       |
| community_admin   | each community    | C0001, …     | 920000000 + community number  |
| grid_worker       | each micro-grid   | W0001, …     | 930000000 + grid number       |

So the worker of PG-01-001-01 is W0001 with telegram id 930000001 and phone 13830000001, and
the admin of PG-01 is T0001 with 910000001. `seed` picks the names; it changes the shape only
where a level averages 5 or more children (communities per town, grids per community).
"""

from __future__ import annotations

import math
import random
from typing import ClassVar

from models.demo_names import DISTRICT, TOWNS, community_names, is_street, person_name
from models.people import RoleKind
from models.tree import Level
from models.treefile_rows import NodeRow, StaffRow

TELEGRAM_BASE = {
    RoleKind.district_official: 900_000_000,
    RoleKind.town_admin: 910_000_000,
    RoleKind.community_admin: 920_000_000,
    RoleKind.grid_worker: 930_000_000,
}
KEY_PREFIX = {
    RoleKind.district_official: "D",
    RoleKind.town_admin: "T",
    RoleKind.community_admin: "C",
    RoleKind.grid_worker: "W",
}


def generate_district(grids: int = 8, seed: int = 7) -> tuple[list[NodeRow], list[StaffRow]]:
    """Nodes parent-first and staff in node-code order; line numbers are those of write_csv."""
    if grids < 1:
        raise ValueError("a district needs at least one grid")
    rng = random.Random(seed)
    communities = round(grids / 10) if grids >= 40 else max(1, grids // 2)
    towns = min(len(TOWNS), communities, max(1, math.ceil(communities / 2)))
    per_town = split(communities, towns, rng)
    per_community = split(grids, communities, rng)
    builder = _Builder(rng)
    builder.node(DISTRICT[0], DISTRICT[1], Level.district, None)
    street_names = 0
    for t, town in enumerate(TOWNS[:towns], start=1):
        town_code = builder.node(f"PG-{t:02d}", town, Level.town, DISTRICT[0])
        street = is_street(town)
        names = community_names(street, per_town[t - 1], street_names, rng)
        street_names += len(names) if street else 0
        for c, name in enumerate(names, start=1):
            code = builder.node(f"{town_code}-{c:03d}", name, Level.community, town_code)
            builder.grids(code, per_community[builder.counts[Level.community] - 1], street)
    return builder.finish()


def split(total: int, parts: int, rng: random.Random) -> list[int]:
    """`total` in `parts` positive shares, varying ±40% when the average is 5 or more."""
    spread = 0.4 if total >= 5 * parts else 0.0
    weights = [1 + rng.uniform(-spread, spread) for _ in range(parts)]
    scale = (total - parts) / sum(weights)
    counts = [1 + int(w * scale) for w in weights]
    by_remainder = sorted(range(parts), key=lambda i: (weights[i] * scale) % 1, reverse=True)
    for i in by_remainder[: total - sum(counts)]:
        counts[i] += 1
    return counts


class _Builder:
    """Collects nodes and gives each staffed node its person, numbering both in code order."""

    STAFFED: ClassVar[dict[Level, RoleKind]] = {
        Level.district: RoleKind.district_official,
        Level.town: RoleKind.town_admin,
        Level.community: RoleKind.community_admin,
        Level.micro_grid: RoleKind.grid_worker,
    }

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.nodes: list[NodeRow] = []
        self.staff: list[tuple[str, RoleKind, int]] = []  # node code, role, 1-based number
        self.counts = dict.fromkeys(Level, 0)

    def node(self, code: str, name: str, level: Level, parent: str | None) -> str:
        self.nodes.append(NodeRow(len(self.nodes) + 2, code, name, level, parent))
        self.counts[level] += 1
        self.staff.append((code, self.STAFFED[level], self.counts[level]))
        return code

    def grids(self, community: str, count: int, street: bool) -> None:
        building = 1
        for g in range(1, count + 1):
            if street:
                span = self.rng.randint(2, 4)
                name = f"{building}-{building + span - 1}号楼网格"
                building += span
            else:
                name = f"第{g}网格"
            self.node(f"{community}-{g:02d}", name, Level.micro_grid, community)

    def finish(self) -> tuple[list[NodeRow], list[StaffRow]]:
        first = len(self.nodes) + 2
        staff = [
            staff_member(first + i, code, role, number, self.rng)
            for i, (code, role, number) in enumerate(self.staff)
        ]
        return self.nodes, staff


def staff_member(
    line: int, node: str, role: RoleKind, number: int, rng: random.Random
) -> StaffRow:
    name, pinyin = person_name(rng)
    key = f"{KEY_PREFIX[role]}{number:04d}"
    telegram_id = TELEGRAM_BASE[role] + number
    phone = f"138{telegram_id % 10**8:08d}"
    return StaffRow(line, key, name, role, node, phone, telegram_id, f"{pinyin}_{key.lower()}")
