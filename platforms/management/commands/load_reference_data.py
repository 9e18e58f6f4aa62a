"""``python manage.py load_reference_data``: load the reference data, then print the
reconciliation of each evidence source. Safe to run again: see ``platforms.reference.loader``."""

from __future__ import annotations

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

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
        self.stdout.write(
            self.style.SUCCESS(f"Reference data loaded in {time.monotonic() - started:.1f} s.")
        )
