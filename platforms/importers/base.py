"""What every importer shares: the plan it reports, the problems it finds, safe file reading and
line-numbered YAML; ``apply`` plans the records and writes them through the services.

An importer turns files into :class:`PlatformRecord` objects without touching the database. The
records are then matched against the catalogue by their *stable key* and written with
``platform_register`` / ``platform_update`` / ``adoption_record`` / ``dependency_add``, inside one
transaction: any error, or a dry run, rolls everything back.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

MAX_FILE_BYTES = 1_000_000  # a file sent to the API
# A file an operator imports on the server with ``import_catalogue``: a whole national catalogue
# (100,000 platforms are about 40 MB of CSV, their million adoptions about 110 MB).
MAX_COMMAND_FILE_BYTES = 512_000_000
ERROR = "error"
WARNING = "warning"

# How many unmatched organisation names are listed one by one before the rest are counted.
MAX_LISTED_NAMES = 20

Progress = Callable[[int, int], None]

# What one YAML file may cost, whatever its size in bytes: anchors and aliases are allowed (real
# files use them for shared defaults) but the document they expand to is bounded, so a "billion
# laughs" file is refused while it is read, before anything formats or walks the expansion.
MAX_YAML_ALIASES = 100
MAX_YAML_NODES = 20_000  # nodes of the document with every alias expanded
MAX_YAML_DEPTH = 50  # nested mappings and lists
MAX_MESSAGE_CHARS = 600
EXCERPT_CHARS = 60


@dataclass(frozen=True)
class Problem:
    """Something wrong with the input, located so that the person who keeps the file can fix it."""

    file: str
    line: int | None
    field: str
    message: str
    severity: str = ERROR

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    def __post_init__(self) -> None:
        # A last guard: whatever a message quotes, it stays a line a person can read.
        if len(self.message) > MAX_MESSAGE_CHARS:
            object.__setattr__(self, "message", self.message[: MAX_MESSAGE_CHARS - 1] + "\u2026")

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        subject = f" {self.field}:" if self.field else ""
        return f"{where}:{subject} {self.message} ({self.severity})"

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "line": self.line,
            "field": self.field,
            "message": self.message,
            "severity": self.severity,
        }


@dataclass
class PlanItem:
    """One platform the import creates, changes or leaves as it is."""

    slug: str
    name: str
    file: str
    line: int | None
    changes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "slug": self.slug,
            "name": self.name,
            "file": self.file,
            "line": self.line,
            "changes": self.changes,
        }


@dataclass
class ImportPlan:
    """What an import did, or, on a dry run or after an error, what it would have done."""

    format: str
    dry_run: bool
    created: list[PlanItem] = field(default_factory=list)
    updated: list[PlanItem] = field(default_factory=list)
    unchanged: list[PlanItem] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    adoptions_created: int = 0
    dependencies_created: int = 0
    organisations_created: list[str] = field(default_factory=list)
    applied: bool = False
    conflict: bool = False  # refused because another writer got there first (HTTP 409)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if not p.is_error]

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict[str, Any]:
        return {
            "format": self.format,
            "dry_run": self.dry_run,
            "applied": self.applied,
            "created": [i.as_dict() for i in self.created],
            "updated": [i.as_dict() for i in self.updated],
            "unchanged": [i.as_dict() for i in self.unchanged],
            "adoptions_created": self.adoptions_created,
            "dependencies_created": self.dependencies_created,
            "organisations_created": self.organisations_created,
            "problems": [p.as_dict() for p in self.problems],
        }

    def summary(self) -> str:
        if self.applied:
            verb = "Imported"
        elif self.errors:
            verb = "Nothing imported (errors below). Would have"
        else:
            verb = "Dry run, nothing written. Would have"
        return (
            f"{verb}: {len(self.created)} created, {len(self.updated)} updated, "
            f"{len(self.unchanged)} unchanged platform(s); {self.adoptions_created} adoption(s), "
            f"{self.dependencies_created} dependency(ies), "
            f"{len(self.organisations_created)} new organisation(s); "
            f"{len(self.errors)} error(s), {len(self.warnings)} warning(s)."
        )


@dataclass
class AdoptionRef:
    """An organisation the file says uses the platform, by name."""

    name: str
    line: int | None
    field: str
    organisation_slug: str | None = None  # the catalogue's CSV names it by slug
    values: dict[str, Any] = field(default_factory=dict)  # status, use_case, dates, evidence


@dataclass
class DependencyRef:
    """Another platform this one needs. ``target`` is looked up by ``by``: ``record`` (the
    ``key`` of another record in the same import), ``slug`` or ``name`` in the catalogue."""

    target: str
    by: str
    line: int | None
    field: str
    kind: str = "runtime"
    description: str = ""
    fallback_slug: str | None = None  # also tried as a slug when ``by`` finds nothing


@dataclass
class PlatformRecord:
    """One platform as an importer read it, before it is matched against the catalogue.

    ``key`` is the stable key: how a second import of the same file finds the same platform.
    ``match_by`` says how: ``slug`` (the key is the slug, CSV), ``key`` (the key is kept as a
    line of ``Platform.sources`` and, for repositories, is the ``source_code_url``) or ``link``
    (a platform already in the catalogue, by slug, that adoptions or dependencies name: found,
    never changed).
    """

    file: str
    line: int | None
    key: str
    name: str
    match_by: str = "key"
    slug: str | None = None
    fields: dict[str, Any] = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)
    capabilities: list[str] = field(default_factory=list)
    standards: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    owner_slug: str | None = None
    state: str | None = None
    replaced_by: str | None = None
    adoptions: list[AdoptionRef] = field(default_factory=list)
    dependencies: list[DependencyRef] = field(default_factory=list)
    # Model field -> (the field's name in the file, its line), to place the services' errors.
    field_lines: Mapping[str, tuple[str, int | None]] = field(default_factory=dict)
    merge_lists: bool = True  # tags/capabilities: add to what is there (False: replace, CSV)
    # The publisher's own identifier (publiccode ``organisation.uri``): the owner when an
    # organisation in the catalogue has it as its website or GOV.UK page.
    owner_uri: str | None = None
    # The system this one is part of (Backstage ``spec.system`` / ``subcomponentOf``).
    part_of: DependencyRef | None = None


class Importer:
    """One format. Subclasses read files into records; they never write."""

    format_name = ""

    def parse(
        self, files: list[tuple[str, str]], *, base_dir: Any = None
    ) -> tuple[list[PlatformRecord], list[Problem]]:
        raise NotImplementedError


# --- reading files safely --------------------------------------------------------------------


def decode_file(
    name: str, data: bytes, max_bytes: int = MAX_FILE_BYTES
) -> tuple[str | None, Problem | None]:
    """The file's text, or the reason it is refused (larger than ``max_bytes``, not UTF-8)."""
    if len(data) > max_bytes:
        return None, Problem(
            name,
            None,
            "",
            f"The file is {len(data):,} bytes; the limit is {max_bytes:,} bytes "
            f"({max_bytes / 1_000_000:g} MB). Split it into smaller files.",
        )
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        return None, Problem(
            name,
            line,
            "",
            f"The file is not UTF-8 text (byte 0x{data[error.start]:02x} on line {line}; it may "
            "be Latin-1 or Windows-1252). Save it as UTF-8 and import it again.",
        )
    if "\x00" in text:
        return None, Problem(name, None, "", "The file contains NUL bytes: it is not a text file.")
    return text, None


