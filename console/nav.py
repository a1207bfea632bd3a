"""The navigation bar: the one list of the console's pages, in the order shown.

A page module adds its entry here when its routes exist (no link to a page not yet built):
`NavEntry("/tickets", "工单")`. `active` matches the entry whose path starts the URL.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class NavEntry:
    path: str
    label: str

    def active(self, request_path: str) -> bool:
        if self.path == "/":
            return request_path == "/"
        return request_path == self.path or request_path.startswith(self.path + "/")


# 总览 / 网格 / 工单 / 群发 / 寻人 / 人口统计: add each page's entry when it lands.
NAV: tuple[NavEntry, ...] = (
    NavEntry("/", "总览"),
    NavEntry("/grid", "网格"),
    NavEntry("/tickets", "工单"),
    NavEntry("/broadcasts", "群发"),
    NavEntry("/alerts", "寻人"),
    NavEntry("/headcount", "人口统计"),
)
