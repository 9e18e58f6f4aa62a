"""``python manage.py generate_catalogue``: add a large synthetic catalogue, for benchmarks.

    python manage.py generate_catalogue --platforms 100000 --organisations 2000 \\
        --adoptions 1000000 --dependencies 50000 --seed 1

Everything it adds is synthetic and says so: slugs start with ``gen<seed>-`` and every
organisation's ``source`` (every adoption's ``evidence_source``) names this command and its
seed. Text is drawn from the reference data's own vocabulary (capability names and descriptions,
platform summaries), so that searches for real words ("payments", "text messages") meet
realistic numbers of rows.

- Organisations form department trees: ministerial departments, their agencies and public
  bodies, and sub-organisations beneath those.
- Reuse follows a power law: a few platforms (the published ones already there, such as GOV.UK
  Notify and GOV.UK Pay, first) are adopted by thousands of bodies, most by a handful; a few large
  bodies record most adoptions. Dependencies lean on the same popular platforms.
- Platforms run by a contracted supplier (about a quarter) have their contract's end date, spread
  over the four years from the day of generation, drawn from a random stream of their own: the
  rest of the data is the same for a seed as before they had one.
- Rows are written in batches (PostgreSQL ``COPY``; ``executemany`` elsewhere), then the stored
  reuse counts and the search index are built in set-based SQL, not row by row. History
  (django-simple-history) is not written for synthetic rows.

Run it on a database meant for benchmarks: it adds to what is there, and running it twice with
the same seed stops at once (its slugs exist already).
"""

from __future__ import annotations

import csv
import io
import json
import random
import time
from datetime import date, timedelta
from itertools import accumulate
from pathlib import Path

import yaml
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone
from tqdm import tqdm

from platforms import insight_figures, search
from platforms.importers.search_rows import bulk_search_rows
from platforms.models import Adoption, Capability, Dependency, Organisation, Platform, Standard
from platforms.selectors.impact import impact_changed

REFERENCE = Path(__file__).resolve().parents[2] / "reference_data"
BATCH = 20_000
CONTRACTED = "Contracted supplier"
# Contracts end on a day within this many days of the generation (the contract horizon insight
# looks up to 18 months ahead by default).
CONTRACT_DAYS = 4 * 365
STOP = frozenset(
    [
        "a",
        "an",
        "and",
        "or",
        "the",
        "of",
        "to",
        "for",
        "in",
        "on",
        "by",
        "with",
        "from",
        "as",
        "at",
        "is",
        "are",
        "be",
        "it",
        "its",
        "their",
        "them",
        "this",
        "that",
        "through",
        "without",
        "into",
        "can",
        "may",
        "not",
        "no",
        "any",
        "all",
        "each",
        "such",
        "other",
        "than",
        "they",
        "who",
        "which",
        "when",
    ]
)
NAME_NOUNS = [
    "service",
    "platform",
    "hub",
    "portal",
    "register",
    "gateway",
    "API",
    "toolkit",
    "system",
    "exchange",
    "manager",
    "checker",
    "finder",
    "tracker",
]
ORG_TOPICS = [
    "Marine",
    "Rural",
    "Coastal",
    "Digital",
    "Health",
    "Transport",
    "Housing",
    "Energy",
    "Water",
    "Justice",
    "Education",
    "Skills",
    "Culture",
    "Trade",
    "Science",
    "Food",
    "Land",
    "Pensions",
    "Tax",
    "Borders",
    "Veterans",
    "Planning",
    "Heritage",
    "Climate",
    "Data",
    "Statistics",
    "Records",
    "Standards",
    "Safety",
    "Finance",
]
REGIONS = [
    "North",
    "South",
    "East",
    "West",
    "Midlands",
    "Northern",
    "Southern",
    "Central",
    "Highlands",
    "Valleys",
]
USE_CASES = [
    "",
    "licence applications",
    "renewals",
    "appointment bookings",
    "reminders",
    "staff sign-in",
    "public enquiries",
    "grant payments",
    "fines and penalties",
    "permits",
    "registrations",
    "complaints",
    "case updates",
    "inspections",
    "consultations",
]


