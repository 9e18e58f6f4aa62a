#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import secrets
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
LOCAL_ENV = HERE / ".env"


def write_local_env() -> bool:
    """First run from a source checkout: a local ``.env`` (DEBUG on, a generated SECRET_KEY), so
    that every README command works as written with nothing exported. Written once, never
    touched again; ``make install`` calls this too. Gives whether it wrote the file."""
    if LOCAL_ENV.exists():
        return False
    LOCAL_ENV.write_text(
        "# Local development settings, written on first run. Not for production.\n"
        f"DEBUG=true\nSECRET_KEY={secrets.token_urlsafe(50)}\n",
        encoding="utf-8",
    )
    return True


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "catalogue.settings")
    # Only in a git checkout (a developer's), and only when the environment says nothing: an
    # image or server without SECRET_KEY still fails loudly instead of running with DEBUG on.
    unconfigured = not {"DEBUG", "SECRET_KEY"} & os.environ.keys()
    if unconfigured and (HERE / ".git").exists() and write_local_env():
        print(
            "Wrote .env for local development (DEBUG on, a generated SECRET_KEY).", file=sys.stderr
        )
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
