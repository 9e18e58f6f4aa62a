"""Import platforms from publiccode.yml, Backstage catalog-info.yaml, the catalogue's CSV files
(platforms, adoptions, dependencies) or the UK API catalogue (catalogue.csv + organisation.csv)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from platforms.importers import FORMATS, run_import
from platforms.importers.base import MAX_COMMAND_FILE_BYTES

PROGRESS_EVERY = 25
EXTENSIONS = {
    "publiccode": (".yml", ".yaml"),
    "backstage": (".yml", ".yaml"),
    "csv": (".csv",),
    "uk-api-catalogue": (".csv",),
}


class Command(BaseCommand):
    help = (
        "Import platforms (all or nothing). Try it with --dry-run first: the plan lists what "
        "would be created, updated or left unchanged, and every problem with its file and line."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", help="Files, or folders to read recursively.")
        parser.add_argument("--format", required=True, choices=FORMATS)
        parser.add_argument(
            "--owner", help="Slug of the organisation that owns the platforms (CSV: the default)."
        )
        parser.add_argument("--dry-run", action="store_true", help="Check and report only.")
        parser.add_argument(
            "--create-organisations",
            action="store_true",
            help="Add organisations named as adopters (publiccode.yml usedBy) that are not in "
            "the catalogue, instead of reporting them.",
        )
        parser.add_argument("--json", action="store_true", help="Print the plan as JSON.")

    def handle(self, *args, **options):
        fmt = options["format"]
        paths = [Path(p) for p in options["paths"]]
        files = self._files(paths, EXTENSIONS[fmt])
        if not files:
            raise CommandError("No files to import.")
        base_dir = Path(os.path.commonpath([p.resolve().parent for p in files]))
        named = [(str(p.resolve().relative_to(base_dir)), p.read_bytes()) for p in files]
        if options["verbosity"] >= 1 and not options["json"]:
            self.stdout.write(f"Reading {len(named)} file(s) as {fmt}...")

        def progress(done: int, total: int) -> None:
            if (
                options["verbosity"] >= 1
                and total >= PROGRESS_EVERY
                and (done % PROGRESS_EVERY == 0 or done == total)
            ):
                self.stderr.write(f"  {done}/{total} platforms")

        if connection.vendor == "postgresql":
            # An operator's import of a whole catalogue runs statements longer than the service's
            # per-request limit (DATABASE_STATEMENT_TIMEOUT), e.g. indexing 100,000 platforms.
            with connection.cursor() as cursor:
                cursor.execute("SET statement_timeout = 0")
        plan = run_import(
            named,
            fmt,
            options["owner"],
            None,
            dry_run=options["dry_run"],
            create_organisations=options["create_organisations"],
            base_dir=base_dir,
            progress=progress,
            max_file_bytes=MAX_COMMAND_FILE_BYTES,
        )
        if options["json"]:
            self.stdout.write(json.dumps(plan.as_dict(), indent=2, ensure_ascii=False))
        else:
            self._print(plan)
        if plan.errors:
            raise CommandError(f"{len(plan.errors)} error(s): nothing was imported.")

    def _files(self, paths: list[Path], extensions: tuple[str, ...]) -> list[Path]:
        files = []
        for path in paths:
            if path.is_dir():
                files.extend(sorted(p for p in path.rglob("*") if p.suffix in extensions))
            elif path.is_file():
                files.append(path)
            else:
                raise CommandError(f"{path} does not exist.")
        return files

    def _print(self, plan) -> None:
        for title, items in (
            ("Created", plan.created),
            ("Updated", plan.updated),
            ("Unchanged", plan.unchanged),
        ):
            if items:
                self.stdout.write(f"{title}:")
                for item in items:
                    changes = f" ({', '.join(item.changes)})" if item.changes else ""
                    self.stdout.write(f"  {item.slug}: {item.name}{changes}")
        if plan.organisations_created:
            self.stdout.write(f"New organisations: {len(plan.organisations_created)}")
        for problem in plan.problems:
            style = self.style.ERROR if problem.is_error else self.style.WARNING
            self.stdout.write(style(str(problem)))
        self.stdout.write(self.style.SUCCESS(plan.summary()) if plan.ok else plan.summary())
