"""Project set-up without code: the import template (xlsx) and importing it (xlsx or csv), all or nothing.

A file holds the plan — projects, budget, tasks, workers, members — and the history of a project already under
way — labour, advances, settlements, costs, funds, progress, opening balances — one sheet per kind (a csv holds
one kind). Every cell of every row is checked first; only a file without a single problem is written, in one
transaction, with one audit row ("import") listing every row it created or changed. docs/import-template.md
describes the sheets and columns.

reading (files → raw cells) → columns, history_columns, schemas and values (cells → checked rows) → people (who a
worker row means) and history (history rows, written once as a multiset) → apply (checks against the database,
then writing) → report; template writes the file users fill in.
"""

from tools.importer.apply import import_file
from tools.importer.reading import MAX_COLUMNS, MAX_FILE_BYTES, MAX_ROWS
from tools.importer.report import ImportReport, RowError
from tools.importer.schemas import COLUMNS, KINDS, Column
from tools.importer.template import write_template

__all__ = [
    "COLUMNS",
    "KINDS",
    "MAX_COLUMNS",
    "MAX_FILE_BYTES",
    "MAX_ROWS",
    "Column",
    "ImportReport",
    "RowError",
    "import_file",
    "write_template",
]
