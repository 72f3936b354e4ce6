"""`odksync child show|correct|erase ID` and `odksync purge`: the data subject's rights (PDPA) and retention.

ID is the warehouse's child id, a 13-digit ID, or the report's child key (with ODKSYNC_SECRET set).
Every command is audited (child_show, child_correct, child_erase, purge) under the OS user running it,
or `--by`.
"""

from __future__ import annotations

import json
import sys
from typing import Annotated, Any

import typer

from orchestration.settings import Settings
from warehouse import audit

child_app = typer.Typer(help="สิทธิของเจ้าของข้อมูล: ดู แก้ไข ลบ (a child's data: show, correct, erase).",
                        no_args_is_help=True)
purge_commands = typer.Typer()

ByOption = Annotated[str | None, typer.Option("--by", help="Who asks (default: the OS user), for the audit.")]



def _secret(settings: Settings) -> str | None:
    return settings.secret.get_secret_value() if settings.secret is not None else None


def _refused(error: Exception) -> None:
    from orchestration.cli import errors

    errors.print(f"[bold red]error:[/] {error}", highlight=False, soft_wrap=True)
    raise typer.Exit(1) from None


@child_app.command("show")
def child_show(ident: Annotated[str, typer.Argument(metavar="ID", help="child id, 13-digit ID or child key")],
               by: ByOption = None) -> None:
    """ทุกอย่างที่เก็บเกี่ยวกับเด็กคนนี้เป็น JSON (everything held about the child, as JSON, for access and
    portability); the access is audited."""
    from orchestration.cli import _engine, _run
    from warehouse.privacy.rights import RightsError, show_child

    def work(settings: Settings) -> dict[str, Any]:
        engine = _engine(settings)
        try:
            return show_child(engine, ident, actor=audit.actor(by), secret=_secret(settings))
        except RightsError as e:
            _refused(e)
            raise
        finally:
            engine.dispose()

    held = _run(work)
    json.dump(held, sys.stdout, ensure_ascii=False, indent=2, sort_keys=True, default=str)
    sys.stdout.write("\n")


@child_app.command("correct")
def child_correct(
    ident: Annotated[str, typer.Argument(metavar="ID", help="child id, 13-digit ID or child key")],
    field: Annotated[str, typer.Option("--field", help="The field to correct, e.g. first_name, birth_date.")],
    value: Annotated[str, typer.Option("--value", help="The correct value.")],
    reason: Annotated[str, typer.Option("--reason", help="Why (kept with the correction).")],
    by: ByOption = None,
) -> None:
    """แก้ไขข้อมูลของเด็ก โดยเก็บประวัติการแก้ไข (rectification with history); audited."""
    from orchestration.cli import _engine, _run, console
    from warehouse.privacy.rights import RightsError, correct_child

    def work(settings: Settings) -> None:
        engine = _engine(settings)
        try:
            done = correct_child(engine, ident, field_name=field, value=value, reason=reason,
                                 actor=audit.actor(by),
                                 secret=_secret(settings))
        except RightsError as e:
            _refused(e)
            return
        finally:
            engine.dispose()
        console.print(f"แก้ไข {done.field} ของเด็ก {done.child_id} แล้ว {done.rows_changed} แถว "
                      f"(corrected {done.field}: {done.rows_changed} rows; correction #{done.correction_id}, "
                      f"audit #{done.audit_event_id})", highlight=False, soft_wrap=True)

    _run(work)


