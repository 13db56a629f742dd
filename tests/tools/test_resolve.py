"""Name resolution: exact, alias, typed pinyin; near names are suggested, never silently taken."""

from __future__ import annotations

import pytest

from tests.support.factories import Factory
from tools import resolve
from tools.base import ToolError


@pytest.fixture
def ctx(make: Factory):
    make.project()
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
    make.project()
    make.worker("王五", 320, aliases=["小王"])
    make.worker("王小二", 300, aliases=["小王"])
    with pytest.raises(ToolError) as refused:
        resolve.worker(make.ctx(), "小王")
    assert "王五" in refused.value.render("en") and "王小二" in refused.value.render("en")


def test_two_workers_of_one_name_on_two_projects_stay_two(make: Factory) -> None:
    here, there = make.project(code="A"), make.project(code="B")
    ours = make.worker("张三", 350, projects=[here], trade="木工")
    theirs = make.worker("张三", 300, projects=[there], trade="杂工")
    ctx = make.ctx()
    assert resolve.worker(ctx, "张三", here).id == ours.id
    assert resolve.worker(ctx, "张三", there).id == theirs.id
    assert (ours.daily_rate, ours.trade) == (350, "木工")  # nothing of one changed the other


def test_a_member_never_finds_or_sees_another_projects_workers(make: Factory) -> None:
    mine, other = make.project(code="A"), make.project(code="B")
    make.worker("张三", 350, projects=[mine])
    make.worker("赵秘密", 999, projects=[other])
    member = make.user(project=mine, role="foreman")
    ctx = make.ctx(member, project=mine)
    with pytest.raises(ToolError) as refused:
        resolve.worker(ctx, "赵秘密", mine)
    assert "赵秘密" in refused.value.render("zh")  # the name asked about, nothing of the other project
    assert "999" not in refused.value.render("zh")
    with pytest.raises(ToolError) as listed:
        resolve.worker(ctx, "王五", mine)
    assert "张三" in listed.value.render("zh") and "赵秘密" not in listed.value.render("zh")
    assert {w.name for w in resolve.workers_on(ctx, None)} == {"张三"}


def test_two_of_one_name_on_one_project_are_told_apart_by_the_number_tail(make: Factory) -> None:
    site = make.project()
    make.worker("张三", 350, projects=[site], id_tail="1234")
    second = make.worker("张三", 300, projects=[site], id_tail="8866")
    with pytest.raises(ToolError) as asked:
        resolve.worker(make.ctx(), "张三", site)
    assert "尾号1234" in asked.value.render("zh") and "尾号8866" in asked.value.render("zh")
    assert resolve.worker(make.ctx(), "张三8866", site).id == second.id
