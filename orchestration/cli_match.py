"""`odksync match --input FILE --output FILE`: the stateless matcher on the pinned CSV (ARCHITECTURE).

Input: UTF-8 CSV, one row per observation of a child, columns as in
warehouse.matching.prepare.INPUT_COLUMNS (only `record_id` is required; any value may be empty or
malformed). Output: `record_id,child_id`, one row per input row in input order; the same input
always gives the same output.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path
from typing import Annotated

import typer

match_commands = typer.Typer()


class BadInput(ValueError):
    """The file cannot be read as the matcher's CSV at all (no header, no record_id column)."""


def read_rows(path: Path) -> list[dict[str, str]]:
    """Rows of the CSV as text; undecodable bytes, NUL characters and ragged rows are tolerated."""
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    text = path.read_bytes().decode("utf-8-sig", errors="replace").replace("\x00", "")
    reader = csv.reader(text.splitlines())
    header = next(reader, None)
    if not header:
        raise BadInput("ไฟล์ว่าง ไม่มีแถวหัวตาราง (the file is empty: no header row)")
    names = [h.strip().lower().lstrip("\ufeff") for h in header]
    if "record_id" not in names:
        raise BadInput("ไม่พบคอลัมน์ record_id ในแถวหัวตาราง (no record_id column in the header)")
    rows = []
    for values in reader:
        if not any(v.strip() for v in values):
            continue  # a blank line is not a record
        rows.append({name: (values[i] if i < len(values) else "") for i, name in enumerate(names)})
    return rows


def write_assignments(path: Path, record_ids: list[str], child_ids: list[str]) -> None:
    tmp = path.with_name(path.name + ".partial")
    with tmp.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["record_id", "child_id"])
        w.writerows(zip(record_ids, child_ids, strict=True))
    tmp.replace(path)  # never a half-written output


@match_commands.command()
def match(
    input: Annotated[Path | None, typer.Option(
        "--input", help="Matcher CSV to read (none: match the warehouse).", exists=True, dir_okay=False,
    )] = None,
    output: Annotated[Path | None, typer.Option(
        "--output", help="Where to write record_id,child_id.")] = None,
    retrain: Annotated[bool, typer.Option(
        "--retrain", help="Estimate the model on this input (EM, no labels) instead of the saved model.json.",
    )] = False,
    review: Annotated[Path | None, typer.Option(help="Also write the pairs waiting for review here.")] = None,
) -> None:
    """Match the records of a CSV into children: same child_id = same child. With no files: the
    warehouse's observations, child ids kept stable across runs (see `odksync review`)."""
    from orchestration.cli import errors

    if input is None and output is None:  # warehouse mode: orchestration/cli_review.py
        from orchestration.cli_review import match_warehouse_command

        return match_warehouse_command()
    if input is None or output is None:
        errors.print("[bold red]error:[/] ใช้ --input กับ --output คู่กัน หรือไม่ใช้ทั้งคู่ "
                     "(give both --input and --output, or neither to match the warehouse)")
        raise typer.Exit(2)
    from warehouse.matching.engine import match_records

    try:
        rows = read_rows(input)
    except (BadInput, OSError) as e:
        errors.print(f"[bold red]error:[/] {e}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None
    result = match_records(rows, retrain=retrain)
    record_ids = [str(r.get("record_id") or "") for r in rows]
    write_assignments(output, record_ids, result.child_ids)
    pending = result.review_pairs()
    if review is not None:
        with review.open("w", encoding="utf-8", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(["left_record_id", "right_record_id", "probability"])
            for p in pending:
                w.writerow([record_ids[p.left], record_ids[p.right], f"{p.probability:.4f}"])
    children = len(set(result.child_ids))
    errors.print(f"{len(rows)} records → {children} children; {len(pending)} pairs for review → {output}")
