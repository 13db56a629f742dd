"""Junk of every kind into every tool: a clear refusal or a correct answer, never a crash, never a stray row."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.models import (
    AuditLog,
    CostEntry,
    FundTxn,
    LaborEntry,
    ProgressUpdate,
    Project,
    Role,
    WorkerPayment,
)
from tests.support.factories import Factory
from tools import REGISTRY, run_tool
from tools.base import INTERNAL

SQL = ["'; DROP TABLE project;--", "1 OR 1=1", '" OR ""="', "Robert'); DELETE FROM worker;--"]
NUMBERISH = [
    "NaN",
    "nan",
    "Infinity",
    "-Infinity",
    "inf",
    "1e400",
    "-1e400",
    "1e-400",
    "0",
    "-0",
    "-5",
    "99999999999999999999",
    "0.001",
    "1/2",
    "一百",
    "",
    " ",
    "1,000",
    "１２",
    "٣",
]
junk_text = st.one_of(st.text(max_size=60), st.sampled_from(SQL + NUMBERISH))
junk_value = st.one_of(
    junk_text,
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.none(),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)
WRITTEN = (LaborEntry, CostEntry, WorkerPayment, FundTxn, ProgressUpdate, AuditLog)


def counts(session: Session) -> tuple[int, ...]:
    return tuple(session.scalar(select(func.count()).select_from(model)) or 0 for model in WRITTEN)


@pytest.fixture
def site(session: Session, make: Factory) -> Project:
    project = make.project(code="SG3", name="阳光花园3号楼")
    make.budget(project, "materials", 6_000_000)
    make.worker("张三", 350)
    make.task(project, "砌体工程")
    return project


def junk_args(tool_name: str) -> st.SearchStrategy[dict[str, Any]]:
    """Each field of the tool's args either junk or absent, plus now and then an unknown field."""
    fields = list(REGISTRY[tool_name].args_model.model_fields)
    return st.fixed_dictionaries({}, optional={name: junk_value for name in [*fields, "user", "is_admin"]})


@pytest.mark.parametrize("tool_name", sorted(REGISTRY))
def test_junk_never_crashes_and_refusals_write_nothing(
    session: Session, make: Factory, site: Project, tool_name: str
) -> None:
    manager = make.user("经理", project=site, role=Role.manager)

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(args=junk_args(tool_name), language=st.sampled_from(["zh", "en"]))
    def check(args: dict[str, Any], language: str) -> None:
        before = counts(session)
        result = run_tool(make.ctx(manager, project=site, language=language), tool_name, args)
        assert result.text and result.text not in (INTERNAL.zh, INTERNAL.en), (args, result.text)
        if not result.ok:
            assert counts(session) == before, (args, result.text)

    check()


@pytest.mark.parametrize("field", ["amount", "days", "percent"])
def test_text_where_a_number_belongs_is_named(make: Factory, site: Project, field: str) -> None:
    tool_name = {"amount": "add_cost", "days": "log_labor", "percent": "update_task_progress"}[field]
    base: dict[str, Any] = {
        "add_cost": {"category": "materials", "amount": "8000"},
        "log_labor": {"worker": "张三", "days": "1"},
        "update_task_progress": {"task": "砌体工程", "percent": "40"},
    }[tool_name]
    result = run_tool(make.ctx(project=site), tool_name, {**base, field: "很多"})
    assert not result.ok
    assert "应该是数字" in result.text and "很多" in result.text


def test_decimal_junk_is_refused_not_rounded(make: Factory, site: Project) -> None:
    result = run_tool(make.ctx(project=site), "add_cost", {"category": "materials", "amount": Decimal("0.001")})
    assert not result.ok
