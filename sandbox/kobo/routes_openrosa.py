"""OpenRosa submission endpoints as Kobo serves them to KoboCollect (`/submission`, `/api/v1/submissions`)."""

from __future__ import annotations

from email.utils import formatdate
from xml.sax.saxutils import escape

from sandbox.common.multipart import MultipartError, parse_multipart
from sandbox.common.xml_safety import parse_xml
from sandbox.kobo.context import Context
from sandbox.kobo.submissions import Rejected, store_submission
from sandbox.kobo.web import Request, Response, Router

OPENROSA_NS = "http://openrosa.org/http/response"
MAX_BODY = 10_000_000


def openrosa_response(status: int, message: str, nature: str = "") -> Response:
    attr = f' nature="{nature}"' if nature else ""
    body = (f'<OpenRosaResponse xmlns="{OPENROSA_NS}"><message{attr}>{escape(message)}</message>'
            "</OpenRosaResponse>").encode()
    return Response(status, body, [("Content-Type", "text/xml; charset=utf-8"),
                                   ("X-OpenRosa-Version", "1.0"),
                                   ("X-OpenRosa-Accept-Content-Length", str(MAX_BODY)),
                                   ("Date", formatdate(usegmt=True))])


def register(router: Router, ctx: Context) -> None:
    def head(req: Request) -> Response:
        response = openrosa_response(204, "")
        response.body = b""
        return response

    def submit(req: Request) -> Response:
        try:
            parts = parse_multipart(req.headers.get("content-type", ""), req.body)
        except MultipartError:
            return openrosa_response(400, "Multipart form parse error.")
        xml_part = next((p for p in parts if p.name == "xml_submission_file"), None)
        if xml_part is None:
            return openrosa_response(400, "No XML submission file.")
        root = parse_xml(xml_part.data)
        if root is None:
            return openrosa_response(400, "Improperly formatted XML.")
        files = [p for p in parts if p is not xml_part]
        try:
            stored = store_submission(ctx, xml_part.data, root, files, req.user)
        except Rejected as err:
            return openrosa_response(err.status, err.message)
        return openrosa_response(stored.status, stored.message, "submit_success")

    for path in ("/submission", "/api/v1/submissions", r"/(?P<username>[\w.@+-]+)/submission"):
        router.add("HEAD", path, head)
        router.add("POST", path, submit)