def _words(text: str) -> list[str]:
    cleaned = "".join(c if c.isalnum() or c in " -" else " " for c in text.lower())
    return [w for w in cleaned.split() if len(w) > 2 and w not in STOP and not w.isdigit()]


class Vocabulary:
    """Words and phrases of the reference data, to write synthetic records with."""

    def __init__(self) -> None:
        capabilities = yaml.safe_load((REFERENCE / "capabilities.yaml").read_text())
        platforms = yaml.safe_load((REFERENCE / "platforms.yaml").read_text())
        texts = [c["description"] for c in capabilities]
        texts += [p.get("summary", "") for p in platforms]
        texts += [p.get("description", "") for p in platforms]
        self.words = sorted({w for t in texts for w in _words(t)})
        # Summaries are clauses of the real ones: "Lets ... <verb> <object>".
        self.clauses = sorted(
            {
                part.strip().rstrip(".")
                for c in capabilities
                for part in c["description"].split(",")
                if len(part.split()) >= 3
            }
        )
        self.topics = sorted({w.capitalize() for c in capabilities for w in _words(c["name"])})
        self.tags = sorted({t for p in platforms for t in p.get("tags", [])})


def _zipf_weights(n: int, exponent: float, offset: int = 0) -> list[float]:
    """Power-law weights for ranks 1..n; ``offset`` flattens the head (so that the most popular
    platform gets about 1% of all adoptions, not 8%)."""
    return [1.0 / ((rank + offset) ** exponent) for rank in range(1, n + 1)]


class Writer:
    """Batched inserts with explicit columns; every model field the generator leaves out gets
    the field's own default, so new fields with defaults need no change here."""

    def __init__(self, model, *, with_id: bool = True) -> None:
        self.model = model
        self.fields = [f for f in model._meta.concrete_fields if with_id or not f.primary_key]
        self.table = model._meta.db_table
        self.columns = [f.column for f in self.fields]
        self.postgres = connection.vendor == "postgresql"
        self.defaults = {
            f.attname: f.get_default() for f in self.fields if f.attname != "search_vector"
        }
        self.default_cells: list | None = None
        self.position: dict[str, int] = {}
        self.dates: dict[date, str] = {}

    def _copy_values(self, rows: list[dict]) -> list[list]:
        """The COPY cells of each row: the defaults' cells are made once, and only the values a
        row gives are converted (text and numbers as they are, dates once per distinct date)."""
        if self.default_cells is None:
            self.default_cells = [self._value(f, self.defaults.get(f.attname)) for f in self.fields]
            self.position = {f.attname: n for n, f in enumerate(self.fields)}
        default_cells, position, value_of = self.default_cells, self.position, self._value
        plain = (str, int)
        values = []
        for row in rows:
            cells = default_cells.copy()
            for name, value in row.items():
                cells[position[name]] = value if type(value) in plain else value_of(None, value)
            values.append(cells)
        return values

    def _value(self, field, value):
        if not self.postgres:
            return field.get_db_prep_save(value, connection)
        # COPY's text: the few Python types the generator writes, without a round through
        # get_db_prep_save (a third of the time for a million rows).
        if value is None:
            return r"\N"
        if isinstance(value, bool):
            return "t" if value else "f"
        if isinstance(value, list | dict):
            return json.dumps(value)
        if isinstance(value, date):  # and datetime
            text = self.dates.get(value)
            if text is None:
                text = self.dates[value] = value.isoformat()
            return text
        return value

    def write(self, rows: list[dict]) -> None:
        if not rows:
            return
        if self.postgres:
            values = self._copy_values(rows)
        else:
            values = []
            for row in rows:
                merged = {**self.defaults, **row}
                values.append([self._value(f, merged.get(f.attname)) for f in self.fields])
        quoted = ", ".join(connection.ops.quote_name(c) for c in self.columns)
        with connection.cursor() as cursor:
            if self.postgres:
                buffer = io.StringIO()
                csv.writer(buffer).writerows(values)
                buffer.seek(0)
                cursor.cursor.copy_expert(
                    f"COPY {self.table} ({quoted}) FROM STDIN WITH (FORMAT csv, NULL '\\N')",
                    buffer,
                )
            else:
                marks = ", ".join(["%s"] * len(self.columns))
                cursor.executemany(
                    f"INSERT INTO {self.table} ({quoted}) VALUES ({marks})",  # noqa: S608
                    values,
                )


