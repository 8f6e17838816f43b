"""Every way of rewriting the access log, done with direct SQL as its owner would, is caught.

The attacker here has full write access to the database: drops or disables the append-only
triggers, recomputes every leaf and tree node with the published algorithm (the project's own
code), even edits the server's checkpoint file. What they cannot do is sign: the key lives
outside the database. Each test checks both ``verify_log`` and ``plateward audit verify``.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, create_engine, delete, insert, select, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from typer.testing import CliRunner

from plateward.audit.actor import Actor
from plateward.audit.checkpoints import generate_key, load_verifier, read_notes
from plateward.audit.cut import cut_log
from plateward.audit.log import Entry, append
from plateward.audit.merkle import Frontier
from plateward.audit.publish import LogDisagrees, publish_checkpoint
from plateward.audit.schema import access_log, access_log_nodes
from plateward.audit.tree import entry_leaf, tree_head
from plateward.audit.verify import ExpectedHead, Report, verify_log
from plateward.cli import app
from plateward.settings import Settings, load_settings
from plateward.store.database import open_database
from plateward.store.migrate import upgrade


@pytest.fixture
def signed(database_url: str, tmp_path: Path) -> Settings:
    """Settings with a signing key, and a log of 30 entries covered by a signed checkpoint."""
    key = tmp_path / "keys" / "log.key"
    settings = load_settings(
        db=database_url, data_dir=tmp_path / "data", audit={"signing_key": str(key)}
    )
    generate_key(key, settings.audit.origin)
    engine = open_database(database_url)
    upgrade(engine)
    log_entries(engine, 30)
    assert publish_checkpoint(engine, settings.audit) is not None
    engine.dispose()
    return settings


def log_entries(engine: Engine, count: int, start: int = 0) -> None:
    with engine.begin() as connection:
        for k in range(start, start + count):
            append(connection, Entry(
                username=f"deputy{k % 3}", agency="CCSO", action="search.plate",
                query={"plate": f"7ABC{k:03d}"}, case_number=f"26-{k:06d}",
                reason="robbery suspect vehicle on Main St", result_count=k % 4,
            ))  # fmt: skip


def as_owner(settings: Settings) -> tuple[Engine, Connection]:
    """A connection with the append-only guards off, as an owner or intruder can arrange."""
    engine = open_database(settings.database_url())
    connection = engine.connect()
    if connection.dialect.name == "postgresql":
        for table in ("access_log", "access_log_nodes", "access_log_checkpoints"):
            connection.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER USER"))
    else:
        for (name,) in connection.execute(
            text(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'access_log%'"
            )
        ).all():
            connection.execute(text(f"DROP TRIGGER {name}"))
    return engine, connection


def rebuild_tree(connection: Connection) -> None:
    """Recompute every leaf and node from the entries as they now are: the published algorithm."""
    connection.execute(delete(access_log_nodes))
    frontier = Frontier()
    rows = connection.execute(select(access_log).order_by(access_log.c.leaf_index)).all()
    for position, row in enumerate(rows):
        if row.leaf_index != position:
            connection.execute(
                update(access_log).where(access_log.c.id == row.id).values(leaf_index=position)
            )
        for level, pos, value in frontier.append(entry_leaf(row._mapping)):
            connection.execute(
                insert(access_log_nodes).values(level=level, position=pos, hash=value.hex())
            )


def finish(engine: Engine, connection: Connection) -> None:
    connection.commit()
    connection.close()
    engine.dispose()


def check(settings: Settings, *args: str) -> tuple[Report, Any]:
    """verify_log against the server's checkpoint file, and the command's outcome."""
    path = settings.audit.checkpoint_path()
    assert path is not None
    verifier = load_verifier(settings.audit.public_key_path())  # type: ignore[arg-type]
    heads = []
    for note in read_notes(path):
        opened = verifier.open(note)
        heads.append(ExpectedHead(opened.root, opened.size, opened.describe()))
    engine = open_database(settings.database_url())
    with engine.connect() as connection:
        report = verify_log(connection, heads)
    engine.dispose()
    done = CliRunner().invoke(
        app, ["audit", "verify", "--db", settings.database_url(), *args],
        env={"PLATEWARD_AUDIT__SIGNING_KEY": str(settings.audit.signing_key),
             "PLATEWARD_DATA_DIR": str(settings.data_dir)},
    )  # fmt: skip
    return report, done


def test_an_untouched_log_verifies_against_its_checkpoints(signed: Settings) -> None:
    report, done = check(signed)
    assert report.intact and report.size == 30 and report.heads_checked == 1
    assert done.exit_code == 0, done.output
    assert "intact: 30 entries" in done.output


def test_the_stored_subtrees_are_exactly_the_published_algorithms(signed: Settings) -> None:
    """Each entry's leaf and the subtrees it completes, as ``append`` stores them (its left
    siblings read in one statement), equal the frontier's over the entries, at 30 entries and
    at 100 (sizes whose last leaf completes none, one and several subtrees)."""
    engine = open_database(signed.database_url())
    for more in (0, 33, 1, 36):
        log_entries(engine, more, start=1000)
        with engine.connect() as connection:
            rows = connection.execute(select(access_log).order_by(access_log.c.leaf_index)).all()
            stored = {
                (r.level, r.position): bytes.fromhex(r.hash)
                for r in connection.execute(select(access_log_nodes))
            }
        frontier, expected = Frontier(), {}
        for row in rows:
            for level, position, value in frontier.append(entry_leaf(row._mapping)):
                expected[(level, position)] = value
        assert stored == expected, len(rows)
    assert len(rows) == 100
    engine.dispose()


def test_the_triggers_refuse_update_delete_and_truncate(signed: Settings) -> None:
    engine = open_database(signed.database_url())
    statements = [
        update(access_log).where(access_log.c.id == 3).values(reason="routine"),
        delete(access_log).where(access_log.c.id == 30),
        update(access_log_nodes).where(access_log_nodes.c.level == 0).values(hash="0" * 64),
        delete(access_log_nodes),
    ]
    if engine.dialect.name == "postgresql":
        statements.append(text("TRUNCATE access_log_nodes"))
    for statement in statements:
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
            connection.execute(statement)
    engine.dispose()
    assert check(signed)[0].intact


def test_deleting_the_last_entry_is_found_and_its_id_not_reused(signed: Settings) -> None:
    engine, connection = as_owner(signed)
    connection.execute(delete(access_log).where(access_log.c.id == 30))
    finish(engine, connection)
    report, done = check(signed)
    assert not report.intact
    assert "the entry at leaf 29: deleted" in " ".join(report.problems)
    assert done.exit_code == 1 and "deleted" in done.output
    engine = open_database(signed.database_url())
    with engine.begin() as connection:
        new_id = append(connection, Entry("deputy1", "CCSO", "search.plate", {"plate": "X"},
                                          case_number="26-000001"))  # fmt: skip
    engine.dispose()
    assert new_id == 31


def test_cutting_the_last_twenty_with_their_tree_is_found(signed: Settings) -> None:
    engine, connection = as_owner(signed)
    connection.execute(delete(access_log).where(access_log.c.leaf_index >= 10))
    rebuild_tree(connection)
    finish(engine, connection)
    report, done = check(signed)
    assert any("covers 30 entries but the log has 10" in p for p in report.problems)
    assert done.exit_code == 1 and "rolled back" in done.output
    # The server notices too: it will not sign over a log that lost what it signed.
    engine = open_database(signed.database_url())
    log_entries(engine, 25, start=100)  # back to more than 30 entries, with other ones
    with pytest.raises(LogDisagrees, match="does not extend"):
        publish_checkpoint(engine, signed.audit)
    with engine.connect() as connection:
        ids = connection.execute(select(access_log.c.id).order_by(access_log.c.id)).scalars().all()
    engine.dispose()
    assert ids[10] == 31  # the sequence goes on: the cut ids are not handed out again


@pytest.mark.parametrize("tamper", ["edit", "delete", "insert", "reorder"])
def test_rewriting_history_and_recomputing_every_hash_is_found(
    signed: Settings, tamper: str
) -> None:
    engine, connection = as_owner(signed)
    if tamper == "edit":
        connection.execute(
            update(access_log).where(access_log.c.id == 7).values(reason="routine check")
        )
    elif tamper == "delete":
        connection.execute(delete(access_log).where(access_log.c.id == 12))
    elif tamper == "insert":
        row = dict(
            connection.execute(select(access_log).where(access_log.c.id == 5)).one()._mapping
        )
        connection.execute(update(access_log).where(access_log.c.leaf_index >= 5)
                           .values(leaf_index=access_log.c.leaf_index + 1000))  # fmt: skip
        connection.execute(
            insert(access_log).values({**row, "id": 1000, "leaf_index": 5, "username": "ghost"})
        )
    else:
        connection.execute(update(access_log).where(access_log.c.id == 3).values(leaf_index=-1))
        connection.execute(update(access_log).where(access_log.c.id == 4).values(leaf_index=2))
        connection.execute(update(access_log).where(access_log.c.id == 3).values(leaf_index=3))
    rebuild_tree(connection)
    if tamper == "delete":  # add one back so the count is what the checkpoint says
        row = dict(
            connection.execute(select(access_log).where(access_log.c.id == 30)).one()._mapping
        )
        connection.execute(insert(access_log).values({**row, "id": 31, "leaf_index": 29}))
        rebuild_tree(connection)
    finish(engine, connection)
    report, done = check(signed)
    assert not report.intact
    assert any("does not match the log" in p for p in report.problems), report.problems
    assert done.exit_code == 1 and "changed, removed, inserted or reordered" in done.output


def test_a_rollback_to_an_older_copy_is_found(signed: Settings, tmp_path: Path) -> None:
    url = signed.database_url()
    old_url = _copy_database(url, tmp_path)
    engine = open_database(url)
    log_entries(engine, 5, start=30)
    assert publish_checkpoint(engine, signed.audit) is not None
    engine.dispose()
    rolled_back = signed.model_copy(update={"db": old_url})
    report, done = check(rolled_back)
    assert any("covers 35 entries but the log has 30" in p for p in report.problems)
    assert done.exit_code == 1
    if not old_url.startswith("sqlite"):
        _drop_database(old_url)


def test_an_auditors_own_checkpoint_catches_what_the_server_file_no_longer_shows(
    signed: Settings, tmp_path: Path
) -> None:
    path = signed.audit.checkpoint_path()
    assert path is not None
    kept = tmp_path / "auditor-copy.jsonl"
    shutil.copy(path, kept)
    engine = open_database(signed.database_url())
    with engine.connect() as connection:
        size, root_bytes = tree_head(connection)
    engine.dispose()
    engine, connection = as_owner(signed)
    connection.execute(update(access_log).where(access_log.c.id == 2).values(username="other"))
    rebuild_tree(connection)
    finish(engine, connection)
    path.unlink()  # the intruder also removes the server's own checkpoints
    _, done = check_with(signed, "--checkpoint", str(kept))
    assert done.exit_code == 1, done.output
    _, done = check_with(signed, "--checkpoint", root_bytes.hex())
    assert done.exit_code == 1 and "never at that root" in done.output
    _, done = check_with(signed, "--checkpoint", f"{size}:{root_bytes.hex()}")
    assert done.exit_code == 1 and "does not match" in done.output


def check_with(settings: Settings, *args: str) -> tuple[None, Any]:
    done = CliRunner().invoke(
        app, ["audit", "verify", "--db", settings.database_url(), *args],
        env={"PLATEWARD_AUDIT__SIGNING_KEY": str(settings.audit.signing_key),
             "PLATEWARD_DATA_DIR": str(settings.data_dir)},
    )  # fmt: skip
    return None, done


def test_a_changed_checkpoint_signature_is_refused(signed: Settings) -> None:
    path = signed.audit.checkpoint_path()
    assert path is not None
    # The intruder edits the signed size: the signature no longer fits the note.
    path.write_text(path.read_text().replace("\\n30\\n", "\\n29\\n"))
    _, done = check_with(signed)
    assert done.exit_code == 2 and "does not verify" in done.output


def test_a_recorded_retention_cut_stays_verifiable(signed: Settings) -> None:
    engine = open_database(signed.database_url())
    with engine.begin() as connection:
        removed = cut_log(connection, 20, Actor("system:retention", "system"),
                          reason="retention period of 2 years (policy A.10)")  # fmt: skip
    assert removed == 20
    log_entries(engine, 3, start=200)
    assert publish_checkpoint(engine, signed.audit) is not None
    engine.dispose()
    report, done = check(signed)
    assert report.intact, report.problems
    assert report.cut == 20 and report.entries == 30 - 20 + 1 + 3
    assert done.exit_code == 0 and "retention cuts" in done.output
    # Deleting past the cut is still refused, and found if forced.
    engine = open_database(signed.database_url())
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
        connection.execute(delete(access_log).where(access_log.c.leaf_index == 25))
    engine.dispose()


def _copy_database(url: str, tmp_path: Path) -> str:
    if url.startswith("sqlite"):
        source = Path(make_url(url).database or "")
        copy = tmp_path / "older-copy.db"
        engine = open_database(url)
        with engine.connect() as connection:
            connection.exec_driver_sql(f"VACUUM INTO '{copy}'")
        engine.dispose()
        assert source.exists()
        return f"sqlite:///{copy}"
    parsed = make_url(url)
    name = f"{parsed.database}_old"
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{parsed.database}"'))
    admin.dispose()
    return parsed.set(database=name).render_as_string(hide_password=False)


def _drop_database(url: str) -> None:
    parsed = make_url(url)
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
    admin.dispose()
