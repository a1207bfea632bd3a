"""What a copy is made of, and what an edit does to it: plans on plain objects."""

from __future__ import annotations

import pytest

from broadcasts import BroadcastError, Button
from broadcasts.plans import Layout, copy_steps, edit_steps, moved_steps
from broadcasts.steps import Action, Step
from models.broadcasts import BroadcastKind, EditMode

READ = ((Button("已阅", "read", 7),),)
ALERT = Layout(BroadcastKind.alert, "AgACphoto", pin=True, buttons=())
LONG = "甲" * 3000 + "\n\n" + "乙" * 3000


def actions(steps: tuple[Step, ...]) -> list[tuple[Action, int]]:
    return [(s.action, s.message_id) for s in steps]


def test_an_alert_with_a_photo_is_the_photo_then_the_pinned_text() -> None:
    photo, text = copy_steps(ALERT, "🚨 寻人启事｜张大爷，78岁")
    assert (photo.action, photo.photo, photo.text, photo.pin) == (
        Action.send_photo,
        "AgACphoto",
        "寻人启事照片",
        False,
    )
    assert (text.action, text.pin) == (Action.send_text, True)
    assert text.text == "🚨 寻人启事｜张大爷，78岁"


def test_an_ordinary_photo_carries_the_text_head_and_the_pin() -> None:
    layout = Layout(BroadcastKind.message, "AgACphoto", pin=True, buttons=READ)
    steps = copy_steps(layout, "防汛通知\n\n" + "请远离河道。" * 1000)
    assert [s.action for s in steps] == [Action.send_photo, Action.send_text, Action.send_text]
    assert [s.pin for s in steps] == [True, False, False]
    assert [s.buttons for s in steps] == [(), (), READ]


def test_update_edits_the_text_and_keeps_photo_and_pin() -> None:
    steps = edit_steps(ALERT, EditMode.update, "最新情况：已在车站附近出现", [501, 502])
    assert actions(steps) == [(Action.edit_text, 502)]
    assert steps[0].text == "最新情况：已在车站附近出现"


def test_found_edits_the_text_deletes_the_photo_and_lifts_the_pin() -> None:
    edit, delete, unpin = edit_steps(ALERT, EditMode.found, "已找到，谢谢大家", [501, 502])
    assert actions((edit, delete, unpin)) == [
        (Action.edit_text, 502),
        (Action.delete, 501),
        (Action.unpin, 502),
    ]
    assert delete.fallback == Step(Action.edit_caption, "已找到，谢谢大家", message_id=501)


def test_a_lone_photo_can_only_change_its_caption() -> None:
    layout = Layout(BroadcastKind.message, "AgACphoto", pin=True, buttons=READ)
    for mode in EditMode:
        steps = edit_steps(layout, mode, "活动取消", [900])
        expected = [(Action.edit_caption, 900)]
        if mode is EditMode.found:
            expected.append((Action.unpin, 900))
        assert actions(steps) == expected
        assert steps[0].buttons == READ  # an edit keeps the copy's buttons


def test_a_shorter_text_deletes_the_parts_it_no_longer_needs() -> None:
    layout = Layout(BroadcastKind.message, None, pin=False, buttons=READ)
    assert len(copy_steps(layout, LONG)) == 2
    first, surplus = edit_steps(layout, EditMode.update, "改为一条短通知", [11, 12])
    assert (first.action, first.message_id, first.buttons) == (Action.edit_text, 11, READ)
    assert (surplus.action, surplus.message_id) == (Action.delete, 12)


def test_found_on_a_photo_with_text_parts_moves_the_whole_text_into_the_parts() -> None:
    layout = Layout(BroadcastKind.message, "AgACphoto", pin=True, buttons=())
    steps = edit_steps(layout, EditMode.found, "已找到", [21, 22])
    assert actions(steps) == [(Action.edit_text, 22), (Action.delete, 21), (Action.unpin, 21)]
    update = edit_steps(layout, EditMode.update, "更正：" + "请远离河道。" * 200, [21, 22])
    assert actions(update) == [(Action.edit_caption, 21), (Action.edit_text, 22)]


def test_a_text_the_copy_cannot_hold_is_refused() -> None:
    layout = Layout(BroadcastKind.message, None, pin=False, buttons=())
    with pytest.raises(BroadcastError, match="需要 2 条消息，原来只有 1 条"):
        edit_steps(layout, EditMode.update, LONG, [11])
    with pytest.raises(BroadcastError, match="不能为空"):
        edit_steps(layout, EditMode.update, "  ", [11])


def test_a_copy_left_in_a_groups_old_chat_gets_the_change_as_a_new_message() -> None:
    """A group that became a supergroup keeps no message ids: nothing there can be edited."""
    layout = Layout(BroadcastKind.alert, "AgACphoto", pin=True, buttons=READ)
    (found,) = moved_steps(layout, EditMode.found, "✅ 已找到，感谢大家")
    assert (found.action, found.photo, found.pin, found.buttons) == (
        Action.send_text,
        None,
        False,
        READ,
    )
    (update,) = moved_steps(layout, EditMode.update, "🚨 寻人启事（最新情况）")
    assert (update.action, update.pin) == (Action.send_text, True)  # still in force: pinned
