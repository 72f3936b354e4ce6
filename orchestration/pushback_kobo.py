"""Push-back to KoboToolbox: the forms' `children.csv` media rebuilt from the warehouse, uploaded only
when its content changed.

Kobo has no entity lists, so the children list travels as form media with the columns of the
`children` entity list (forms/xlsform/media/children.csv's header). One row per active child (merged
ids are represented by their survivor, erased children are left out entirely); `name` is a uuid
derived from the warehouse `child_id` (uuid5 in CHILD_NAMESPACE), stable across runs and whatever
Central holds, so a Kobo-only run and a run with Central write the same file. The personal columns
come from the child's earliest registration, the status columns from the same rules as the entity
push.

The file is kept under the data dir (orchestration.kobo.children_csv then serves it to `forms deploy`
too). Upload: each form that uses children.csv and is already on Kobo goes through the Kobo deploy,
which compares Kobo's own md5 of the file and writes nothing when it is the same — so a second run
uploads nothing; a changed file is replaced and the form redeployed, which is what sends new media to
KoboCollect.
"""

from __future__ import annotations

import csv
import io
import logging
import uuid as uuid_module
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session, col, select

import forms
from connectors.kobo import KoboClient
from orchestration.kobo import CHILDREN_CSV, form_media, pushed_children_csv
from orchestration.settings import Settings
from warehouse.db import session_scope
from warehouse.matching.store import Child
from warehouse.normalised import ChildObservation
from warehouse.privacy.tombstone import erased_child_ids
from warehouse.pushback.children import child_states, registration_rows

log = logging.getLogger("odksync.push")

# Names for children without a Central entity: uuid5 of the warehouse child_id in this namespace.
CHILD_NAMESPACE = uuid_module.UUID("6f2b7c1e-9a4d-5e8b-b1c3-0d9e8f7a6b5c")
BATCH = 500


@dataclass
class KoboPushCounts:
    rows: int = 0
    file_changed: bool = False
    forms_uploaded: int = 0
    forms_unchanged: int = 0
    forms_not_on_kobo: int = 0


def header() -> list[str]:
    """children.csv's columns, as the forms' shipped file declares them."""
    shipped = forms.media_paths()[CHILDREN_CSV]
    return next(csv.reader(io.StringIO(shipped.read_text(encoding="utf-8"))))


def child_name(child_id: str) -> str:
    """The choice value Kobo forms record for this child (`case/child`)."""
    return str(uuid_module.uuid5(CHILD_NAMESPACE, child_id))


def _village(o: ChildObservation) -> str:
    moo = f"หมู่ {o.moo} " if o.moo is not None else ""
    return " ".join(f"{moo}{o.village_name or o.village_name_as_entered or ''}".split())


def _personal(o: ChildObservation | None) -> dict[str, str]:
    if o is None:
        return {}
    full = " ".join(x for x in (o.first_name or o.first_name_as_entered,
                                o.last_name or o.last_name_as_entered) if x)
    nickname = o.nickname or o.nickname_as_entered or ""
    village = _village(o)
    label = full + (f" ({nickname})" if nickname else "") + (f" · {village}" if village else "")
    return {"label": label or "-", "full_name": full, "nickname": nickname, "village": village,
            "lao_code": o.lao_code or "", "registered_on": o.observed_on.isoformat() if o.observed_on else "",
            "birth_year": str(o.birth_date.year if o.birth_date else o.birth_year or "")}


def _active_ids(session: Session) -> Iterator[list[str]]:
    after = ""
    while True:
        query = select(Child.child_id).where(Child.status == "active", col(Child.child_id) > after)
        batch = list(session.exec(query.order_by(col(Child.child_id)).limit(BATCH)))
        if not batch:
            return
        yield batch
        after = batch[-1]


def children_csv_text(engine: Engine) -> tuple[str, int]:
    """The whole children.csv (UTF-8, LF, no BOM, rows by child id) and its number of rows."""
    columns = header()
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    rows = 0
    with session_scope(engine) as session:
        erased = erased_child_ids(session)
        for batch in _active_ids(session):
            live = [c for c in batch if c not in erased]
            states = child_states(session, live, erased=())
            registrations = registration_rows(session, live)
            for child_id in live:
                row = dict.fromkeys(columns, "")
                row.update(_personal(registrations.get(child_id)))
                row.update(states[child_id].values)
                row.update(name=child_name(child_id), child_id=child_id, merged_into="")
                row["label"] = row["label"] or "-"
                writer.writerow(row)
                rows += 1
    return out.getvalue(), rows


def write_children_csv(settings: Settings, engine: Engine) -> tuple[Path, bool, int]:
    """Write the file when its content differs; (path, changed, rows)."""
    text, rows = children_csv_text(engine)
    path = pushed_children_csv(settings)
    data = text.encode("utf-8")
    if path.exists() and path.read_bytes() == data:
        return path, False, rows
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)
    return path, True, rows


def push_kobo(settings: Settings, engine: Engine, kobo: KoboClient) -> KoboPushCounts:
    """Rebuild children.csv and send it to every form on Kobo that uses it, when Kobo's copy differs."""
    _, changed, rows = write_children_csv(settings, engine)
    counts = KoboPushCounts(rows=rows, file_changed=changed)
    for path in forms.form_paths():
        media = form_media(settings, path)
        if CHILDREN_CSV not in media:
            continue
        if kobo.find_asset(path.stem) is None:  # the stem is the form_id (STYLE rule 13)
            counts.forms_not_on_kobo += 1  # `odksync forms deploy --target kobo` puts it there first
            continue
        result = kobo.deploy_form(path, attachments=media)
        if result.action == "unchanged":
            counts.forms_unchanged += 1
        else:
            counts.forms_uploaded += 1
    log.info("push to Kobo: %d rows, file changed %s, forms uploaded %d, unchanged %d, not on Kobo %d",
             counts.rows, counts.file_changed, counts.forms_uploaded, counts.forms_unchanged,
             counts.forms_not_on_kobo)
    return counts


def describe_kobo(counts: KoboPushCounts) -> str:
    return (f"Kobo children.csv: {counts.rows} แถว (rows), ส่งใหม่ {counts.forms_uploaded} แบบฟอร์ม "
            f"(forms uploaded), ไม่เปลี่ยน {counts.forms_unchanged} (unchanged), "
            f"ยังไม่อยู่บน Kobo {counts.forms_not_on_kobo} (not on Kobo)")
