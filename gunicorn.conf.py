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
"""

import os

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
