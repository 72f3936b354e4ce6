"""Turn one raw HTTP request into a Response: prefixes, routing, pre-checks, auth, errors."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, unquote, urlsplit

from sandbox.central import (
    odata_entities,
    odata_routes,
    problems,
    routes_actor_properties,
    routes_auth,
    routes_datasets,
    routes_entities,
    routes_forms,
    routes_openrosa,
    routes_projects,
    routes_submission_files,
    routes_submissions,
    routes_trash,
    routes_versions,
)
from sandbox.central.auth import authenticate
from sandbox.central.context import Context
from sandbox.central.router import ODATA_JSON, ODATA_XML, OPENROSA, Request, Response, Router, json_response


def build_router(ctx: Context) -> Router:
    """Order matters: OData before forms, since `x.svc` would otherwise look like a form id."""
    router = Router()
    routes_auth.register(router, ctx)
    routes_projects.register(router, ctx)
    routes_actor_properties.register(router, ctx)
    odata_entities.register(router, ctx)  # before datasets: `x.svc` looks like a list name
    routes_datasets.register(router, ctx)
    routes_entities.register(router, ctx)
    routes_openrosa.register(router, ctx)
    odata_routes.register(router, ctx)
    routes_submissions.register(router, ctx)
    routes_versions.register(router, ctx)
    routes_trash.register(router, ctx)
    routes_submission_files.register(router, ctx)
    routes_forms.register(router, ctx)
    return router


def _problem_response(err: problems.Problem, kind: str) -> Response:
    if kind == OPENROSA:
        return routes_submissions.openrosa_message(err.message, "error", err.status)
    response = json_response(err.body(), err.status)
    return response


def dispatch(ctx: Context, router: Router, method: str, target: str, headers: dict[str, str],
             body: bytes) -> Response:
    parts = urlsplit(target)
    version = re.match(r"^/v(\d+)(/.*)$", parts.path)
    if version is None:
        return _problem_response(problems.missing_api_version(), "json")
    if version.group(1) != "1":
        got = version.group(1)
        return _problem_response(problems.Problem(
            404.3, f"Unexpected an API version (accepts: 1) (got: {got}).", {"got": got}), "json")
    path = version.group(2)
    field_key = None
    key = re.match(r"^/key/([^/]+)/", path)
    if key:
        field_key = unquote(key.group(1))
        path = path[len(key.group(0)) - 1:]
    query = dict(reversed(parse_qsl(parts.query, keep_blank_values=True)))
    found = router.match(method, path)
    if found is None:
        return _problem_response(problems.not_found(), "json")
    route, params = found
    req = Request(method=method, path=path, original_url=target, query=query, headers=headers,
                  body=body, field_key=field_key, params=params)
    try:
        if route.kind == OPENROSA:
            routes_submissions.openrosa_precheck(req)
        elif route.kind in (ODATA_JSON, ODATA_XML):
            odata_routes.precheck(req, "json" if route.kind == ODATA_JSON else "xml")
        if not route.anonymous:
            req.auth = authenticate(ctx, req)
        response = route.handler(req)
    except problems.Problem as err:
        return _problem_response(err, route.kind)
    if route.kind in (ODATA_JSON, ODATA_XML):
        response.headers.append(("OData-Version", "4.0"))
    return response
