"""Phone masking and the structured fields pulled out of missing-person messages."""

from __future__ import annotations

import pytest

from classify import Category, Details, default_classifier, extract_details, mask_phones, normalise


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("13812345678", "138****5678"),
        ("有看到的请联系13812345678，谢谢", "有看到的请联系138****5678，谢谢"),
        ("电话 138-1234-5678", "电话 138-****-5678"),
        ("+86 15011112222", "+86 150****2222"),
        ("１３８１２３４５６７８", "138****5678"),
        ("座机010-69961234", "座机010-69****34"),
        ("座机69961234", "座机69****34"),
        ("两个号：13812345678 和 13987654321", "两个号：138****5678 和 139****4321"),
        ("2023年12月5日 编号12345", "2023年12月5日 编号12345"),
        ("1381234567", "1381234567"),  # ten digits: not a mobile number
        ("138123456789", "138123456789"),  # twelve digits: not a mobile number either
    ],
)
def test_mask_phones(text: str, masked: str) -> None:
    assert mask_phones(text) == masked


def test_mask_phones_can_leave_landlines() -> None:
    assert mask_phones("010-69961234 13812345678", landlines=False) == "010-69961234 138****5678"


def details(text: str) -> Details:
    return extract_details(normalise(text), full=True)


def test_seed_report_message() -> None:
    found = details("十萬火急，我的家人今天中午12點離家，他沒帶手機，騎藍色自行車")
    assert found.times == ("今天中午12点",)
    assert found.vehicles == ("骑蓝色自行车",)


@pytest.mark.parametrize(
    ("text", "ages"),
    [
        ("李俊山，78岁，昨天走失", ("78岁",)),
        ("一位七十多岁的老爷子", ("七十多岁",)),
        ("八旬老人走失", ("八旬",)),
        ("孩子3岁半", ("3岁半",)),
        ("看着八十来岁", ("八十来岁",)),
    ],
)
def test_ages(text: str, ages: tuple[str, ...]) -> None:
    assert details(text).ages == ages


@pytest.mark.parametrize(
    ("text", "times"),
    [
        ("下午3点从菜市场走散的", ("下午3点",)),
        ("今天早上六点左右离家", ("今天早上六点左右",)),
        ("昨晚出门一直没回来", ("昨晚",)),
        ("凌晨五点多独自坐公交", ("凌晨五点多",)),
        ("早上出门买菜", ("早上",)),
        ("14:30在超市门口", ("14:30",)),
    ],
)
def test_times(text: str, times: tuple[str, ...]) -> None:
    assert details(text).times == times


def test_clothing_and_vehicles() -> None:
    found = details("我老公穿蓝色上衣，戴黑色帽子，开一辆白色面包车，车牌京A12345")
    assert found.clothing == ("穿蓝色上衣", "戴黑色帽子")
    assert found.vehicles == ("开一辆白色面包车", "车牌京A12345")
    assert details("骑黑色电动车，穿军绿色大衣").vehicles == ("骑黑色电动车",)
    assert details("穿过马路就不见了").clothing == ()  # 穿 without a garment


def test_classifier_fills_details_for_missing_persons() -> None:
    result = default_classifier().classify(
        "紧急寻人 张桂兰 82岁 穿黑色外套 今天早上六点离家 电话13812345678"
    )
    assert result.category is Category.MISSING_PERSON
    assert result.details.ages == ("82岁",)
    assert result.details.clothing == ("穿黑色外套",)
    assert result.details.times == ("今天早上六点",)
    assert result.details.phones == ("13812345678",)


def test_other_cases_get_phones_and_times_only() -> None:
    result = default_classifier().classify("今天早上停水了，80岁老人没水喝，电话13812345678")
    assert result.category is Category.REPAIR
    assert result.details.phones == ("13812345678",)
    assert result.details.times == ("今天早上",)
    assert result.details.ages == ()


def test_chatter_gets_no_details() -> None:
    assert not default_classifier().classify("收到 13812345678").details
