"""A column of an import sheet: its key, Chinese name, value parser, help and other accepted names."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tools.base import Text

PROJECT_REF = ("project", "project_code", "code", "项目", "项目编号", "项目代码")


@dataclass(frozen=True)
class Column:
    key: str
    zh: str
    parse: Callable[[Any], Any]
    help: Text
    required: bool = False
    aliases: tuple[str, ...] = ()

    @property
    def header(self) -> str:
        """The template's bilingual header: "code 项目编号"."""
        return f"{self.key} {self.zh}"
