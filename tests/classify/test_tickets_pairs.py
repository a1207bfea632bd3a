"""Co-occurrence ("pairs") rules: format, validation, matching and the shipped families."""

from __future__ import annotations

from pathlib import Path

import pytest

from classify import (
    Category,
    Classifier,
    DictionaryError,
    Priority,
    dictionary_classifier,
    load_dictionary,
)

M, S, R, D, A, N = (
    Category.MISSING_PERSON,
    Category.SAFETY,
    Category.REPAIR,
    Category.DISPUTE,
    Category.ASSISTANCE,
    Category.NONE,
)
URGENT, HIGH, NORMAL = Priority.URGENT, Priority.HIGH, Priority.NORMAL

PAIRS = """
[common]
[[common.suppressors]]
name = "negation"
terms = ["没", "没有"]
before = 3
clause = true

[categories.safety]
priority = "high"
false_friends = ["睡着了"]
[categories.safety.terms]
"危险" = 2
[[categories.safety.pairs]]
name = "fire at a place"
first = ["锅", "厨房"]
second = ["着了", "冒烟"]
within = 4
weight = 4
boost = "urgent"
[[categories.safety.pairs]]
name = "boost only"
first = ["危险"]
second = ["小孩"]
boost = "urgent"

[categories.repair]
[categories.repair.terms]
"电梯" = 2
"充电桩" = 2
[[categories.repair.pairs]]
first = ["充电"]
second = ["楼道"]
weight = 4

[categories.assistance]
[categories.assistance.terms]
"帮忙" = 1
[[categories.assistance.pairs]]
first = ["没"]
second = ["药"]
within = 1
weight = 3
boost = "high"
"""


@pytest.fixture(scope="module")
def pairs(tmp_path_factory: pytest.TempPathFactory) -> Classifier:
    path = tmp_path_factory.mktemp("pairs") / "keywords.toml"
    path.write_text(PAIRS, encoding="utf-8")
    return Classifier.from_file(path)


def decide(classifier: Classifier, text: str) -> tuple[Category, Priority]:
    result = classifier.classify(text)
    return result.category, result.priority


def test_pair_scores_in_either_order_within_reach(pairs: Classifier) -> None:
    assert decide(pairs, "油锅着了") == (S, URGENT)
    assert decide(pairs, "冒烟了，是厨房") == (S, URGENT)
    assert pairs.classify("油锅着了").matched == ("锅+着了",)
    assert decide(pairs, "锅里炖的肉终于熟了，灶上的火着了") == (N, NORMAL)  # too far apart
    assert decide(pairs, "锅着了") == decide(pairs, "鍋著了")  # normalised like terms


def test_pair_never_crosses_a_sentence_end(pairs: Classifier) -> None:
    assert decide(pairs, "买了口锅。着了") == (N, NORMAL)


def test_pair_terms_alone_score_nothing(pairs: Classifier) -> None:
    assert decide(pairs, "新买的锅") == (N, NORMAL)
    assert decide(pairs, "着了") == (N, NORMAL)


def test_suppressors_cancel_pairs(pairs: Classifier) -> None:
    assert decide(pairs, "厨房没冒烟") == (N, NORMAL)


def test_the_partner_of_a_pair_does_not_suppress_it(pairs: Classifier) -> None:
    # "没" is a negation suppressor, but the rule pairs it with 药: 没药 = out of medicine
    assert decide(pairs, "家里没药了") == (A, HIGH)


def test_boost_only_pair_raises_priority(pairs: Classifier) -> None:
    assert decide(pairs, "这里很危险") == (S, HIGH)
    assert decide(pairs, "很危险，小孩在玩") == (S, URGENT)


def test_a_false_friend_hides_a_pair_term(pairs: Classifier) -> None:
    assert decide(pairs, "油锅着了") == (S, URGENT)
    assert decide(pairs, "油锅边的猫睡着了") == (N, NORMAL)


def test_a_longer_term_does_not_hide_a_pair_term(pairs: Classifier) -> None:
    # "充电" inside "充电桩" (a term) still counts for the pair
    assert pairs.classify("楼道装了充电桩").matched == ("充电桩", "充电+楼道")


BASE = '[categories.safety]\n[categories.safety.terms]\n"危险" = 2\n[[categories.safety.pairs]]\n'


