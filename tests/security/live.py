"""A real catalogue server for the security tests: gunicorn with several worker processes on a
fresh SQLite file, started as `make run` would prepare it (`migrate`, nothing else)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def manage(env: dict, *args: str, stdin: str | None = None) -> str:
    result = subprocess.run(  # noqa: S603 - our own manage.py, fixed arguments
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return result.stdout


SETUP = """
from django.contrib.auth import get_user_model
from platforms.models import Capability, Membership, Organisation
org = Organisation.objects.create(
    name="Live Office", slug="live-office", kind="ministerial_department"
)
Capability.objects.create(name="Payments", slug="payments")
user = get_user_model().objects.create_user("editor", password="correct horse battery staple")
user.is_staff = True
user.save()
Membership.objects.create(user=user, organisation=org, role="editor")
"""


class LiveServer:
    def __init__(self, tmp: Path, **settings: str):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CACHE_URL")},
            "DEBUG": "true",
            "DATABASE_URL": f"sqlite:///{tmp / 'db.sqlite3'}",
            "PYTHONUNBUFFERED": "1",
            **settings,
        }
        manage(self.env, "migrate", "--noinput", "-v0")
        manage(self.env, "shell", stdin=SETUP)
        self.token = manage(self.env, "create_api_token", "editor").strip()
        self.log = open(tmp / "gunicorn.log", "w")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(  # noqa: S603 - our own server, fixed arguments
            [
                str(BIN / "gunicorn"),
                "catalogue.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                "2",
                "--threads",
                "4",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self._wait()

    def _wait(self) -> None:
        for _ in range(150):
            try:
                self.request("GET", "/healthz")
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("the live server did not start")

    def request(self, method: str, path: str, body=None, headers=None) -> tuple[int, dict]:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(  # noqa: S310 - http://127.0.0.1 only
            self.url + path, data=data, method=method, headers=headers or {}
        )
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                return response.status, dict(response.headers)
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()
