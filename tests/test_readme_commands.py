"""Every ``.venv/bin/python manage.py ...`` command the README shows works as written, on a fresh
copy of the checkout that has no ``.env``: after the Makefile's first-run steps (what ``make run``
does before it serves), in a subprocess, with no DEBUG or SECRET_KEY in the environment.

Slow (a copy, migrations and the real reference data load, about a minute), so it runs once, in
the SQLite pass of the suite."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[1]
GIT, MAKE, BASH = shutil.which("git"), shutil.which("make"), shutil.which("bash")
COMMAND = ".venv/bin/python manage.py"

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "sqlite", reason="runs once, in the SQLite pass (it uses SQLite)"
    ),
    pytest.mark.skipif(
        not (GIT and MAKE and BASH and (ROOT / ".git").exists()),
        reason="needs git, make and a checkout",
    ),
]

# The files the README's import examples name (their paths are placeholders for the reader's own).
PUBLICCODE = """publiccodeYmlVersion: "0"
name: Readme Example
url: "https://github.com/example/readme-example.git"
platforms:
  - web
categories:
  - it-development
developmentStatus: stable
softwareType: "standalone/web"
description:
  en-GB:
    shortDescription: An example from the README.
    longDescription: >
      Only here so that the README's import examples have a file to read. It describes nothing
      real; the catalogue's test uses it to check that the commands the README prints work as
      they are written, on a checkout that has just run make run for the first time, and that
      nobody needs to set any variable by hand before using them.
    features:
      - Checks the README
legal:
  license: MIT
maintenance:
  type: "none"
localisation:
  localisationReady: true
  availableLanguages:
    - en
"""
BACKSTAGE = """apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: readme-example
  description: An example from the README.
spec:
  type: service
  lifecycle: production
  owner: group:readme
