"""The demo's last scene: the day's work ends with the district's figures (/stats, /export)."""

from __future__ import annotations

from demo.runner import WAIT, Stage
from models.people import RoleKind


async def scene_day_figures(stage: Stage) -> None:
    """A work-log entry, then the district official reads today's figures, chart and export."""
    worker = stage.users["worker"]
    await stage.heading("网格员记一条工作日志")
    await stage.say(
        worker["id"], worker, "/log 入户走访独居老人张大爷，身体良好，已提醒冬季用电安全"
    )
    await stage.heading("区级干部查看今日数据：文字汇总，随后是图表")
    row = stage.staff_of("PG", RoleKind.district_official)  # in private chat since the broadcast
    assert row.telegram_id is not None
    official = {"id": row.telegram_id}
    await stage.say(official["id"], official, "/stats 今天")
    await stage.client.wait_for(official["id"], predicate=lambda m: m["photo"], timeout=WAIT)
    await stage.heading("导出本月工单明细（CSV，Excel 可直接打开）")
    await stage.say(official["id"], official, "/export 本月")
