"""Markdown previews for asset metadata: what a data manager sees first on an asset's page."""

from typing import Any

from sqlmodel import Session

from warehouse.status import form_status


def form_status_preview(session: Session, *, source: str, form_id: str) -> str:
    """One form's standing as `odksync status` tells it, as a small markdown table (Thai first)."""
    rows = [r for r in form_status(session) if r["source"] == source and r["form_id"] == form_id]
    if not rows:
        return f"ยังไม่เคยซิงก์แบบฟอร์ม {form_id} จาก {source} (never synced)"
    lines = ["| แหล่ง (source) | โครงการ (project) | ที่ต้นทาง (at source) | ในคลังข้อมูล (held) "
             "| ตรงกัน (in sync) | ซิงก์ล่าสุด (last sync, UTC) | ข้อผิดพลาด (last error) |",
             "|---|---|---|---|---|---|---|"]
    lines += [_row(r) for r in rows]
    return "\n".join(lines)


def _row(r: dict[str, Any]) -> str:
    in_sync = "✅ ตรงกัน" if r["in_sync"] else "⚠️ ไม่ตรงกัน"
    error = str(r["last_error"] or "—").replace("|", "\\|")
    return (f"| {r['source']} | {r['project_id'] or '—'} | {r['source_count']} | {r['warehouse_count']} "
            f"| {in_sync} | {r['last_sync'] or '—'} | {error} |")