@pytest.mark.parametrize(
    ("rule", "key", "problem"),
    [
        ('first = ["锅"]\nsecond = ["着了"]\n', "categories.safety.pairs[0]", "weight"),
        ('first = []\nsecond = ["着了"]\nweight = 2\n', "pairs[0].first", "non-empty"),
        ('first = ["锅"]\nweight = 2\n', "pairs[0].second", "non-empty"),
        ('first = ["锅"]\nsecond = [""]\nweight = 2\n', "pairs[0].second[0]", "empty"),
        ('first = ["锅"]\nsecond = ["着了"]\nweight = 0\n', "pairs[0].weight", "positive"),
        ('first = ["锅"]\nsecond = ["火"]\nweight = 1\nwithin = -1\n', "within", "non-negative"),
        ('first = ["锅"]\nsecond = ["火"]\nboost = "asap"\n', "pairs[0].boost", "'asap'"),
        ('first = ["锅"]\nsecond = ["火"]\nweight = 1\nnear = 2\n', "pairs[0].near", "unknown"),
    ],
)
def test_invalid_pairs_name_file_and_key(
    tmp_path: Path, rule: str, key: str, problem: str
) -> None:
    path = tmp_path / "keywords.toml"
    path.write_text(BASE + rule, encoding="utf-8")
    with pytest.raises(DictionaryError) as raised:
        load_dictionary(path)
    assert str(raised.value).startswith(f"{path}: ")
    assert key in str(raised.value)
    assert problem in str(raised.value)


def test_pairs_must_be_an_array_of_tables(tmp_path: Path) -> None:
    path = tmp_path / "keywords.toml"
    text = '[categories.safety]\npairs = 3\n[categories.safety.terms]\n"a" = 2\n'
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DictionaryError, match="array of tables"):
        load_dictionary(path)


def test_none_pairs_cannot_boost(tmp_path: Path) -> None:
    path = tmp_path / "keywords.toml"
    path.write_text(
        BASE + 'first = ["a"]\nsecond = ["b"]\nweight = 1\n'
        '[categories.none]\n[categories.none.terms]\n"红包" = 6\n'
        '[[categories.none.pairs]]\nfirst = ["a"]\nsecond = ["b"]\nboost = "high"\n',
        encoding="utf-8",
    )
    with pytest.raises(DictionaryError, match=r"categories\.none\.pairs"):
        load_dictionary(path)


def test_dictionaries_without_pairs_still_load(tmp_path: Path) -> None:
    path = tmp_path / "keywords.toml"
    path.write_text(BASE.split("[[")[0], encoding="utf-8")
    assert load_dictionary(path).all_pairs() == []


# The shipped families. These sentences were written for this test, not copied from any
# corpus or hold-out file: each checks one family of wording or one false friend.
@pytest.mark.parametrize(
    ("text", "category", "priority"),
    [
        ("油锅着了，快拿锅盖", S, URGENT),
        ("楼道着火，一家人被堵在六楼", S, URGENT),
        ("插线板冒烟了", S, URGENT),
        ("厨房里的电饭锅炸了", S, URGENT),
        ("燃气好像漏了，一股臭味", S, URGENT),
        ("隔壁大爷脸色发紫，喘不上来", S, URGENT),
        ("有只狗见人就咬，已经咬伤一个老人", S, URGENT),
        ("有个人坐在楼顶边上不下来", S, URGENT),
        ("电动车推进楼道里充电", S, HIGH),
        ("楼下那棵树歪了，压在电线上", S, HIGH),
        ("路口的电线杆被车撞歪了", S, HIGH),
        ("我父亲昨天下午出门后未再出现，手机关机", M, URGENT),
        ("奶奶晚饭后出去遛弯，到现在九点了还没回", M, URGENT),
        ("有没有人看到一个小女孩，扎两个辫子", M, URGENT),
        ("公交站有个老爷子坐了半天了，问他住哪说不清", M, URGENT),
        ("电梯里有人被关住了，按铃没反应", R, URGENT),
        ("天然气停了，没法做饭", R, HIGH),
        ("楼下有人抄起菜刀要砍人", D, URGENT),
        ("他拿着棍子在门口骂", D, HIGH),
        ("打架的那个被打得头破了，流了很多血", D, URGENT),
        ("家里没米了，老人腿脚不方便", A, HIGH),
        ("谁能开车送我去医院，孩子发高烧", A, HIGH),
        # false friends of the families
        ("今晚吃火锅，锅底着了个火锅味😂", N, NORMAL),
        ("这车终于打着了", N, NORMAL),
        ("我爸睡着了，打呼噜", N, NORMAL),
        ("孩子作业找不到了，急死", N, NORMAL),
        ("我妈说物业电话一直打不通", N, NORMAL),
        ("我家孩子哭了一夜，邻居别介意", N, NORMAL),
        ("请大家注意老人防诈骗", N, NORMAL),
        ("坐在阳台上晒太阳真舒服", N, NORMAL),
        ("手机在家里充电呢", N, NORMAL),
        ("河边掉了一串钥匙，谁捡到了", N, NORMAL),
        ("笑到肚子疼，快晕倒了哈哈", N, NORMAL),
        ("我儿子一下午不见人影，原来在同学家打游戏", N, NORMAL),
        ("电梯加装说明会周日下午在活动中心，欢迎参加", N, NORMAL),
    ],
)
def test_shipped_families(text: str, category: Category, priority: Priority) -> None:
    """The dictionary's own families (with the learned model they are features, see
    test_classify.py for the combined outcomes)."""
    result = dictionary_classifier().classify(text)
    assert (result.category, result.priority) == (category, priority), result.matched
