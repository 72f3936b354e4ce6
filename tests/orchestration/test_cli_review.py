"""`odksync review list|accept|reject` and `odksync match` on the warehouse (no files)."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import Engine, select
from sqlmodel import Session

from bench.matching.generate import generate
from tests.orchestration.test_cli import odksync
from warehouse.matching.identity import match_warehouse
from warehouse.matching.store import ReviewPair


def test_review_list_accept_reject_and_the_decision_is_kept(engine: Engine, database_url: str,
                                                             tmp_path: Path) -> None:
    rows, _ = generate(300, seed=3)
    with Session(engine) as session:
        match_warehouse(session, rows)
        session.commit()
    env = {"ODKSYNC_DATA_DIR": str(tmp_path / "data"), "DATABASE_URL": database_url}
    listed = odksync("review", "list", "--json", cwd=tmp_path, env=env)
    assert listed.returncode == 0, listed.stderr
    pending = json.loads(listed.stdout)
    assert len(pending) >= 2 and all(p["status"] == "pending" for p in pending)
    human = odksync("review", "list", cwd=tmp_path, env=env)
    assert human.returncode == 0 and "คู่" in human.stdout and pending[0]["pair"] in human.stdout

    accepted = odksync("review", "accept", pending[0]["pair"], "--by", "ครูสมศรี", cwd=tmp_path, env=env)
    assert accepted.returncode == 0, accepted.stderr
    assert "เด็กคนเดียวกัน" in accepted.stdout and "ครูสมศรี" in accepted.stdout
    rejected = odksync("review", "reject", pending[1]["pair"], cwd=tmp_path, env=env)  # by: the OS user
    assert rejected.returncode == 0, rejected.stderr
    unknown = odksync("review", "accept", "nosuchpair", cwd=tmp_path, env=env)
    assert unknown.returncode == 1 and "nosuchpair" in unknown.stderr and "Traceback" not in unknown.stderr

    decided = {p["pair"]: p for p in json.loads(
        odksync("review", "list", "--status", "all", "--json", cwd=tmp_path, env=env).stdout)}
    assert decided[pending[0]["pair"]]["status"] == "accepted"
    assert decided[pending[0]["pair"]]["decided_by"] == "ครูสมศรี"
    assert decided[pending[1]["pair"]]["status"] == "rejected" and decided[pending[1]["pair"]]["decided_by"]
    with Session(engine) as session:  # a rerun keeps the decisions and honours them
        result = match_warehouse(session, rows)
        session.commit()
        kept = {p.pair_key: p.status for p in session.scalars(select(ReviewPair))}
    assert kept[pending[0]["pair"]] == "accepted" and kept[pending[1]["pair"]] == "rejected"
    left, right = pending[0]["left"]["observation"], pending[0]["right"]["observation"]
    assert result.child_of[left] == result.child_of[right]


def test_match_without_files_matches_the_warehouse(database_url: str, tmp_path: Path) -> None:
    env = {"ODKSYNC_DATA_DIR": str(tmp_path / "data"), "DATABASE_URL": database_url}
    done = odksync("match", cwd=tmp_path, env=env)
    assert done.returncode == 0, done.stderr
    assert "0 รายการ" in done.stdout and "pairs waiting for review" in done.stdout
    half = odksync("match", "--output", str(tmp_path / "out.csv"), cwd=tmp_path, env=env)
    assert half.returncode == 2 and "--input" in half.stderr
