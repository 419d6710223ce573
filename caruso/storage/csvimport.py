"""Bulk load business objects from CSV: every row checked, bad rows reported with their line, good rows kept.

The header names attributes (or their columns).  Rows are converted first; the valid ones are inserted in
batches, and a batch the database refuses (a duplicate key, ...) is retried row by row so that only the
offending rows are reported.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from caruso.storage.errors import DuplicateObject, InvalidValue, StorageError
from caruso.storage.objects import BusinessObjects

BATCH = 500


@dataclass(frozen=True, slots=True)
class RowError:
    line: int  # line in the file (the header is line 1)
    message: str


@dataclass
class ImportReport:
    file: str
    object: str
    imported: int = 0
    errors: list[RowError] = field(default_factory=list)

    def describe(self) -> str:
        lines = [f"{self.file}: {self.imported} {self.object} imported, {len(self.errors)} rows rejected"]
        lines += [f"{self.file}:{e.line}: {e.message}" for e in self.errors]
        return "\n".join(lines)


def _header(objects: BusinessObjects, name: str, header: list[str], file: str) -> list[str]:
    obj = objects.model.object(name)
    by_column = {a.column.lower(): a.name for a in obj.attributes.values()}
    by_name = {a.name.lower(): a.name for a in obj.attributes.values()}
    mapped = []
    for raw in header:
        key = raw.strip().lower()
        attr = by_name.get(key) or by_column.get(key)
        if attr is None:
            raise StorageError(f"{file}:1: column {raw!r} is no attribute of {name}; "
                               f"expected some of: {', '.join(obj.attributes)}")
        mapped.append(attr)
    return mapped


async def import_csv(objects: BusinessObjects, name: str, path: Path, *, delimiter: str | None = None,
                     ) -> ImportReport:
    file = str(path)
    report = ImportReport(file, name)
    with open(path, newline="", encoding="utf-8-sig") as fh:
        if delimiter is None:  # the header's most frequent separator
            first = fh.readline()
            fh.seek(0)
            delimiter = max(",;\t", key=first.count)
        reader = csv.reader(fh, delimiter=delimiter)
        try:
            header = next(reader)
        except StopIteration:
            return report
        attrs = _header(objects, name, header, file)
        batch: list[tuple[int, dict[str, Any]]] = []
        for row in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(attrs):
                report.errors.append(RowError(line, f"{len(row)} fields, the header has {len(attrs)}"))
                continue
            try:
                batch.append((line, objects.prepare(name, dict(zip(attrs, row, strict=True)))))
            except InvalidValue as exc:
                report.errors.append(RowError(line, str(exc)))
                continue
            if len(batch) >= BATCH:
                await _flush(objects, name, batch, report)
                batch = []
        await _flush(objects, name, batch, report)
    report.errors.sort(key=lambda e: e.line)
    return report


async def _flush(objects: BusinessObjects, name: str, batch: list[tuple[int, dict[str, Any]]],
                 report: ImportReport) -> None:
    if not batch:
        return
    try:
        report.imported += await objects.create_many(name, [values for _, values in batch])
        return
    except DuplicateObject:
        pass  # find the offending rows one by one
    for line, values in batch:
        try:
            await objects.create_many(name, [values])
            report.imported += 1
        except DuplicateObject as exc:
            report.errors.append(RowError(line, str(exc)))
