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
- Requests whose clients have gone are dropped before any work (``post_worker_init`` below): after
  a storm of slow requests, the queue is not worked through for nobody while a new request waits.
"""

import os
import socket

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


class DropGoneClients:
    """WSGI middleware: answer nothing to a request whose client closed its connection while the
    request waited in the worker's queue (the socket reads as closed), instead of running it."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        sock = environ.get("gunicorn.socket")
        if sock is not None:
            try:
                gone = sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b""
            except (BlockingIOError, InterruptedError):
                gone = False  # open, nothing more to read: the client is waiting
            except OSError:
                gone = True
            if gone:
                start_response("499 Client Closed Request", [("Content-Length", "0")])
                return []
        return self.app(environ, start_response)


def post_worker_init(worker):
    worker.wsgi = DropGoneClients(worker.wsgi)
