"""gunicorn.conf.py's DropGoneClients: a request whose client has gone is not run, and one whose
client goes while it runs stops at its next SQL statement, or (PostgreSQL) has its running
statement cancelled, so that abandoned work does not hold the workers' threads."""

import runpy
import socket
import threading
import time
from pathlib import Path

import pytest
from django.db import OperationalError, connection, transaction

CONF = runpy.run_path(str(Path(__file__).resolve().parents[2] / "gunicorn.conf.py"))


@pytest.fixture
def pair():
    server, client = socket.socketpair()
    yield server, client
    server.close()
    client.close()


def call(middleware, server_socket):
    statuses = []
    body = middleware({"gunicorn.socket": server_socket}, lambda s, h: statuses.append(s))
    return statuses, body


def test_a_request_whose_client_has_gone_is_not_run(pair):
    server, client = pair
    ran = []
    middleware = CONF["DropGoneClients"](lambda environ, start: ran.append(1) or [b"x"])
    client.close()
    statuses, body = call(middleware, server)
    assert (statuses, body, ran) == (["499 Client Closed Request"], [], [])


def test_a_waiting_client_is_served(pair, db):
    server, _client = pair

    def app(environ, start_response):
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        start_response("200 OK", [])
        return [b"ok"]

    assert call(CONF["DropGoneClients"](app), server) == (["200 OK"], [b"ok"])


def test_a_client_that_goes_stops_the_request_at_its_next_statement(pair, db):
    server, client = pair
    statements = []

    def app(environ, start_response):
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            statements.append(1)
            client.close()
            cursor.execute("SELECT 2")
            statements.append(2)

    middleware = CONF["DropGoneClients"](app)
    with pytest.raises(middleware.gone) as raised:
        call(middleware, server)
    assert raised.value.status_code == 499
    assert statements == [1]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="cancels a PostgreSQL statement")
def test_a_client_that_goes_has_its_running_statement_cancelled(pair, db):
    server, client = pair

    def app(environ, start_response):
        # The client leaves while the statement runs: only the watcher can stop it.
        threading.Timer(0.5, client.close).start()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT pg_sleep(10)")

    started = time.monotonic()
    with pytest.raises(OperationalError) as raised:
        call(CONF["DropGoneClients"](app), server)
    assert getattr(raised.value.__cause__, "pgcode", None) == "57014"  # query_canceled
    assert time.monotonic() - started < 5
