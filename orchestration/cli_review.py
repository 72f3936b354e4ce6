"""`odksync match` on the warehouse (no files) and `odksync review list|accept|reject`.

Warehouse mode matches every normalised child observation and keeps child ids stable (see
warehouse.matching.identity); the review queue holds the pairs the matcher could not decide.
"""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer
from rich.table import Table

from orchestration.settings import Settings
from warehouse import audit

review_app = typer.Typer(help="Pairs of records the matcher could not decide, for a person.",
                         no_args_is_help=True)


def match_warehouse_command() -> None:
    """`odksync match` with no files: the pipeline's match stage, on its own."""
    from orchestration.cli import _engine, _run, console
    from orchestration.stages.match import describe_match
    from warehouse.db import session_scope
    from warehouse.matching.identity import match_warehouse

    def work(settings: Settings) -> None:
        engine = _engine(settings)
        try:
            with session_scope(engine) as session:
                result = match_warehouse(session, by=audit.actor(None))
                session.commit()
        finally:
            engine.dispose()
        console.print(describe_match(result), highlight=False, soft_wrap=True)

    _run(work)



@review_app.command("list")
def review_list(
    status: Annotated[str, typer.Option(help="pending, accepted, rejected or all.")] = "pending",
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable.")] = False,
) -> None:
    """The pairs waiting for a decision (or decided ones), most likely first, IDs masked."""
    from orchestration.cli import _engine, _run, console
    from warehouse.db import session_scope
    from warehouse.matching.review import describe, describe_observations, list_pairs

    if status not in ("pending", "accepted", "rejected", "all"):
        raise typer.BadParameter("use pending, accepted, rejected or all", param_hint="--status")

    def work(settings: Settings) -> None:
        engine = _engine(settings)
        try:
            with session_scope(engine) as session:
                pairs = list_pairs(session, status=None if status == "all" else status)
                seen = describe_observations(session, {k for p in pairs for k in (p.left_key, p.right_key)})
        finally:
            engine.dispose()
        if as_json:
            json.dump([{
                "pair": p.pair_key, "score": round(p.score, 4), "status": p.status,
                "left": {"observation": p.left_key, "child_id": p.left_child, **seen.get(p.left_key, {})},
                "right": {"observation": p.right_key, "child_id": p.right_child, **seen.get(p.right_key, {})},
                "decided_by": p.decided_by, "decided_at": p.decided_at.isoformat() if p.decided_at else None,
            } for p in pairs], sys.stdout, ensure_ascii=False, indent=2)
            sys.stdout.write("\n")
            return
        if not pairs:
            console.print("ไม่มีคู่ที่รอตรวจสอบ (no pairs waiting for review)" if status == "pending"
                          else "ไม่มีคู่ (no pairs)")
            return
        table = Table("คู่ (pair)", "คะแนน (score)", "ระเบียนซ้าย (left)", "ระเบียนขวา (right)", "สถานะ (status)")
        for p in pairs:
            table.add_row(p.pair_key, f"{p.score:.2f}", describe(seen.get(p.left_key), p.left_key),
                          describe(seen.get(p.right_key), p.right_key), p.status)
        console.print(table)
        console.print(f"{len(pairs)} คู่ (pairs); ตัดสินด้วย odksync review accept|reject PAIR "
                      "(decide with odksync review accept|reject PAIR)", highlight=False)

    _run(work)


def _decide(pair: str, decision: str, by: str | None) -> None:
    from orchestration.cli import _engine, _run, console
    from warehouse.db import session_scope
    from warehouse.matching.review import decide

    who = audit.actor(by)

    def work(settings: Settings) -> None:
        engine = _engine(settings)
        try:
            with session_scope(engine) as session:
                decided = decide(session, pair, decision, by=who)
                session.commit()
        finally:
            engine.dispose()
        word = "เป็นเด็กคนเดียวกัน (the same child)" if decision == "accepted" else \
            "เป็นเด็กคนละคน (different children)"
        console.print(f"คู่ {decided.pair_key}: {word}, โดย {who} (by {who}); การจับคู่ครั้งต่อไปจะใช้การตัดสินนี้ "
                      "(honoured by every later match run)", highlight=False, soft_wrap=True)

    _run(work)


@review_app.command("accept")
def review_accept(
    pair: Annotated[str, typer.Argument(help="The pair's key from `odksync review list`.")],
    by: Annotated[str | None, typer.Option("--by", help="Who decides (default: the OS user).")] = None,
) -> None:
    """The two records are the same child: linked in every later run."""
    _decide(pair, "accepted", by)


@review_app.command("reject")
def review_reject(
    pair: Annotated[str, typer.Argument(help="The pair's key from `odksync review list`.")],
    by: Annotated[str | None, typer.Option("--by", help="Who decides (default: the OS user).")] = None,
) -> None:
    """The two records are different children: never linked in a later run."""
    _decide(pair, "rejected", by)
