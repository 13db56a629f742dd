"""What an import did, or every problem it found: RowError, the Errors collector and ImportReport."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tools.base import Text

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from storage.models import Project
    from tools.importer.reading import Sheet
    from tools.importer.schemas import Column

KIND_LABELS: dict[str, Text] = {
    "projects": Text("项目", "projects"),
    "budget": Text("预算", "budget"),
    "tasks": Text("任务", "tasks"),
    "workers": Text("工人", "workers"),
    "members": Text("成员", "members"),
    "rates": Text("工价记录", "rate history"),
    "users": Text("用户", "users"),
    "progress": Text("进度记录", "progress reports"),
    "assignments": Text("项目工人", "project assignments"),
    "project_rates": Text("项目工价", "project rates"),
    "labour": Text("记工", "labour entries"),
    "advances": Text("借支", "advances"),
    "settlements": Text("结算", "settlements"),
    "costs": Text("成本", "costs"),
    "funds": Text("资金收支", "fund movements"),
    "counterparties": Text("往来单位", "counterparties"),
    "opening": Text("期初余额", "opening balances"),
}


@dataclass(frozen=True)
class RowError:
    """One problem, located: sheet (or csv file) and row number as a spreadsheet shows them."""

    sheet: str | None
    row: int | None
    zh: str
    en: str
    is_csv: bool = False

    def render(self, lang: str) -> str:
        reason = self.zh if lang == "zh" else self.en
        if self.sheet is None:
            return reason
        if lang == "zh":
            where = f"{'文件' if self.is_csv else '工作表'} {self.sheet}" + (f" 第 {self.row} 行" if self.row else "")
            return f"{where}：{reason}"
        where = f"{'file' if self.is_csv else 'sheet'} {self.sheet}" + (f" row {self.row}" if self.row else "")
        return f"{where}: {reason}"


_OK_HEAD = Text("已导入 {file}：", "Imported {file}: ")
_NOTHING = Text("没有需要修改的内容", "nothing to change")
_COUNTS = Text("{kind} 新建 {created}、更新 {updated}", "{kind} {created} created, {updated} updated")
_AUDIT = Text("（审计记录 #{id}）", " (audit #{id})")
_FAILED_HEAD = Text("没有导入任何内容：{file} 有 {n} 个问题", "Nothing was imported: {file} has {n} problem(s)")
_MORE = Text("……还有 {n} 个问题", "... and {n} more")
MAX_SHOWN_ERRORS = 100


@dataclass
class ImportReport:
    """What an import did (counts per kind) or, when any row is invalid, every problem found."""

    file: str
    errors: list[RowError] = field(default_factory=list)
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    unchanged: dict[str, int] = field(default_factory=dict)
    audit_id: int | None = None
    warnings: list[RowError] = field(default_factory=list)  # written, but worth a look (budget gap)

    @property
    def ok(self) -> bool:
        return not self.errors

    def error_lines(self, lang: str) -> list[str]:
        return [error.render(lang) for error in self.errors]

    def render(self, lang: str) -> str:
        """The report as chat/terminal text in one language."""
        if not self.ok:
            lines = [_FAILED_HEAD.render(lang, file=self.file, n=len(self.errors))]
            lines += [f"  {line}" for line in self.error_lines(lang)[:MAX_SHOWN_ERRORS]]
            if len(self.errors) > MAX_SHOWN_ERRORS:
                lines.append("  " + _MORE.render(lang, n=len(self.errors) - MAX_SHOWN_ERRORS))
            return "\n".join(lines)
        parts = [
            _COUNTS.render(
                lang,
                kind=KIND_LABELS[kind].render(lang),
                created=self.created.get(kind, 0),
                updated=self.updated.get(kind, 0),
            )
            for kind in KIND_LABELS
            if self.created.get(kind) or self.updated.get(kind)
        ]
        sep = "；" if lang == "zh" else "; "
        text = _OK_HEAD.render(lang, file=self.file) + (sep.join(parts) if parts else _NOTHING.render(lang))
        if self.audit_id is not None:
            text += _AUDIT.render(lang, id=self.audit_id)
        return "\n".join([text, *(warning.render(lang) for warning in self.warnings)])


class Errors:
    """Problems found so far, each rendered in both languages when it is found."""

    def __init__(self) -> None:
        self.items: list[RowError] = []

    def add(
        self, sheet: Sheet | None, row: int | None, message: Text, *, column: Column | None = None, **params: Any
    ) -> None:
        """Record a problem; a Text parameter (a label) is rendered in each language, column names the field."""
        rendered = {}
        for lang in ("zh", "en"):
            values = {k: v.render(lang) if isinstance(v, Text) else v for k, v in params.items()}
            if column is not None:
                values["field"] = column.zh if lang == "zh" else column.key
            rendered[lang] = message.render(lang, **values) if values else message.render(lang)
        self.items.append(
            RowError(
                sheet=sheet.label if sheet else None,
                row=row,
                zh=rendered["zh"],
                en=rendered["en"],
                is_csv=bool(sheet and sheet.is_csv),
            )
        )

    def file(self, name: str, message: Text, **params: Any) -> None:
        self.items.append(
            RowError(
                sheet=name, row=None, zh=message.render("zh", **params), en=message.render("en", **params), is_csv=True
            )
        )


_BUDGET_GAP = Text(
    "⚠ 项目 {code}：任务计划成本合计 {tasks}，预算合计 {budget}，差 {gap}：挣值和预测会不准，请核对任务成本或预算。",
    "⚠ project {code}: task planned costs add up to {tasks} but the budget is {budget} ({gap} apart): earned value "
    "and forecasts will be off until they agree.",
)


def budget_gaps(session: Session, projects: list[Project | None]) -> list[RowError]:
    """A warning for each project whose tasks' planned costs do not add up to its budget (as /health says)."""
    from storage.queries.costs import budget_total
    from storage.queries.tasks import task_totals
    from tools.fmt import yuan

    found: list[RowError] = []
    for project in projects:
        if project is None:
            continue
        tasks = task_totals(session=session, project_id=project.id).planned_cost
        budget = budget_total(session=session, project_id=project.id)
        if tasks == 0 or budget == 0 or tasks == budget:
            continue
        params = {"code": project.code, "tasks": yuan(tasks), "budget": yuan(budget), "gap": yuan(abs(tasks - budget))}
        found.append(
            RowError(sheet=None, row=None, zh=_BUDGET_GAP.render("zh", **params), en=_BUDGET_GAP.render("en", **params))
        )
    return found
