"""Entity routes: list, create, read, update with baseVersion or force, delete, versions."""

from __future__ import annotations

import json
import sqlite3

from sandbox.central import entity_problems, problems
from sandbox.central.context import Context
from sandbox.central.entities_logic import (
    current_def,
    entity_json,
    extract_body,
    find_entity,
    insert_entity,
    insert_version,
    normalize_uuid,
    property_names,
    touch,
    versions_json,
)
from sandbox.central.router import Request, Response, Router, json_response, success
from sandbox.central.routes_datasets import DATASET, dataset_or_404

ENTITY = DATASET + r"/entities/(?P<uuid>[^/]+)"


def register(router: Router, ctx: Context) -> None:
    def extended(req: Request) -> bool:
        return (req.header("x-extended-metadata") or "").lower() == "true"

    def one(req: Request, dataset_id: int, deleted: bool = False) -> sqlite3.Row:
        entity = find_entity(None, ctx, dataset_id, normalize_uuid(req.params["uuid"]), deleted)
        if entity is None:
            raise problems.not_found()
        return entity

    def list_entities(req: Request) -> Response:
        dataset = dataset_or_404(ctx, req)
        deleted = req.flag("deleted")
        rows = ctx.store.all("SELECT * FROM entities WHERE dataset_id = ? AND deleted_at IS "
                             f"{'NOT ' if deleted else ''}NULL ORDER BY created_at DESC, id "
                             "DESC", (dataset["id"],))
        return json_response([entity_json(ctx, r, False, extended=extended(req))
                              for r in rows])

    def create(req: Request) -> Response:
        assert req.auth is not None
        dataset = dataset_or_404(ctx, req)
        body = req.json_body()
        if isinstance(body, dict) and "entities" in body:
            raise problems.not_implemented("bulk entity creation")
        uuid, label, data, _ = extract_body(body, property_names(ctx, dataset["id"]), None)
        assert uuid is not None
        with ctx.store.write() as db:
            insert_entity(db, ctx, dataset["id"], uuid, label, data, req.auth.actor_id,
                          req.header("user-agent"), {})
        entity = find_entity(None, ctx, dataset["id"], uuid)
        assert entity is not None
        return json_response(entity_json(ctx, entity, True))

    def get_entity(req: Request) -> Response:
        dataset = dataset_or_404(ctx, req)
        entity = one(req, dataset["id"])
        return json_response(entity_json(ctx, entity, True, property_names(ctx, dataset["id"]),
                                         extended(req)))

    def patch_entity(req: Request) -> Response:
        assert req.auth is not None
        dataset = dataset_or_404(ctx, req)
        entity = one(req, dataset["id"])
        if req.flag("resolve") and entity["conflict"] is None:
            raise entity_problems.no_conflict()
        server = current_def(None, ctx, entity["id"])
        provided = req.query.get("baseVersion")
        if provided != str(server["version"]) and not req.flag("force"):
            raise entity_problems.version_conflict(str(server["version"]), provided)
        body = req.json_body()
        with ctx.store.write() as db:
            if req.flag("resolve") and not body:
                db.execute("UPDATE entities SET conflict = NULL, updated_at = ? WHERE id = ?",
                           (ctx.now(), entity["id"]))
                touch(db, ctx, dataset["id"])
            else:
                _, label, data, received = extract_body(
                    body, property_names(ctx, dataset["id"]),
                    (server["label"], json.loads(server["data"])))
                insert_version(db, ctx, entity, label, data, received, server["version"],
                               entity["conflict"], None, req.auth.actor_id,
                               req.header("user-agent"), {})
                if req.flag("resolve"):
                    db.execute("UPDATE entities SET conflict = NULL WHERE id = ?",
                               (entity["id"],))
        fresh = find_entity(None, ctx, dataset["id"], entity["uuid"])
        assert fresh is not None
        return json_response(entity_json(ctx, fresh, True))

    def delete_entity(req: Request) -> Response:
        dataset = dataset_or_404(ctx, req)
        entity = one(req, dataset["id"])
        with ctx.store.write() as db:
            db.execute("UPDATE entities SET deleted_at = ? WHERE id = ?", (ctx.now(),
                                                                          entity["id"]))
            touch(db, ctx, dataset["id"])
        return success()

    def restore(req: Request) -> Response:
        dataset = dataset_or_404(ctx, req)
        entity = one(req, dataset["id"], deleted=True)
        with ctx.store.write() as db:
            db.execute("UPDATE entities SET deleted_at = NULL WHERE id = ?", (entity["id"],))
            touch(db, ctx, dataset["id"])
        return success()

    def versions(req: Request) -> Response:
        dataset = dataset_or_404(ctx, req)
        entity = one(req, dataset["id"])
        return json_response(versions_json(ctx, entity, property_names(ctx, dataset["id"]),
                                           extended(req)))

    router.add("GET", DATASET + "/entities", list_entities)
    router.add("POST", DATASET + "/entities", create)
    router.add("GET", ENTITY + "/versions", versions)
    router.add("POST", ENTITY + "/restore", restore)
    router.add("GET", ENTITY, get_entity)
    router.add("PATCH", ENTITY, patch_entity)
    router.add("DELETE", ENTITY, delete_entity)
