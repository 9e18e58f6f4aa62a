"""``python manage.py load_reference_data``: load the reference data, then print the
reconciliation of each evidence source. Safe to run again: see ``platforms.reference.loader``."""

from __future__ import annotations

import time
from pathlib import Path

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from platforms.reference.loader import DEFAULT_DATA_DIR, ReferenceDataError, load_reference_data


class Command(BaseCommand):
    help = (
        "Load GOV.UK's organisations, the capabilities, standards and reference platforms, and "
        "the GOV.UK Pay and Notify adoptions their published data show. Creates what is missing "
        "and fills blank fields; never overwrites a change made in the admin."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--data-dir",
            type=Path,
            default=DEFAULT_DATA_DIR,
            help="Folder holding the reference files (default: platforms/reference_data).",
        )
        parser.add_argument(
            "--verbose",
            action="store_true",
            help="List every unmatched, ambiguous and added name, not only the first few.",
        )

    def handle(self, *args, data_dir: Path, verbose: bool, **options):
        if not data_dir.is_dir():
            raise CommandError(f"{data_dir} is not a folder.")
        started = time.monotonic()
        try:
            report = load_reference_data(data_dir)
        except ReferenceDataError as error:
            raise CommandError(f"Nothing was loaded: {error}") from error
        for line in report.lines(verbose=verbose):
            self.stdout.write(line)
        analyse_catalogue_tables()
        self.stdout.write(
            self.style.SUCCESS(f"Reference data loaded in {time.monotonic() - started:.1f} s.")
        )


def analyse_catalogue_tables() -> None:
    """Fresh planner statistics for the catalogue's tables after a load (PostgreSQL). Until
    autovacuum gets to them, the planner would cost the new rows with statistics taken before
    (an empty table, or one a moment ago full of rolled-back rows) and may nest loops over
    thousands of adoptions: the duplication figures then ran past the statement timeout. Inside a
    transaction ANALYZE counts that transaction's own new rows."""
    if connection.vendor != "postgresql":
        return
    tables = [model._meta.db_table for model in apps.get_app_config("platforms").get_models()]
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE " + ", ".join(connection.ops.quote_name(t) for t in tables))
