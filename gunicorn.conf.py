"""Gunicorn settings for the catalogue (read automatically from the working directory, so
``gunicorn catalogue.wsgi:application`` uses them; every value can be overridden on the command
line or with the environment variables named below).

Why these values (issue 14: the service never stops answering under overload):

- ``gthread`` workers: each worker holds its connections in a poller and runs requests on a few
  threads, so a slow request does not block the worker's other clients, and idle or closed
  connections cost nothing (with ``sync`` workers, abandoned requests stayed queued for minutes).
- ``timeout``: a worker silent for this long is killed and replaced. The database's own
  ``statement_timeout`` (``DATABASE_STATEMENT_TIMEOUT``, see catalogue/settings.py) stops a slow
  query well before that, so a request answers 503 rather than hanging.
- ``worker_connections``: at most this many open connections per worker; with ``backlog`` it
  bounds how much work can queue up, so that overload is refused quickly instead of served
  minutes late.
- ``max_requests`` (with jitter): workers are recycled now and then, so that memory stays flat.
- Requests whose clients have gone are dropped before any work, and stopped while they run (at
  their next SQL statement, or by cancelling the PostgreSQL statement they wait for): after a
  storm of slow searches, neither the queue nor the threads are worked through for nobody while a
  new request waits (``DropGoneClients`` below; a plain request right after a 30 s search storm
  answered in 1.1 s before the in-flight part, 0.1-0.3 s after).
"""

import contextlib
import os
import socket
import threading
import time

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
worker_connections = int(os.environ.get("GUNICORN_WORKER_CONNECTIONS", "250"))
backlog = int(os.environ.get("GUNICORN_BACKLOG", "256"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "20"))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", "200"))
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# How often each worker looks for running requests whose clients have gone (DropGoneClients).
GONE_CHECK_SECONDS = float(os.environ.get("GUNICORN_GONE_CHECK_SECONDS", "0.25"))


def _client_gone(sock: socket.socket) -> bool:
    """The client closed its connection (the socket reads as closed): nobody will read the
    answer."""
    try:
        return sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b""
    except (BlockingIOError, InterruptedError):
        return False  # open, nothing more to read: the client is waiting
    except OSError:
        return True


_TRANSACTION_CONTROL = ("SAVEPOINT", "RELEASE", "ROLLBACK", "COMMIT")


class DropGoneClients:
    """WSGI middleware: answer nothing to a request whose client closed its connection while the
    request waited in the worker's queue, instead of running it; and stop a request whose client
    goes while it runs. A storm's abandoned searches would otherwise hold every thread for
    seconds after their clients left, and the next request waited for them. Each running request
    is checked before each of its SQL statements (it then stops with a 499 nobody reads), and a
    watcher thread checks every ``GONE_CHECK_SECONDS`` and cancels the PostgreSQL statement a
    gone client's request is waiting for (it then ends as a statement the database stopped)."""

    def __init__(self, app):
        from django.db import connections
        from rest_framework.exceptions import APIException

        class ClientGone(APIException):
            status_code = 499
            default_code = "client_gone"
            default_detail = "The client closed the connection."

        self.app = app
        self.connections = connections
        self.gone = ClientGone
        self.running: dict[int, tuple] = {}  # thread id -> (socket, database connection)
        self.lock = threading.Lock()
        threading.Thread(target=self.watch, name="drop-gone-clients", daemon=True).start()

    def __call__(self, environ, start_response):
        sock = environ.get("gunicorn.socket")
        if sock is None:
            return self.app(environ, start_response)
        if _client_gone(sock):
            start_response("499 Client Closed Request", [("Content-Length", "0")])
            return []

        def stop_if_gone(execute, sql, params, many, context):
            # Never a savepoint's release or rollback: a transaction must still end cleanly.
            if not sql.lstrip().startswith(_TRANSACTION_CONTROL) and _client_gone(sock):
                raise self.gone()
            return execute(sql, params, many, context)

        database = self.connections["default"]
        me = threading.get_ident()
        with self.lock:
            self.running[me] = (sock, database)
        try:
            # Around the view only: a streamed body's queries run after this returns, and a
            # gone client stops those by the failed write.
            with database.execute_wrapper(stop_if_gone):
                return self.app(environ, start_response)
        finally:
            with self.lock:
                self.running.pop(me, None)

    def watch(self):
        while True:
            time.sleep(GONE_CHECK_SECONDS)
            with self.lock:  # held while cancelling: the request cannot move on meanwhile
                for sock, database in self.running.values():
                    raw = database.connection
                    if raw is None or database.vendor != "postgresql" or not _client_gone(sock):
                        continue
                    # psycopg's cancel is safe from another thread, and ignored by an idle
                    # connection; a closed one has nothing to stop.
                    with contextlib.suppress(Exception):
                        raw.cancel()


def post_worker_init(worker):
    worker.wsgi = DropGoneClients(worker.wsgi)
