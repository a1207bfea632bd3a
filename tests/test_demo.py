"""`gridbot demo` as a newcomer sees it: never quiet for long, the same on every run, every tap
shown, no log lines, and it says where its database is kept."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

LONGEST_SILENCE = 5.0  # seconds
TICKER_LINE = re.compile(r"^  ….*（已运行 \d+ 秒）$")
LOG_LINE = re.compile(
    r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} |\b(DEBUG|INFO|WARNING|ERROR)\b|Traceback"
)


@dataclass
class Run:
    lines: list[str]  # stdout and stderr as they came
    transcript: list[str]  # without the "still working" lines of stderr
    longest_silence: float
    returncode: int


def play_demo(cwd: Path, *args: str) -> Run:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRIDBOT_")}
    process = subprocess.Popen(
        [sys.executable, "-u", "-m", "cli.main", "demo", *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    lines, last, longest = [], time.monotonic(), 0.0
    for line in process.stdout:
        now = time.monotonic()
        longest, last = max(longest, now - last), now
        lines.append(line.rstrip("\n"))
    returncode = process.wait(timeout=30)
    transcript = [line for line in lines if not TICKER_LINE.match(line)]
    return Run(lines, transcript, longest, returncode)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Run, Run, Path, Path]:
    first, second = tmp_path_factory.mktemp("first"), tmp_path_factory.mktemp("second")
    return play_demo(first), play_demo(second, "--discard"), first, second


def test_the_demo_plays_its_scenes(runs: tuple[Run, Run, Path, Path]) -> None:
    run = runs[0]
    assert run.returncode == 0, "\n".join(run.lines[-20:])
    out = "\n".join(run.transcript)
    assert "✅ 本群已绑定到：平谷区 › 滨河街道 › 府前社区" in out
    assert "抱歉，您没有绑定「PG-01-001-02」的权限" in out
    assert "这个绑定码已经使用过了" in out
    assert out.count("📍 本群位置") == 2  # before and after the supergroup migration
    assert "「我家厨房水管漏水了，楼下都湿了，电话138****5678」" in out
    assert "已由" in out and "接单，正在处理" in out
    assert "请对办理结果评价" in out
    assert out.count("⏫ 上报工单 #2") == 2  # community, then town
    assert "将发送到 平谷区 下的 2 个群" in out
    assert out.count("今冬供暖将于11月15日开始") >= 3  # the draft, the preview, and each group
    assert "已完成：送达 2，失败 0" in out
    assert "\n== demo finished\n" in out


def test_the_demo_is_never_silent_for_long(runs: tuple[Run, Run, Path, Path]) -> None:
    for run in runs[:2]:
        assert run.longest_silence < LONGEST_SILENCE


def test_every_tap_is_shown_before_what_it_causes(runs: tuple[Run, Run, Path, Path]) -> None:
    out = runs[0].transcript
    taps = [line for line in out if line.startswith("▶ ")]
    assert taps == [
        "▶ 网格员点击「接单」",
        "▶ 居民点击「满意」",
        "▶ 区级干部点击「✅ 选择此范围：平谷区」",
        "▶ 区级干部点击「立即发送」",
        "▶ 网格员点击「🚨 确认发布寻人启事」",
    ]
    claimed = next(i for i, line in enumerate(out) if "接单，正在处理" in line)
    assert out.index("▶ 网格员点击「接单」") < claimed
    sent = next(i for i, line in enumerate(out) if "已完成：送达 2" in line)
    assert out.index("▶ 区级干部点击「立即发送」") < sent


def test_each_chat_line_comes_under_its_own_heading(runs: tuple[Run, Run, Path, Path]) -> None:
    out = runs[0].transcript
    second_heading = out.index("--- 网格员私聊机器人，再在群里绑定网格 ---")
    welcomes = [i for i, line in enumerate(out) if "本群还没有绑定网格" in line]
    assert len(welcomes) == 3  # the two groups of the first step, a third one later
    assert welcomes[1] < second_heading


def test_no_log_line_reaches_the_transcript(runs: tuple[Run, Run, Path, Path]) -> None:
    for run in runs[:2]:
        assert [line for line in run.lines if LOG_LINE.search(line)] == []


def test_the_same_transcript_on_every_run(runs: tuple[Run, Run, Path, Path]) -> None:
    first, second, first_dir, second_dir = runs

    def masked(run: Run, folder: Path) -> list[str]:
        lines = [line.replace(str(folder.resolve()), "<dir>") for line in run.transcript]
        return lines[: lines.index("== demo finished") + 1]

    assert masked(first, first_dir) == masked(second, second_dir)


def test_the_demo_says_where_its_database_is_kept(runs: tuple[Run, Run, Path, Path]) -> None:
    first, second, first_dir, second_dir = runs
    kept = first_dir.resolve() / "gridbot-demo.db"
    assert f"== the demo database is kept: {kept} (log: gridbot-demo.log)" in first.transcript
    assert any("--discard" in line for line in first.transcript)
    assert kept.exists() and (first_dir / "gridbot-demo.log").exists()
    assert "== the demo database was deleted (--discard)" in second.transcript
    assert not (second_dir / "gridbot-demo.db").exists()
