"""Name resolution: exact, alias, typed pinyin; near names are suggested, never silently taken."""

from __future__ import annotations

import pytest

from tests.support.factories import Factory
from tools import resolve
from tools.base import ToolError


@pytest.fixture
def ctx(make: Factory):
    make.worker("张三", 350, aliases=["老张"])
    make.worker("李四", 380)
    make.worker("Mike Chen", 300)
    return make.ctx()


@pytest.mark.parametrize("typed", ["张三", "老张", "zhangsan", "Zhang San", "zs", " 张 三 "])
def test_exact_alias_and_typed_pinyin_find_the_worker(ctx, typed: str) -> None:
    assert resolve.worker(ctx, typed).name == "张三"


def test_english_names_match_regardless_of_case_and_spacing(ctx) -> None:
    assert resolve.worker(ctx, "mike  chen").name == "Mike Chen"


@pytest.mark.parametrize("typed", ["李思", "理四"])
def test_a_homophone_is_offered_not_taken(ctx, typed: str) -> None:
    with pytest.raises(ToolError) as refused:
        resolve.worker(ctx, typed)
    text = refused.value.render("zh")
    assert f"没有找到工人“{typed}”" in text and "李四" in text


def test_a_near_name_is_suggested(ctx) -> None:
    with pytest.raises(ToolError) as refused:
        resolve.worker(ctx, "张山")
    assert "你是说" in refused.value.render("zh") and "张三" in refused.value.render("zh")


def test_ambiguous_name_lists_the_candidates(make: Factory) -> None:
    make.worker("王五", 320, aliases=["小王"])
    make.worker("王小二", 300, aliases=["小王"])
    with pytest.raises(ToolError) as refused:
        resolve.worker(make.ctx(), "小王")
    assert "王五" in refused.value.render("en") and "王小二" in refused.value.render("en")
