"""Export the published catalogue as CSV, JSON or DCAT-AP JSON-LD, streamed to a file or standard
output (constant memory, whatever the catalogue's size)."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from platforms.exporters import RESOURCES, stream_catalogue_jsonld, stream_csv, stream_json


class Command(BaseCommand):
    help = "Export published platforms, organisations or adoptions (CSV, JSON) or the DCAT JSON-LD."

    def add_arguments(self, parser):
        parser.add_argument("--format", required=True, choices=("csv", "json", "jsonld"))
        parser.add_argument("--resource", choices=RESOURCES, default="platforms")
        parser.add_argument("--output", help="File to write (default: standard output).")
        parser.add_argument(
            "--base-url",
            default="",
            help="The site the JSON-LD IRIs are built from (default: the SITE_URL setting, "
            f"now {settings.SITE_URL}).",
        )

    def handle(self, *args, **options):
        fmt, resource = options["format"], options["resource"]
        if fmt == "jsonld":
            if resource != "platforms":
                raise CommandError("The JSON-LD export is the whole catalogue: omit --resource.")
            pieces = stream_catalogue_jsonld(options["base_url"] or None)
        elif fmt == "csv":
            pieces = stream_csv(resource)
        else:
            pieces = stream_json(resource)
        if options["output"]:
            # newline="": the CSV writer chose the line endings; text mode must not change them.
            with open(options["output"], "w", encoding="utf-8", newline="") as out:
                out.writelines(pieces)
            self.stderr.write(f"Wrote {options['output']}")
        else:
            for piece in pieces:
                self.stdout.write(piece, ending="")