# --- YAML with line numbers ------------------------------------------------------------------

Path = tuple[Any, ...]


def dotted(path: Path) -> str:
    """("maintenance", "contacts", 0, "email") -> "maintenance.contacts[0].email"."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


class LineMap:
    """Where each key and item of a YAML document starts (1-based lines)."""

    def __init__(self) -> None:
        self._lines: dict[Path, int] = {}

    def set(self, path: Path, line: int) -> None:
        self._lines.setdefault(path, line)

    def line(self, path: Path) -> int | None:
        """The line of ``path``, or of its nearest ancestor that is in the file."""
        path = tuple(path)
        while path:
            if path in self._lines:
                return self._lines[path]
            path = path[:-1]
        return self._lines.get((), None)


def _map_lines(node: yaml.Node, path: Path, lines: LineMap, seen: set[int]) -> None:
    lines.set(path, node.start_mark.line + 1)
    # An alias points at a node already walked; walking it again could take exponential time.
    if id(node) in seen:
        return
    seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node)
            lines.set((*path, key), key_node.start_mark.line + 1)
            _map_lines(value_node, (*path, key), lines, seen)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _map_lines(item, (*path, index), lines, seen)


class YamlProblem(Exception):
    def __init__(self, line: int | None, message: str):
        super().__init__(message)
        self.line = line
        self.message = message


class _BoundedLoader(yaml.SafeLoader):
    """The safe loader (no Python objects, no tags that run code), which also counts what a
    document costs while it is composed: aliases, nodes with aliases expanded, nesting depth."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._aliases = 0
        self._weights: dict[int, int] = {}  # id(node) -> nodes it stands for, expanded
        self._expanded = 0

    def _refuse(self, event: Any, message: str) -> None:
        raise YamlProblem(event.start_mark.line + 1 if event.start_mark else None, message)

    def compose_document(self) -> Any:
        self._expanded = 0
        self._weights = {}
        return super().compose_document()

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_YAML_ALIASES:
                self._refuse(
                    event,
                    f"The file uses more than {MAX_YAML_ALIASES} YAML aliases (*name); "
                    "write the values out instead.",
                )
            node = super().compose_node(parent, index)
            if id(node) not in self._weights:  # an alias of a node that contains it
                self._refuse(event, "A YAML alias refers to a value that contains it.")
            self._count(event, self._weights[id(node)])
            return node
        self._depth += 1
        if self._depth > MAX_YAML_DEPTH:
            self._refuse(event, f"The YAML is nested more than {MAX_YAML_DEPTH} levels deep.")
        before = self._expanded
        try:
            node = super().compose_node(parent, index)
        finally:
            self._depth -= 1
        self._count(event, 1)
        self._weights[id(node)] = self._expanded - before
        return node

    def _count(self, event: Any, nodes: int) -> None:
        self._expanded += nodes
        if self._expanded > MAX_YAML_NODES:
            self._refuse(
                event,
                f"The document expands to more than {MAX_YAML_NODES:,} values (through YAML "
                "aliases or sheer size); it is refused.",
            )


