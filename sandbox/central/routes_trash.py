"""Soft delete and restore of submissions, and the 30-day purge Central runs on a schedule."""

from __future__ import annotations

from datetime import timedelta

from sandbox.central import problems
from sandbox.central.clock import stamp as clock_stamp
from sandbox.central.context import Context
from sandbox.central.records import form_or_404
from sandbox.central.router import Request, Response, Router, success
from sandbox.central.submissions_logic import admin_submission_or_404, existing, stamp

PURGE_DAYS = 30  # Central's PURGE_DAY_RANGE


def purge(ctx: Context, force: bool = False) -> int:
    """Remove submissions deleted more than 30 days ago (all deleted ones when `force`).

    Central purges from a nightly task, not through the API; the sandbox runs this when its
    clock is advanced and tests may call it directly. Returns how many were purged.
    """
    cutoff = clock_stamp(ctx.clock.now() - timedelta(days=PURGE_DAYS))
    where = "deleted_at IS NOT NULL" if force else "deleted_at < ?"
    params: tuple[str, ...] = () if force else (cutoff,)
    with ctx.store.write() as db:
        ids = [r[0] for r in db.execute(f"SELECT id FROM submissions WHERE {where}", params)]
        for sub_id in ids:
            db.execute("DELETE FROM submission_attachments WHERE submission_id = ?", (sub_id,))
            db.execute("DELETE FROM submission_defs WHERE submission_id = ?", (sub_id,))
            db.execute("DELETE FROM submissions WHERE id = ?", (sub_id,))
    return len(ids)


def register(router: Router, ctx: Context) -> None:
    def delete(req: Request) -> Response:
        form, row = admin_submission_or_404(ctx, req)
        with ctx.store.write() as db:
            db.execute("UPDATE submissions SET deleted_at = ? WHERE id = ?",
                       (ctx.now(), row["id"]))
            stamp(db, row["id"], form["id"])
        return success()

    def restore(req: Request) -> Response:
        assert req.auth is not None
        form = form_or_404(ctx, req.params["projectId"], req.params["xmlFormId"])
        req.auth.require_admin()
        row = existing(ctx, form["id"], req.params["instanceId"])
        if row is None or row["deleted_at"] is None:
            raise problems.not_found()
        with ctx.store.write() as db:
            db.execute("UPDATE submissions SET deleted_at = NULL WHERE id = ?", (row["id"],))
            stamp(db, row["id"], form["id"])
        return success()

    base = (r"/projects/(?P<projectId>[^/]+)/forms/(?P<xmlFormId>[^/]+)/submissions/"
            r"(?P<instanceId>[^/]+)")
    router.add("DELETE", base, delete)
    router.add("POST", base + "/restore", restore)
