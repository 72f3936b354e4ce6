"""Forms, submissions and sessions the sandbox tests share."""

from __future__ import annotations

import uuid
from pathlib import Path

import requests

from sandbox.central import CentralSandbox

PASSWORD = "correct-horse-battery"
EMAIL = "admin@odksync.local"

VISIT_FORM = """<?xml version="1.0"?>
<h:html xmlns="http://www.w3.org/2002/xforms" xmlns:h="http://www.w3.org/1999/xhtml"
        xmlns:jr="http://openrosa.org/javarosa">
  <h:head>
    <h:title>Home visit</h:title>
    <model>
      <instance>
        <data id="{form_id}" version="{version}">
          <name/><age/><visit_date/><loc/><photo/>
          <household><size/></household>
          <child jr:template=""><cname/><cage/></child>
          <meta><instanceID/></meta>
        </data>
      </instance>
      <bind nodeset="/data/name" type="string"/>
      <bind nodeset="/data/age" type="int"/>
      <bind nodeset="/data/visit_date" type="date"/>
      <bind nodeset="/data/loc" type="geopoint"/>
      <bind nodeset="/data/photo" type="binary"/>
      <bind nodeset="/data/household/size" type="int"/>
      <bind nodeset="/data/child/cname" type="string"/>
      <bind nodeset="/data/child/cage" type="int"/>
      <bind nodeset="/data/meta/instanceID" type="string" readonly="true()" jr:preload="uid"/>
    </model>
  </h:head>
  <h:body>
    <input ref="/data/name"/><input ref="/data/age"/>
    <group ref="/data/child"><repeat nodeset="/data/child">
      <input ref="/data/child/cname"/><input ref="/data/child/cage"/>
    </repeat></group>
  </h:body>
</h:html>
"""


def visit_form(form_id: str = "visit", version: str = "1") -> bytes:
    return VISIT_FORM.format(form_id=form_id, version=version).encode("utf-8")


def visit_xml(instance_id: str | None = None, form_id: str = "visit", version: str = "1",
              name: str = "สมชาย", age: str = "9", extra: str = "") -> bytes:
    instance_id = instance_id or f"uuid:{uuid.uuid4()}"
    return (f'<data id="{form_id}" version="{version}"><name>{name}</name><age>{age}</age>'
            f"<visit_date>2026-01-15</visit_date><loc>13.75 100.5 2 5</loc>"
            f"<household><size>4</size></household>"
            f"<child><cname>A</cname><cage>3</cage></child>"
            f"<child><cname>B</cname><cage>5</cage></child>{extra}"
            f"<meta><instanceID>{instance_id}</instanceID></meta></data>").encode()


def start(data_dir: Path, **kwargs: object) -> CentralSandbox:
    return CentralSandbox(data_dir, admin_email=EMAIL, admin_password=PASSWORD,
                          **kwargs).start()  # type: ignore[arg-type]


def login(sb: CentralSandbox) -> requests.Session:
    session = requests.Session()
    answer = session.post(f"{sb.url}/v1/sessions", json={"email": EMAIL, "password": PASSWORD})
    answer.raise_for_status()
    session.headers["Authorization"] = f"Bearer {answer.json()['token']}"
    return session


def submit(sb: CentralSandbox, session: requests.Session, project: int, xml: bytes,
           form_id: str = "visit") -> requests.Response:
    return session.post(f"{sb.url}/v1/projects/{project}/forms/{form_id}/submissions",
                        data=xml, headers={"Content-Type": "application/xml"})