@child_app.command("erase")
def child_erase(
    ident: Annotated[str, typer.Argument(metavar="ID", help="child id, 13-digit ID or child key")],
    reason: Annotated[str, typer.Option(
        "--reason", help="subject_request (default), consent_withdrawn or retention.")] = "subject_request",
    by: ByOption = None,
) -> None:
    """ลบข้อมูลส่วนบุคคลของเด็กออกจากคลังข้อมูลทั้งหมด เก็บไว้เพียงหลักฐานการลบ (erase the child's personal
    data everywhere in the warehouse; a tombstone and an audit row are kept)."""
    from orchestration.cli import _engine, _run, console
    from warehouse.db import session_scope
    from warehouse.privacy.erasure import ErasureError, erase_child
    from warehouse.privacy.rights import RightsError, find_child

    def work(settings: Settings) -> None:
        engine = _engine(settings)
        try:
            with session_scope(engine) as session:
                child_id = find_child(session, ident, secret=_secret(settings))
            done = erase_child(engine, child_id, reason=reason, actor=audit.actor(by),
                               store=settings.content_store())
        except (RightsError, ErasureError) as e:
            _refused(e)
            return
        finally:
            engine.dispose()
        if done.already:
            console.print(f"เด็ก {done.child_id} ถูกลบข้อมูลไปแล้ว ไม่มีอะไรเปลี่ยน (already erased; nothing "
                          "changed)", highlight=False, soft_wrap=True)
            return
        console.print(
            f"ลบข้อมูลของเด็ก {done.child_id} แล้ว (erased): {done.submissions} แบบฟอร์ม (submissions), "
            f"ลบ {sum(done.rows_deleted.values())} แถว (rows deleted), "
            f"ปิดบัง {sum(done.rows_anonymised.values())} แถว (rows anonymised), "
            f"{done.raw_versions} ฉบับดิบ (raw versions redacted), {done.files_deleted} ไฟล์ (files deleted); "
            f"audit #{done.audit_event_id}", highlight=False, soft_wrap=True)

    _run(work)


@purge_commands.command("purge")
def purge_command(
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="Only list the cases and files due; change nothing.")] = False,
    by: ByOption = None,
) -> None:
    """ลบข้อมูลกรณีที่ปิดแล้วและพ้นระยะเวลาเก็บรักษา (erase closed cases past ODKSYNC_RETENTION_DAYS,
    reason retention) และลบไฟล์รายงานและไฟล์ส่งออกที่เก่ากว่า ODKSYNC_EXPORT_RETENTION_DAYS (and delete
    report folders and folder/outbox export files past it); audited."""
    from orchestration.cli import _engine, _run, console
    from warehouse.privacy.expiry import expire_exports
    from warehouse.privacy.retention import purge

    def work(settings: Settings) -> None:
        engine = _engine(settings)
        try:
            result = purge(engine, days=settings.retention_days, actor=audit.actor(by), dry_run=dry_run,
                           store=settings.content_store())
            expired = expire_exports(engine, data_dir=settings.data_dir, days=settings.export_retention_days,
                                     actor=audit.actor(by), dry_run=dry_run)
        finally:
            engine.dispose()
        if dry_run:
            console.print(f"ทดลอง: กรณีที่ปิดแล้วและพ้นระยะเก็บรักษา {settings.retention_days} วัน "
                          f"{len(result.due)} กรณี จะถูกลบ (dry run: {len(result.due)} closed cases past "
                          "retention would be erased; nothing changed)", highlight=False, soft_wrap=True)
            for child_id in result.due:
                console.print(f"  {child_id}", highlight=False)
            console.print(f"ทดลอง: ไฟล์รายงานและไฟล์ส่งออกที่เก่ากว่า {settings.export_retention_days} วัน "
                          f"{len(expired.files)} ไฟล์ ({expired.bytes} ไบต์) จะถูกลบ (dry run: "
                          f"{len(expired.files)} report/export files past retention would be deleted)",
                          highlight=False, soft_wrap=True)
            for item in expired.files:
                console.print(f"  {item.path}", highlight=False, soft_wrap=True)
        else:
            console.print(f"ลบข้อมูลกรณีที่พ้นระยะเก็บรักษาแล้ว {len(result.erased)} กรณี (erased "
                          f"{len(result.erased)} closed cases past retention); "
                          f"audit #{result.audit_event_id}",
                          highlight=False, soft_wrap=True)
            console.print(f"ลบไฟล์รายงานและไฟล์ส่งออกที่พ้นระยะเก็บรักษาแล้ว {len(expired.files)} ไฟล์ "
                          f"({expired.bytes} ไบต์) (deleted {len(expired.files)} report/export files past "
                          f"retention); audit #{expired.audit_event_id}", highlight=False, soft_wrap=True)
        for path in expired.refused:
            console.print(f"  ไม่แตะไฟล์นอกโฟลเดอร์ reports/outbox ของ ODKSYNC_DATA_DIR (left alone, outside "
                          f"the data folder or through a link): {path}", highlight=False, soft_wrap=True)

    _run(work)
