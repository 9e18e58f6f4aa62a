"""Export the published catalogue as CSV, JSON or DCAT-AP JSON-LD."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from platforms.exporters import RESOURCES, catalogue_jsonld, export_csv, export_json


class Command(BaseCommand):
    help = "Export published platforms, organisations or adoptions (CSV, JSON) or the DCAT JSON-LD."

    def add_arguments(self, parser):
        parser.add_argument("--format", required=True, choices=("csv", "json", "jsonld"))
        parser.add_argument("--resource", choices=RESOURCES, default="platforms")
        parser.add_argument("--output", help="File to write (default: standard output).")
        parser.add_argument(
            "--base-url", default="", help="Makes the JSON-LD IRIs absolute, e.g. https://…"
        )

    def handle(self, *args, **options):
        fmt, resource = options["format"], options["resource"]
        if fmt == "jsonld":
            if resource != "platforms":
                raise CommandError("The JSON-LD export is the whole catalogue: omit --resource.")
            text = json.dumps(catalogue_jsonld(options["base_url"]), indent=2, ensure_ascii=False)
            text += "\n"
        elif fmt == "csv":
            text = export_csv(resource)
        else:
            text = export_json(resource)
        if options["output"]:
            Path(options["output"]).write_text(text, encoding="utf-8")
            self.stderr.write(f"Wrote {options['output']}")
        else:
            self.stdout.write(text, ending="")
