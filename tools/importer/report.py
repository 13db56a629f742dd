"""What an import did, or every problem it found: RowError, the Errors collector and ImportReport."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tools.base import Text

if TYPE_CHECKING:
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
        return text


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