def load_yaml_documents(text: str) -> list[tuple[Any, LineMap]]:
    """Every document in ``text`` with the lines of its keys, read with :class:`_BoundedLoader`
    so that what a file costs to read is bounded by the limits above, not by its aliases."""
    _check_flow_depth(text)
    loader = _BoundedLoader(text)
    documents = []
    try:
        while loader.check_node():
            node = loader.get_node()
            lines = LineMap()
            if node is not None:
                _map_lines(node, (), lines, set())
            documents.append((loader.construct_document(node), lines))
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else None
        what = excerpt(error.problem or error.context or "unreadable YAML", 200, quote=False)
        raise YamlProblem(line, f"This is not valid YAML: {what}.") from error
    except yaml.YAMLError as error:
        raise YamlProblem(
            None, f"This is not valid YAML: {excerpt(str(error), 200, quote=False)}."
        ) from error
    except RecursionError as error:  # a guard behind MAX_YAML_DEPTH
        raise YamlProblem(None, "The YAML is nested too deeply.") from error
    finally:
        loader.dispose()
    return documents


_QUOTED_OR_COMMENT = re.compile(r'"(?:[^"\\\n]|\\.)*"|\'[^\'\n]*\'|#[^\n]*')
_BRACKETS = re.compile(r"[\[\]{}]")


def _check_flow_depth(text: str) -> None:
    """Refuse deeply nested flow collections (``[[[[...``) before the YAML scanner, which would
    look far ahead through all of them, reads the file."""
    depth = 0
    for bracket in _BRACKETS.findall(_QUOTED_OR_COMMENT.sub("", text)):
        depth = depth + 1 if bracket in "[{" else max(depth - 1, 0)
        if depth > MAX_YAML_DEPTH:
            raise YamlProblem(None, f"The YAML is nested more than {MAX_YAML_DEPTH} levels deep.")


def excerpt(value: Any, limit: int = EXCERPT_CHARS, *, quote: bool = True) -> str:
    """A value as a message may quote it: text cut to ``limit`` characters, and a mapping or a
    list named rather than written out (it may be huge)."""
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    text = str(value)
    if len(text) > limit:
        text = text[: limit - 1] + "\u2026"
    return f"'{text}'" if quote else text


# --- names -----------------------------------------------------------------------------------

try:  # the organisation matcher kept with the reference data, when it is there
    from platforms.reference.matching import normalise as normalise_name
except ImportError:  # pragma: no cover - a fallback with the same idea

    def normalise_name(name: str) -> str:
        text = unicodedata.normalize("NFKD", name)
        text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
        text = text.replace("&", " and ").replace("'", "")
        text = re.sub(r"[^\w\s]", " ", text)
        return " ".join(text.split())


def text_value(value: Any) -> str:
    """A YAML scalar as text, with the whitespace a folded block leaves trimmed."""
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return " ".join(str(value).split()) if not isinstance(value, str) else value.strip()


def one_line(value: str, limit: int) -> str:
    text = " ".join(value.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


def merge_unique(existing: Iterable[str], new: Iterable[str]) -> list[str]:
    out: list[str] = []
    for item in [*existing, *new]:
        if item and item not in out:
            out.append(item)
    return out
