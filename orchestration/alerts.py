"""Alerts about failed runs: kept under the data dir (one JSON line each) and posted to a webhook."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel, SecretStr

from connectors.webhook import WebhookError, post_json

ALERTS_FILE = Path("alerts") / "alerts.jsonl"


class Alert(BaseModel):
    """One failed run, told in Thai for the data manager, with the run's ids for the engineer."""

    job: str
    run_id: str
    error: str
    at: datetime

    @property
    def text(self) -> str:
        return (f"งาน {self.job} ล้มเหลว (run {self.run_id[:8]}): {self.error} — "
                "เปิด Dagster UI ที่ run นี้เพื่อดูรายละเอียด แล้วสั่งรันใหม่ได้อย่างปลอดภัย")


def run_failed(*, job: str, run_id: str, error: str | None) -> Alert:
    first_line = (error or "no error message").strip().splitlines()[0][:500]
    return Alert(job=job, run_id=run_id, error=first_line, at=datetime.now(UTC))


def deliver_alert(alert: Alert, *, data_dir: Path, webhook_url: SecretStr | None) -> str | None:
    """Append the alert to ALERTS_FILE and post it; the webhook's outcome as one line (None: no
    webhook set). A webhook that fails is noted in the file, never raised: the file keeps the alert."""
    outcome = None
    if webhook_url is not None:
        try:
            body = {"text": alert.text, **alert.model_dump(mode="json")}
            outcome = f"webhook answered {post_json(webhook_url, body)}"
        except WebhookError as e:
            outcome = str(e)
    path = data_dir / ALERTS_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    record = {**alert.model_dump(mode="json"), "text": alert.text, "webhook": outcome}
    with path.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    return outcome


def read_alerts(data_dir: Path) -> list[dict[str, object]]:
    path = data_dir / ALERTS_FILE
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