"""
REFERENCE = ROOT / "platforms" / "reference_data"
INPUTS = {
    # The project's own copy of the UK API catalogue, where the README names the reader's clone.
    "path/to/api-catalogue/data/catalogue.csv": (REFERENCE / "uk_api_catalogue.csv").read_text(),
    "path/to/api-catalogue/data/organisation.csv": (
        REFERENCE / "uk_api_catalogue_organisations.csv"
    ).read_text(),
    "path/to/publiccode.yml": PUBLICCODE,
    "repos/readme-example/publiccode.yml": PUBLICCODE,
    "catalog-info.yaml": BACKSTAGE,
    "catalog/catalog-info.yaml": BACKSTAGE,
}


def readme_commands() -> list[str]:
    """The README's ``manage.py`` commands in the ``.venv/bin/python`` form, in order: lines of
    its shell blocks, and inline code that is a whole command (not an option synopsis)."""
    text = (ROOT / "README.md").read_text()
    commands = []
    for block in re.findall(r"```sh\n(.*?)```", text, flags=re.S):
        commands += [line for line in block.splitlines() if line.startswith(COMMAND)]
    for inline in re.findall(r"`([^`\n]+)`", text):
        if inline.startswith(COMMAND) and not re.search(r"[|\[]", inline):
            commands.append(inline)
    return commands


def _fresh_checkout(tmp_path: Path) -> Path:
    """The project's files, as a clone would have them (no .env, no database), sharing this
    run's virtualenv."""
    listed = subprocess.run(  # noqa: S603 - fixed arguments
        [GIT, "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    copy = tmp_path / "catalogue"
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, copy / name)
    assert not (copy / ".env").exists()
    (copy / ".venv").symlink_to(Path(sys.prefix))
    return copy


def _environment() -> dict[str, str]:
    """The shell of a new user: none of the settings the test suite sets."""
    drop = {"DEBUG", "SECRET_KEY", "DATABASE_URL", "DJANGO_SETTINGS_MODULE"}
    return {k: v for k, v in os.environ.items() if k not in drop and not k.startswith("PYTEST")}


def test_readme_shows_the_commands_in_the_virtualenv_form():
    text = (ROOT / "README.md").read_text()
    commands = readme_commands()
    assert any("createsuperuser" in c for c in commands)
    assert any("create_api_token" in c for c in commands)
    assert any("import_catalogue" in c for c in commands)
    # No bare `python manage.py` outside the container example (the image has no .venv).
    bare = [
        line
        for line in re.findall(r"^.*(?<![/\w])python manage\.py.*$", text, flags=re.M)
        if "docker compose exec" not in line
    ]
    assert not bare, bare


def test_every_readme_manage_py_command_works_on_a_fresh_checkout(tmp_path):
    pexpect = pytest.importorskip("pexpect")
    checkout = _fresh_checkout(tmp_path)
    env = _environment()

    # The virtualenv is this run's own: never reinstall the copy into it (-o: take it as built).
    setup = subprocess.run(  # noqa: S603 - fixed arguments
        [MAKE, "-o", ".venv/.installed-stamp", "setup"],
        cwd=checkout,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert setup.returncode == 0, setup.stdout[-2000:] + setup.stderr[-2000:]
    dotenv = (checkout / ".env").read_text()
    assert "DEBUG=true" in dotenv
    assert re.search(r"^SECRET_KEY=\S{40,}$", dotenv, flags=re.M)
    for name, content in INPUTS.items():
        (checkout / name).parent.mkdir(parents=True, exist_ok=True)
        (checkout / name).write_text(content)

    commands = readme_commands()
    assert len(commands) >= 8
    for command in commands:
        if "createsuperuser" in command:
            # Interactive, as a person types it: a terminal, prompts, answers.
            child = pexpect.spawn(
                BASH, ["-c", command], cwd=str(checkout), env=env, encoding="utf-8", timeout=60
            )
            for prompt, answer in (
                ("Username", "alice"),
                ("Email address", "alice@example.gov.uk"),
                ("Password:", "a long passphrase for alice 42"),
                ("Password \\(again\\)", "a long passphrase for alice 42"),
            ):
                child.expect(prompt)
                child.sendline(answer)
            child.expect(pexpect.EOF)
            child.close()
            assert child.exitstatus == 0, (command, child.before)
            assert "Superuser created successfully" in child.before
            continue
        done = subprocess.run(  # noqa: S603 - the README's own commands, on purpose
            [BASH, "-c", command],
            cwd=checkout,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, (command, done.stdout[-2000:], done.stderr[-2000:])
        assert "Traceback" not in done.stderr, (command, done.stderr[-2000:])
    assert (checkout / "platforms.csv").exists()  # the export example's output


def test_a_checkout_with_no_make_run_writes_its_local_env_on_the_first_command(tmp_path):
    """A new user who types a README command before any make target: manage.py writes the local
    .env (as make does) and the command works; a copy that is not a checkout (an image) still
    refuses to start without SECRET_KEY rather than run with DEBUG on."""
    checkout = _fresh_checkout(tmp_path)
    env = _environment()
    check = [str(checkout / ".venv/bin/python"), "manage.py", "check"]

    image = subprocess.run(check, cwd=checkout, env=env, capture_output=True, text=True)  # noqa: S603
    assert image.returncode != 0
    assert "SECRET_KEY" in image.stderr
    assert not (checkout / ".env").exists()

    subprocess.run([GIT, "init", "-q"], cwd=checkout, check=True)  # noqa: S603
    first = subprocess.run(check, cwd=checkout, env=env, capture_output=True, text=True)  # noqa: S603
    assert first.returncode == 0, first.stderr[-2000:]
    assert "Wrote .env for local development" in first.stderr
    dotenv = (checkout / ".env").read_text()
    assert "DEBUG=true" in dotenv
    assert re.search(r"^SECRET_KEY=\S{40,}$", dotenv, flags=re.M)

    again = subprocess.run(check, cwd=checkout, env=env, capture_output=True, text=True)  # noqa: S603
    assert again.returncode == 0
    assert (checkout / ".env").read_text() == dotenv  # written once, never replaced
