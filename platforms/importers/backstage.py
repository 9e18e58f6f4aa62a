"""Backstage software catalogue descriptors (``catalog-info.yaml``,
https://backstage.io/docs/features/software-catalog/descriptor-format).

Component, API, System and Resource entities become platforms, one per
``kind:namespace/name`` (never merged with another entity because they share a repository: the
plan suggests it instead); their kinds map onto ``Platform.kind`` (Component: software component,
API: API, System: service platform, Resource: data or register). Group entities are read so that
``spec.owner`` references resolve (every platform belongs to the ``--owner`` organisation, and
the Backstage owner is kept as an ``owner:<group>`` tag); every other kind (User, Domain,
Template, AiResource, kinds Backstage adds later) is skipped with a warning, never refused.
References without a namespace resolve in the namespace of the entity that makes them, as
Backstage resolves them. ``Location`` entities are followed only to relative files next to the
descriptor, never over the network. A file may hold several documents (``---``).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from platforms.importers.base import (
    MAX_FILE_BYTES,
    WARNING,
    DependencyRef,
    Importer,
    LineMap,
    PlatformRecord,
    Problem,
    YamlProblem,
    decode_file,
    dotted,
    excerpt,
    load_yaml_documents,
    one_line,
)

PLATFORM_KINDS = ("component", "api", "system", "resource")
LIFECYCLE_PHASES = {"experimental": "alpha", "production": "live", "deprecated": "retiring"}
# What each kind must say, per the descriptor format.
REQUIRED_SPEC = {
    "component": ("type", "lifecycle", "owner"),
    # Any API type: an mcp-server API has ``remotes`` rather than a ``definition``.
    "api": ("type", "lifecycle", "owner"),
    "system": ("owner",),
    "resource": ("type", "owner"),
    "group": ("type", "children"),
}
# The default kind of a reference, per field (Backstage's own defaults).
DEFAULT_REF_KIND = {
    "dependsOn": None,
    "providesApis": "api",
    "consumesApis": "api",
    "owner": "group",
}

# Backstage's rules for names, namespaces and tags.
_NAME = re.compile(r"^[A-Za-z0-9]+(?:[-_.][A-Za-z0-9]+)*$")
_NAMESPACE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_TAG = re.compile(r"^[a-z0-9:+#]+(?:-[a-z0-9:+#]+)*$")


def entity_key(kind: str, namespace: str, name: str) -> str:
    """The stable key kept in ``Platform.sources``: urn:backstage:component:default/name."""
    return f"urn:backstage:{kind.lower()}:{namespace.lower()}/{name.lower()}"


KIND_OF_PLATFORM = {
    "component": "software_component",
    "api": "api",
    "system": "service_platform",
    "resource": "data_register",
}
SOURCE_LOCATION = "backstage.io/source-location"


def parse_ref(
    ref: str, default_kind: str | None, default_namespace: str = "default"
) -> tuple[str | None, str, str]:
    """'component:default/artists-db' -> ('component', 'default', 'artists-db'). Without a
    namespace, the referring entity's own (Backstage's rule)."""
    kind = default_kind
    if ":" in ref:
        kind, ref = ref.split(":", 1)
    namespace = default_namespace
    if "/" in ref:
        namespace, ref = ref.split("/", 1)
    return (kind.lower() if kind else None), namespace, ref


def metadata_name(doc: dict) -> str:
    metadata = doc.get("metadata")
    return str(metadata.get("name", "")) if isinstance(metadata, dict) else ""


class _Entity:
    def __init__(self, file: str, doc: dict, lines: LineMap):
        self.file = file
        self.doc = doc
        self.lines = lines
        self.kind = str(doc.get("kind", "")).lower()
        metadata = doc.get("metadata") if isinstance(doc.get("metadata"), dict) else {}
        self.metadata = metadata
        self.spec = doc.get("spec") if isinstance(doc.get("spec"), dict) else {}
        self.name = str(metadata.get("name", ""))
        self.namespace = str(metadata.get("namespace") or "default")

    @property
    def key(self) -> str:
        return entity_key(self.kind, self.namespace, self.name)

    def line(self, *path: Any) -> int | None:
        return self.lines.line(path)


class BackstageImporter(Importer):
    format_name = "backstage"

    def parse(self, files, *, base_dir=None):
        problems: list[Problem] = []
        entities: list[_Entity] = []
        queue = list(files)
        seen = {name for name, _ in files}
        while queue:
            name, text = queue.pop(0)
            try:
                documents = load_yaml_documents(text)
            except YamlProblem as error:
                problems.append(Problem(name, error.line, "", error.message))
                continue
            for doc, lines in documents:
                if doc is None:
                    continue
                entity = self._check(name, doc, lines, problems)
                if entity is None:
                    continue
                if entity.kind == "location":
                    queue.extend(self._follow(entity, base_dir, seen, problems))
                else:
                    entities.append(entity)

        keys: dict[str, _Entity] = {}
        for entity in entities:
            if entity.key in keys:
                other = keys[entity.key]
                problems.append(
                    Problem(
                        entity.file,
                        entity.line("metadata", "name"),
                        "metadata.name",
                        f"{entity.kind} '{entity.name}' is defined twice (also in {other.file}).",
                    )
                )
            keys[entity.key] = entity
        if any(p.is_error for p in problems):
            return [], problems

        platforms = [e for e in entities if e.kind in PLATFORM_KINDS]
        names = {}
        for entity in platforms:
            names.setdefault(entity.name.lower(), []).append(entity)
        records = [
            self._record(entity, keys, len(names[entity.name.lower()]) > 1, problems)
            for entity in platforms
        ]
        add_api_providers(records)
        return records, problems

    # -- checks

    def _check(
        self, file: str, doc: Any, lines: LineMap, problems: list[Problem]
    ) -> _Entity | None:
        def error(path: tuple, message: str) -> None:
            problems.append(Problem(file, lines.line(path), dotted(path), message))

        if not isinstance(doc, dict):
            error((), "A Backstage entity must be a mapping with apiVersion, kind and metadata.")
            return None
        before = len(problems)
        api_version = doc.get("apiVersion")
        kind = doc.get("kind")
        if not isinstance(kind, str) or not kind:
            error(("kind",), "'kind' is required.")
            return None
        if kind.lower() not in (*PLATFORM_KINDS, "group", "location"):
            name = metadata_name(doc)
            problems.append(
                Problem(
                    file,
                    lines.line(("kind",)),
                    "kind",
                    f"{excerpt(kind)} {excerpt(name)} is not a platform; skipped.",
                    WARNING,
                )
            )
            return None
        if not isinstance(api_version, str) or not api_version.startswith("backstage.io/"):
            error(("apiVersion",), "'apiVersion' must be backstage.io/v1alpha1 or v1beta1.")
        metadata = doc.get("metadata")
        if not isinstance(metadata, dict):
            error(("metadata",), "'metadata' with at least a 'name' is required.")
            return None
        name = metadata.get("name")
        if not isinstance(name, str) or not name:
            error(("metadata", "name"), "'metadata.name' is required.")
        elif len(name) > 63 or not _NAME.match(name):
            error(
                ("metadata", "name"),
                f"{excerpt(name)} is not a valid entity name: use at most 63 letters, digits and "
                "single "
                "'-', '_' or '.' between them (no spaces), e.g. 'wayback-search'.",
            )
        namespace = metadata.get("namespace")
        if namespace is not None and (
            not isinstance(namespace, str) or len(namespace) > 63 or not _NAMESPACE.match(namespace)
        ):
            error(("metadata", "namespace"), f"{excerpt(namespace)} is not a valid namespace.")
        for key in ("title", "description"):
            if key in metadata and not isinstance(metadata[key], str):
                error(("metadata", key), f"'metadata.{key}' must be text.")
        tags = metadata.get("tags", [])
        if not isinstance(tags, list):
            error(("metadata", "tags"), "'metadata.tags' must be a list.")
        else:
            for index, tag in enumerate(tags):
                if not isinstance(tag, str) or len(tag) > 63 or not _TAG.match(tag):
                    error(
                        ("metadata", "tags", index),
                        f"{excerpt(tag)} is not a valid tag: lower-case letters, digits, ':', '+', "
                        "'#' and single '-' between them, no spaces.",
                    )
        links = metadata.get("links", [])
        if not isinstance(links, list) or any(
            not isinstance(link, dict) or not isinstance(link.get("url"), str) for link in links
        ):
            error(("metadata", "links"), "'metadata.links' must be a list of {url, title}.")
        spec = doc.get("spec")
        kind = kind.lower()
        if kind in REQUIRED_SPEC:
            if not isinstance(spec, dict):
                error(("spec",), f"'spec' is required for a {doc['kind']}.")
            else:
                for key in REQUIRED_SPEC[kind]:
                    if spec.get(key) in (None, ""):
                        error(("spec", key), f"'spec.{key}' is required for a {doc['kind']}.")
                for key in ("dependsOn", "providesApis", "consumesApis"):
                    value = spec.get(key)
                    if value is not None and (
                        not isinstance(value, list) or not all(isinstance(v, str) for v in value)
                    ):
                        error(("spec", key), f"'spec.{key}' must be a list of entity references.")
                    elif key == "dependsOn":
                        for index, ref in enumerate(value or []):
                            if ":" not in ref:
                                error(
                                    ("spec", key, index),
                                    f"{excerpt(ref)} must say its kind, e.g. 'component:…' or "
                                    f"'resource:…'.",
                                )
        if len(problems) > before:
            return None
        return _Entity(file, doc, lines)

    def _follow(self, location: _Entity, base_dir, seen: set[str], problems: list[Problem]):
        """The local files a Location names, read from beside the file that names it."""
        spec = location.spec
        targets = list(spec.get("targets") or []) + ([spec["target"]] if spec.get("target") else [])
        for index, target in enumerate(targets):
            line = location.line("spec", "targets", index) or location.line("spec")
            if not isinstance(target, str) or "://" in target or target.startswith("/"):
                problems.append(
                    Problem(
                        location.file,
                        line,
                        "spec.targets",
                        f"{excerpt(target)} is not read: only files relative to this one are "
                        "followed "
                        "(nothing is fetched over the network). Import it as a file.",
                        WARNING,
                    )
                )
                continue
            relative = (Path(location.file).parent / target).as_posix()
            name = str(Path(relative))
            if name in seen or _normal(name) in {_normal(s) for s in seen}:
                continue
            seen.add(name)
            root = Path(base_dir).resolve() if base_dir else None
            path = (root / name).resolve() if root else None
            if root is None or path is None or not path.is_relative_to(root) or not path.is_file():
                problems.append(
                    Problem(
                        location.file,
                        line,
                        "spec.targets",
                        f"{excerpt(target)} is not in the import and cannot be read; import it as "
                        "a "
                        "file if it should be included.",
                        WARNING,
                    )
                )
                continue
            if path.stat().st_size > MAX_FILE_BYTES:
                problems.append(
                    Problem(name, None, "", "The file is over the 1 MB limit; split it.")
                )
                continue
            text, problem = decode_file(name, path.read_bytes())
            if problem:
                problems.append(problem)
            else:
                yield name, text

    # -- mapping

    def _record(
        self,
        entity: _Entity,
        keys: dict[str, _Entity],
        name_shared: bool,
        problems: list[Problem],
    ) -> PlatformRecord:
        metadata, spec = entity.metadata, entity.spec
        kind_label = entity.doc["kind"]
        description = (metadata.get("description") or "").strip()
        summary = one_line(description, 300) or f"{kind_label} {entity.name} (from Backstage)."
        tags = [t for t in metadata.get("tags", []) if isinstance(t, str)]
        tags.append(f"backstage-{entity.kind}")
        if spec.get("type"):
            tags.append(str(spec["type"]))
        fields: dict[str, Any] = {"summary": summary, "description": description}

        fields["kind"] = KIND_OF_PLATFORM[entity.kind]
        fields["original_format"] = "backstage"
        fields["original_document"] = yaml.safe_dump(
            entity.doc, sort_keys=False, allow_unicode=True
        )
        annotations = metadata.get("annotations")
        location = annotations.get(SOURCE_LOCATION) if isinstance(annotations, dict) else None
        if isinstance(location, str) and location.split(":", 1)[0] in ("url", "https", "http"):
            url = location[4:] if location.startswith("url:") else location
            if url.startswith(("https://", "http://")):
                fields["source_code_url"] = url[:200]
        domain = spec.get("domain")
        if isinstance(domain, str) and domain:
            tags.append(f"domain:{parse_ref(domain, 'domain', entity.namespace)[2]}"[:100])
        part_of = None
        for key, ref_kind in (("system", "system"), ("subcomponentOf", "component")):
            value = spec.get(key)
            if isinstance(value, str) and value:
                kind_, ns_, name_ = parse_ref(value, ref_kind, entity.namespace)
                target = entity_key(kind_ or ref_kind, ns_, name_)
                part_of = DependencyRef(
                    target if target in keys else name_.lower(),
                    "record" if target in keys else "slug",
                    entity.line("spec", key),
                    f"spec.{key}",
                )
        owner = spec.get("owner")
        if owner:
            owner_kind, owner_ns, owner_name = parse_ref(str(owner), "group", entity.namespace)
            tags.append(f"owner:{owner_name}")
            if owner_kind == "group" and entity_key("group", owner_ns, owner_name) not in keys:
                problems.append(
                    Problem(
                        entity.file,
                        entity.line("spec", "owner"),
                        "spec.owner",
                        f"Owner {excerpt(owner)} is not a Group in this import; the platform "
                        "belongs to "
                        "the --owner organisation and the Backstage owner is kept as a tag.",
                        WARNING,
                    )
                )
        lifecycle = spec.get("lifecycle")
        if lifecycle:
            phase = LIFECYCLE_PHASES.get(str(lifecycle).lower())
            if phase:
                fields["phase"] = phase
            else:
                tags.append(f"lifecycle:{lifecycle}")
                problems.append(
                    Problem(
                        entity.file,
                        entity.line("spec", "lifecycle"),
                        "spec.lifecycle",
                        f"Lifecycle {excerpt(lifecycle)} has no catalogue phase "
                        "(experimental, production, deprecated); the phase is left as it is.",
                        WARNING,
                    )
                )
        extra_links = []
        for link in metadata.get("links", []):
            title = str(link.get("title", "")).lower()
            url = link["url"]
            if any(w in title for w in ("doc", "guide", "manual")):
                slot = "documentation_url"
            elif any(w in title for w in ("source", "repo", "code", "github", "gitlab")):
                slot = "source_code_url"
            else:
                slot = "service_url"
            if slot in fields:
                extra_links.append(url)  # kept as a source, not dropped
            else:
                fields[slot] = url

        dependencies = []
        for field_name, kind, description in (
            ("dependsOn", None, "Backstage spec.dependsOn"),
            ("consumesApis", "api", "Backstage spec.consumesApis"),
        ):
            for index, ref in enumerate(spec.get(field_name) or []):
                ref_kind, ref_ns, ref_name = parse_ref(ref, kind, entity.namespace)
                target = entity_key(ref_kind or "component", ref_ns, ref_name)
                dependencies.append(
                    DependencyRef(
                        target if target in keys else ref_name.lower(),
                        "record" if target in keys else "slug",
                        entity.line("spec", field_name, index),
                        f"spec.{field_name}",
                        description=description,
                    )
                )
        for index, ref in enumerate(spec.get("providesApis") or []):
            # The API is served by this component: record it as the API depending on it.
            _, ref_ns, ref_name = parse_ref(ref, "api", entity.namespace)
            target = entity_key("api", ref_ns, ref_name)
            if target in keys:
                tags.append(f"provides-api:{ref_name}")
            else:
                problems.append(
                    Problem(
                        entity.file,
                        entity.line("spec", "providesApis", index),
                        "spec.providesApis",
                        f"API {excerpt(ref)} is not in this import; not linked.",
                        WARNING,
                    )
                )
        slug = entity.name.lower().replace("_", "-").replace(".", "-")
        if name_shared and entity.kind != "component":
            slug = f"{slug}-{entity.kind}"
        return PlatformRecord(
            file=entity.file,
            line=entity.line("metadata", "name") or 1,
            key=entity.key,
            name=str(metadata.get("title") or entity.name)[:200],
            match_by="key",
            slug=slug[:120],
            fields=fields,
            tags=tags,
            sources=[entity.key, *extra_links],
            dependencies=dependencies,
            part_of=part_of,
            field_lines={
                "name": ("metadata.name", entity.line("metadata", "name")),
                "summary": ("metadata.description", entity.line("metadata", "description")),
                "phase": ("spec.lifecycle", entity.line("spec", "lifecycle")),
            },
        )


def _normal(name: str) -> str:
    return str(Path(name)).replace("\\", "/")


def add_api_providers(records: list[PlatformRecord]) -> None:
    """An API depends (at run time) on the component that provides it."""
    by_key = {r.key: r for r in records}
    for record in records:
        for tag in record.tags:
            if tag.startswith("provides-api:"):
                name = tag.split(":", 1)[1]
                api = by_key.get(entity_key("api", "default", name))
                if api:
                    api.dependencies.append(
                        DependencyRef(
                            record.key,
                            "record",
                            record.line,
                            "spec.providesApis",
                            description="Backstage spec.providesApis",
                        )
                    )
