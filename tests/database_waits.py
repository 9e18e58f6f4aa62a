"""What the database was doing while a request waited: for a test's failure message.

A statement that PostgreSQL stops at ``statement_timeout`` on a few dozen rows either waited
(for a lock) or ran a plan made from wrong statistics. ``waits_recorded`` watches a block of the
test from a second connection: if the block is still running after ``after`` seconds, it
records every session of the test database (state, wait, blockers, transaction age, statement),
the locks that are waited for or held by the sessions in the way, and the planner's statistics
of the largest tables, while it is going on.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

from django.db import connection

_SESSIONS = """
SELECT pid, backend_type, state, wait_event_type, wait_event, pg_blocking_pids(pid),
       round(extract(epoch FROM now() - xact_start)::numeric, 1) AS transaction_seconds,
       round(extract(epoch FROM now() - query_start)::numeric, 1) AS statement_seconds,
       left(regexp_replace(query, '\\s+', ' ', 'g'), 300)
FROM pg_stat_activity
WHERE datname = current_database() AND pid <> pg_backend_pid()
ORDER BY pid
"""
# The locks waited for, and every lock of a session that is in someone's way.
_LOCKS = """
SELECT l.pid, l.locktype, l.relation::regclass, l.mode, l.granted, l.transactionid
FROM pg_locks l
WHERE l.pid <> pg_backend_pid()
  AND (NOT l.granted OR l.pid IN (
      SELECT unnest(pg_blocking_pids(a.pid)) FROM pg_stat_activity a
      WHERE a.datname = current_database()))
ORDER BY l.pid, l.granted, l.locktype
"""

# The planner's view of the largest tables: statistics of an "empty" table (reltuples 0, as
# autovacuum leaves them after a run of rolled-back tests) make it plan nested loops that scan a
# table once per row (the contract horizon's alternatives: 0.2 ms with statistics, 76-165 ms
# without, at 32 contracts, and growing with their square).
_TABLES = """
SELECT c.relname, pg_relation_size(c.oid) / 8192 AS pages, c.relpages, c.reltuples,
       s.n_live_tup, s.n_dead_tup, s.last_autovacuum::time(0), s.last_autoanalyze::time(0)
FROM pg_class c JOIN pg_stat_user_tables s ON s.relid = c.oid
WHERE c.relname LIKE 'platforms_%'
ORDER BY pg_relation_size(c.oid) DESC LIMIT 8
"""


def database_activity(test_pid: int | None = None) -> str:
    """The test database's sessions and contended locks, as text, read on a new connection
    (the test's own may be in an aborted transaction). ``test_pid``: the test's backend (by
    default, this thread's connection's)."""
    if test_pid is None and connection.connection is not None:
        test_pid = connection.connection.get_backend_pid()
    raw = connection.get_new_connection(connection.get_connection_params())
    try:
        raw.autocommit = True
        with raw.cursor() as cursor:
            lines = [
                f"test backend: {test_pid}",
                "sessions (pid, type, state, wait, blockers, "
                "transaction s, statement s, statement):",
            ]
            cursor.execute(_SESSIONS)
            lines += [f"  {row}" for row in cursor.fetchall()]
            lines.append("locks waited for or held by a blocker:")
            cursor.execute(_LOCKS)
            lines += [f"  {row}" for row in cursor.fetchall()]
            lines.append(
                "largest tables (pages now, pages and tuples the planner believes, live, dead, "
                "last autovacuum, last autoanalyze):"
            )
            cursor.execute(_TABLES)
            lines += [f"  {row}" for row in cursor.fetchall()]
        return "\n".join(lines)
    finally:
        raw.close()


@contextlib.contextmanager
def waits_recorded(after: float = 3.0) -> Iterator[list[str]]:
    """Yield a list that holds, if the block still runs ``after`` seconds in (PostgreSQL only),
    ``database_activity`` as it was then."""
    recorded: list[str] = []
    if connection.vendor != "postgresql":
        yield recorded
        return
    connection.ensure_connection()
    test_pid = connection.connection.get_backend_pid()
    done = threading.Event()

    def watch() -> None:
        if not done.wait(after):
            try:
                recorded.append(database_activity(test_pid))
            except Exception as error:  # a diagnosis must not fail the test on its own account
                recorded.append(f"could not read the activity: {error!r}")

    watcher = threading.Thread(target=watch, name="database-waits", daemon=True)
    watcher.start()
    try:
        yield recorded
    finally:
        done.set()
        watcher.join()