def _next_id(model) -> int:
    last = model.objects.order_by("-pk").values_list("pk", flat=True).first()
    return (last or 0) + 1


def _reset_sequence(model) -> None:
    if connection.vendor == "postgresql":
        table = model._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
            )


RECOUNT = """
UPDATE platforms_platform SET reuse_count = counted.n
FROM (
    SELECT a.platform_id AS platform_id, COUNT(DISTINCT a.organisation_id) AS n
    FROM platforms_adoption a JOIN platforms_platform p ON p.id = a.platform_id
    WHERE a.status = 'in_use' AND a.organisation_id <> p.owner_id
    GROUP BY a.platform_id
) AS counted
WHERE platforms_platform.id = counted.platform_id
"""


class Command(BaseCommand):
    help = "Add a large synthetic catalogue (for benchmarks) in batches, then index it."

    def add_arguments(self, parser):
        parser.add_argument("--platforms", type=int, default=1000)
        parser.add_argument("--organisations", type=int, default=200)
        parser.add_argument("--adoptions", type=int, default=10000)
        parser.add_argument("--dependencies", type=int, default=500)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--no-progress", action="store_true", help="No progress bars.")

    def handle(self, *args, **options):
        for name in ("platforms", "organisations", "adoptions", "dependencies"):
            if options[name] < 0:
                raise CommandError(f"--{name} cannot be negative.")
        if options["organisations"] < 1 and (options["platforms"] or options["adoptions"]):
            raise CommandError("--organisations must be at least 1 to own platforms.")
        seed = options["seed"]
        if Organisation.objects.filter(slug__startswith=f"gen{seed}-").exists():
            raise CommandError(
                f"This database already holds the catalogue generated with --seed {seed}."
            )
        self.rng = random.Random(seed)  # noqa: S311 - reproducible synthetic data
        # A stream of its own (seeded from the seed), so that drawing contract dates takes no
        # number from ``rng``: every other row is what the seed gave before there were any.
        self.contract_rng = random.Random(f"{seed}:contracts")  # noqa: S311 - as above
        self.seed = seed
        self.quiet = options["no_progress"]
        self.vocabulary = Vocabulary()
        self.now = timezone.now()
        self.today = timezone.localdate(self.now)
        started = time.monotonic()
        with transaction.atomic():
            if connection.vendor == "postgresql":
                # A load is one long transaction of long statements: the service's per-statement
                # limit (DATABASE_STATEMENT_TIMEOUT) is for requests, not for this command.
                self._sql("SET LOCAL statement_timeout = 0")
            # The search rows (PostgreSQL) written once at the end, for every platform: the
            # reuse counts of those already there change too (migration 0009_import_speed).
            with bulk_search_rows() as written:
                written.add(None)
                self._taxonomies()
                dropped = self._drop_secondary_indexes()
                organisations = self._organisations(options["organisations"])
                platforms = self._platforms(options["platforms"], organisations)
                self._adoptions(options["adoptions"], platforms, organisations)
                self._dependencies(options["dependencies"], platforms)
                self._step("reuse counts", lambda: self._sql(RECOUNT))
                self._step("insight figures", insight_figures.rebuild)
                self._step("search index", self._reindex)
                if dropped:  # the deferred foreign-key checks first: an index waits for them
                    self._step("foreign keys", lambda: self._sql("SET CONSTRAINTS ALL IMMEDIATE"))
                self._step("indexes", lambda: [self._sql(sql) for sql in dropped])
                # Written in bulk, without signals: impact analyses kept are dropped on commit.
                impact_changed()
                rows_started = time.monotonic()
            self._report("search rows", rows_started)
        if connection.vendor == "postgresql":
            self._step("ANALYZE", lambda: self._sql("ANALYZE"))
        self.stdout.write(
            f"Generated {len(organisations)} organisations, {options['platforms']} platforms, "
            f"{self.adoptions_written} adoptions and {self.dependencies_written} dependencies "
            f"in {time.monotonic() - started:.1f} s."
        )

    # --- helpers -----------------------------------------------------------------------------

    def _progress(self, total: int, label: str):
        return tqdm(total=total, desc=label, unit=" rows", disable=self.quiet, file=self.stderr)

    def _step(self, label: str, function) -> None:
        started = time.monotonic()
        function()
        self._report(label, started)

    def _report(self, label: str, started: float) -> None:
        if not self.quiet:
            self.stderr.write(f"{label}: {time.monotonic() - started:.1f} s")

    def _drop_secondary_indexes(self) -> list[str]:
        """PostgreSQL: drop the plain (non-unique) indexes and the foreign keys of the tables
        filled, for the length of the load, and give back the statements that make them again:
        building an index once over a million rows is much faster than updating ten indexes row
        by row, and adding a foreign key back checks every row in one join instead of a deferred
        trigger per row (as pg_restore does). Inside the transaction, so nothing else ever sees
        the tables without them."""
        if connection.vendor != "postgresql":
            return []
        tables = [
            model._meta.db_table
            for model in (
                Platform,
                Adoption,
                Dependency,
                Platform.capabilities.through,
                Platform.standards.through,
            )
        ]
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT i.indexname, i.indexdef FROM pg_indexes i "
                "WHERE i.schemaname = current_schema() AND i.tablename = ANY(%s) "
                "AND i.indexdef NOT LIKE 'CREATE UNIQUE%%' "
                "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
                [tables],
            )
            indexes = cursor.fetchall()
            cursor.execute(
                "SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid) "
                "FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid "
                "WHERE c.contype = 'f' AND t.relname = ANY(%s) "
                "AND t.relnamespace = current_schema()::regnamespace",
                [tables],
            )
            foreign_keys = cursor.fetchall()
            for table, name, _definition in foreign_keys:
                cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
            for name, _definition in indexes:
                cursor.execute(f'DROP INDEX "{name}"')
            cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        return [definition for _name, definition in indexes] + [
            f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}'
            for table, name, definition in foreign_keys
        ]

    @staticmethod
    def _sql(statement: str) -> None:
        with connection.cursor() as cursor:
            cursor.execute(statement)

    def _reindex(self) -> None:
        search.reindex(Platform.objects.filter(slug__startswith=f"gen{self.seed}-"))

    def _sentence(self, low: int, high: int) -> str:
        words = self.rng.sample(self.vocabulary.words, self.rng.randint(low, high))
        return " ".join(words)

    # --- rows --------------------------------------------------------------------------------

    def _taxonomies(self) -> None:
        """The real capabilities and standards (the reference files), if the database has none:
        platforms are tagged with them."""
        from platforms.reference import catalogue
        from platforms.reference.report import LoadReport

        if not Capability.objects.exists():
            catalogue.load_capabilities(REFERENCE / "capabilities.yaml", LoadReport())
        if not Standard.objects.exists():
            catalogue.load_standards(REFERENCE / "standards.yaml", LoadReport())

    def _organisations(self, count: int) -> list[tuple[int, int]]:
        """(id, weight) of the organisations added: departments, then bodies beneath them."""
        rng, prefix = self.rng, f"gen{self.seed}"
        writer = Writer(Organisation)
        first = _next_id(Organisation)
        departments = max(1, min(count // 80 or 1, 25))
        rows, made = [], []
        kinds = [
            Organisation.Kind.EXECUTIVE_AGENCY,
            Organisation.Kind.NDPB,
            Organisation.Kind.NON_MINISTERIAL_DEPARTMENT,
            Organisation.Kind.PUBLIC_CORPORATION,
            Organisation.Kind.LOCAL_AUTHORITY,
            Organisation.Kind.HEALTH,
        ]
        bar = self._progress(count, "organisations")
        for n in range(count):
            pk = first + n
            topic = rng.choice(ORG_TOPICS)
            if n < departments:
                kind, parent = Organisation.Kind.MINISTERIAL_DEPARTMENT, None
                name = f"Department for {topic} and {rng.choice(ORG_TOPICS)} {n + 1}"
            else:
                kind = rng.choice(kinds)
                # Trees: most bodies sit under a department, some under another body.
                if n > departments * 4 and rng.random() < 0.3:
                    parent = first + rng.randrange(departments, n)
                    kind = Organisation.Kind.SUB_ORGANISATION
                else:
                    parent = first + rng.randrange(departments)
                label = dict(Organisation.Kind.choices)[kind]
                name = f"{rng.choice(REGIONS)} {topic} {label} {n + 1}"
            rows.append(
                {
                    "id": pk,
                    "name": name,
                    "slug": f"{prefix}-org-{n + 1}",
                    "abbreviation": "".join(w[0] for w in name.split() if w[0].isupper())[:10],
                    "kind": kind,
                    "status": "closed" if rng.random() < 0.05 else "live",
                    "parent_id": parent,
                    "source": f"generate_catalogue --seed {self.seed} (synthetic)",
                    "created_at": self.now,
                    "updated_at": self.now,
                }
            )
            made.append(pk)
            if len(rows) >= BATCH:
                writer.write(rows)
                bar.update(len(rows))
                rows = []
        writer.write(rows)
        bar.update(len(rows))
        bar.close()
        _reset_sequence(Organisation)
        return made

    def _platforms(self, count: int, organisations: list[int]) -> list[int]:
        """Ids of every published platform, most popular first: the ones already there (the
        real reference platforms) lead, then the generated ones."""
        rng, vocabulary, prefix = self.rng, self.vocabulary, f"gen{self.seed}"
        existing = list(
            Platform.objects.published().order_by("-reuse_count", "pk").values_list("pk", flat=True)
        )
        capabilities = list(Capability.objects.values_list("pk", "name"))
        standards = list(Standard.objects.values_list("pk", flat=True))
        writer = Writer(Platform)
        capability_writer = Writer(Platform.capabilities.through, with_id=False)
        standard_writer = Writer(Platform.standards.through, with_id=False)
        first = _next_id(Platform)
        owners_weights = _zipf_weights(len(organisations), 0.8)
        phases = ["discovery", "alpha", "beta", "live", "live", "live", "live", "retiring"]
        rows, capability_rows, standard_rows, ids = [], [], [], []
        bar = self._progress(count, "platforms")
        owners = rng.choices(organisations, weights=owners_weights, k=count) if count else []
        for n in range(count):
            pk = first + n
            chosen = rng.sample(capabilities, min(len(capabilities), rng.choice([1, 1, 1, 2, 3])))
            topic = chosen[0][1] if chosen and rng.random() < 0.6 else rng.choice(vocabulary.topics)
            name = f"{topic} {rng.choice(vocabulary.words)} {rng.choice(NAME_NOUNS)} {n + 1}"
            clause = rng.choice(vocabulary.clauses)
            state = "published" if rng.random() < 0.9 else rng.choice(["draft", "in_review"])
            rows.append(
                {
                    "id": pk,
                    "name": name[:200],
                    "slug": f"{prefix}-platform-{n + 1}",
                    "summary": f"{clause} for {self._sentence(2, 4)}."[:300],
                    "description": f"{self._sentence(12, 30)}.",
                    "owner_id": owners[n],
                    "tags": rng.sample(vocabulary.tags, rng.randint(0, 3)),
                    "phase": rng.choice(phases),
                    "state": state,
                    "is_open_source": rng.random() < 0.3,
                    "licence": "MIT" if rng.random() < 0.2 else "",
                    "supplier": rng.choice(["In-house", "", "", CONTRACTED]),
                    "pricing_model": rng.choice([c for c, _ in Platform.Pricing.choices]),
                    "handles_personal_data": rng.random() < 0.5,
                    "sources": "",
                    "created_at": self.now,
                    "updated_at": self.now - timedelta(minutes=n),
                }
            )
            if rows[-1]["supplier"] == CONTRACTED:
                rows[-1]["contract_end_date"] = self._contract_end()
            capability_rows += [{"platform_id": pk, "capability_id": c} for c, _ in chosen]
            standard_rows += [
                {"platform_id": pk, "standard_id": s}
                for s in rng.sample(standards, min(len(standards), rng.choice([0, 0, 1, 2])))
            ]
            if state == "published":
                ids.append(pk)
            if len(rows) >= BATCH:
                writer.write(rows)
                capability_writer.write(capability_rows)
                standard_writer.write(standard_rows)
                bar.update(len(rows))
                rows, capability_rows, standard_rows = [], [], []
        writer.write(rows)
        capability_writer.write(capability_rows)
        standard_writer.write(standard_rows)
        bar.update(len(rows))
        bar.close()
        for model in (Platform, Platform.capabilities.through, Platform.standards.through):
            _reset_sequence(model)
        self.owner_of = dict(zip(range(first, first + count), owners, strict=True))
        return existing + ids

    def _contract_end(self) -> date:
        """The end of a contracted supplier's contract: a day of the next ``CONTRACT_DAYS``,
        from ``contract_rng`` only."""
        return self.today + timedelta(days=self.contract_rng.randrange(CONTRACT_DAYS))

    def _adoptions(self, count: int, platforms: list[int], organisations: list[int]) -> None:
        rng = self.rng
        self.adoptions_written = 0
        if not count or not platforms or not organisations:
            return
        writer = Writer(Adoption)
        first = _next_id(Adoption)
        platform_weights = list(accumulate(_zipf_weights(len(platforms), 1.0, offset=10)))
        organisation_weights = list(accumulate(_zipf_weights(len(organisations), 0.75)))
        statuses = ["in_use"] * 8 + ["planned", "piloting", "stopped", "exploring"]
        seen: set[tuple[int, int, str]] = set()
        rows = []
        bar = self._progress(count, "adoptions")
        start = date(2016, 1, 1)
        attempts = 0
        while self.adoptions_written + len(rows) < count and attempts < count * 3:
            wanted = min(BATCH, count - self.adoptions_written - len(rows))
            attempts += wanted
            chosen = zip(
                rng.choices(platforms, cum_weights=platform_weights, k=wanted),
                rng.choices(organisations, cum_weights=organisation_weights, k=wanted),
                strict=True,
            )
            for platform_id, organisation_id in chosen:
                use_case = rng.choice(USE_CASES)
                key = (platform_id, organisation_id, use_case)
                if key in seen:
                    continue
                seen.add(key)
                status = rng.choice(statuses)
                began = start + timedelta(days=rng.randrange(3500))
                rows.append(
                    {
                        "id": first + len(seen) - 1,
                        "platform_id": platform_id,
                        "organisation_id": organisation_id,
                        "status": status,
                        "use_case": use_case,
                        "start_date": began,
                        "end_date": began + timedelta(days=rng.randrange(1, 900))
                        if status == "stopped"
                        else None,
                        "evidence_source": f"generate_catalogue --seed {self.seed} (synthetic)",
                        "created_at": self.now,
                        "updated_at": self.now,
                    }
                )
            writer.write(rows)
            self.adoptions_written += len(rows)
            bar.update(len(rows))
            rows = []
        bar.close()
        _reset_sequence(Adoption)

    def _dependencies(self, count: int, platforms: list[int]) -> None:
        rng = self.rng
        self.dependencies_written = 0
        if not count or len(platforms) < 2:
            return
        writer = Writer(Dependency)
        first = _next_id(Dependency)
        cumulative = list(accumulate(_zipf_weights(len(platforms), 1.1, offset=2)))
        kinds = ["runtime", "runtime", "data", "build"]
        seen: set[tuple[int, int]] = set()
        rows = []
        bar = self._progress(count, "dependencies")
        drawn: list[int] = []
        attempts = 0
        while len(seen) < count and attempts < count * 5:
            attempts += 1
            if not drawn:
                drawn = rng.choices(platforms, cum_weights=cumulative, k=BATCH)
            platform_id = rng.choice(platforms)
            depends_on = drawn.pop()
            if platform_id == depends_on or (platform_id, depends_on) in seen:
                continue
            seen.add((platform_id, depends_on))
            rows.append(
                {
                    "id": first + len(seen) - 1,
                    "platform_id": platform_id,
                    "depends_on_id": depends_on,
                    "kind": rng.choice(kinds),
                    "created_at": self.now,
                    "updated_at": self.now,
                }
            )
            if len(rows) >= BATCH:
                writer.write(rows)
                bar.update(len(rows))
                rows = []
        writer.write(rows)
        bar.update(len(rows))
        bar.close()
        self.dependencies_written = len(seen)
        _reset_sequence(Dependency)
