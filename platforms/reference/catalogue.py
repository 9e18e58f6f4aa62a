"""Capabilities, standards and platforms from the reference YAML files.

Platforms go through ``platforms.services`` (``platform_register``, ``platform_update``,
``dependency_add``) with ``actor=None``, the system, so the same rules hold as for a change made in
the admin. They are registered straight into the published state. ``replaced_by`` and the
dependencies name other rows of the file, so they are set in a second pass once every platform
exists.

As everywhere in the loader, an existing row is never overwritten: only its blank fields are
filled in.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from django.core.exceptions import ValidationError

from platforms import services
from platforms.models import Capability, Dependency, Organisation, Platform, Standard
from platforms.reference.report import LoadReport, RowCounts


class ReferenceDataError(Exception):
    """A reference file contradicts itself or the database; nothing is loaded."""


def read_yaml_list(path: Path) -> list[dict[str, Any]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        raise ReferenceDataError(f"{path.name}: expected a list of mappings.")
    for number, item in enumerate(data, start=1):
        if not item.get("slug"):
            raise ReferenceDataError(f"{path.name}: entry {number} has no slug.")
    return data


def _is_blank(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _fill_simple(
    model: type, rows: list[dict[str, Any]], fields: tuple[str, ...], counts: RowCounts
) -> None:
    """Create the missing rows of a small taxonomy (no service: only administrators manage it)
    and fill the blank fields of the others."""
    existing = {obj.slug: obj for obj in model.objects.all()}
    for row in rows:
        obj = existing.get(row["slug"])
        values = {field: str(row.get(field) or "").strip() for field in fields}
        if obj is None:
            obj = model(slug=row["slug"], **values)
            counts.created += 1
        else:
            blank = {f: v for f, v in values.items() if v and _is_blank(getattr(obj, f))}
            if not blank:
                counts.unchanged += 1
                continue
            for field, value in blank.items():
                setattr(obj, field, value)
            counts.filled += 1
        try:
            obj.full_clean()
        except ValidationError as error:
            raise ReferenceDataError(
                f"{model._meta.verbose_name} {row['slug']}: {error}"
            ) from error
        obj.save()


def load_capabilities(path: Path, report: LoadReport) -> None:
    _fill_simple(Capability, read_yaml_list(path), ("name", "description"), report.capabilities)


def load_standards(path: Path, report: LoadReport) -> None:
    _fill_simple(Standard, read_yaml_list(path), ("name", "url", "description"), report.standards)


# Keys of platforms.yaml that are not plain Platform fields.
_RELATION_KEYS = {"slug", "owner", "capabilities", "standards", "replaced_by", "dependencies"}
# A stored value that means "not stated", so the file may fill it in.
_NOT_STATED = {"pricing_model": Platform.Pricing.UNKNOWN}


def _platform_fields(row: Mapping[str, Any], path: Path) -> dict[str, Any]:
    fields = {key: value for key, value in row.items() if key not in _RELATION_KEYS}
    if isinstance(fields.get("sources"), list):
        fields["sources"] = "\n".join(str(url).strip() for url in fields["sources"])
    for key in ("name", "summary", "description"):
        if isinstance(fields.get(key), str):
            fields[key] = fields[key].strip()
    unknown = sorted(set(fields) - services.PLATFORM_FIELDS)
    if unknown:
        raise ReferenceDataError(
            f"{path.name}: {row['slug']}: unknown key(s) {', '.join(unknown)}."
        )
    return fields


def _lookup(model: type, slugs: list[str] | None, path: Path, owner_slug: str) -> list:
    slugs = list(slugs or [])
    found = {obj.slug: obj for obj in model.objects.filter(slug__in=slugs)}
    missing = [slug for slug in slugs if slug not in found]
    if missing:
        raise ReferenceDataError(
            f"{path.name}: {owner_slug}: unknown {model._meta.verbose_name} slug(s) "
            f"{', '.join(missing)}."
        )
    return [found[slug] for slug in slugs]


def load_platforms(path: Path, report: LoadReport) -> None:
    rows = read_yaml_list(path)
    slugs = [row["slug"] for row in rows]
    if len(set(slugs)) != len(slugs):
        raise ReferenceDataError(f"{path.name}: a slug appears twice.")
    # The reference platforms are published: a slug names the published platform, or one the
    # owner has not published yet; never another organisation's draft that has the same slug.
    existing = {p.slug: p for p in Platform.objects.published().filter(slug__in=slugs)}
    counts = report.platforms
    by_slug: dict[str, Platform] = {}

    for row in rows:
        slug = row["slug"]
        fields = _platform_fields(row, path)
        try:
            owner = Organisation.objects.get(slug=row.get("owner"))
        except Organisation.DoesNotExist as error:
            raise ReferenceDataError(
                f"{path.name}: {slug}: owner '{row.get('owner')}' is not an organisation."
            ) from error
        capabilities = _lookup(Capability, row.get("capabilities"), path, slug)
        standards = _lookup(Standard, row.get("standards"), path, slug)
        platform = existing.get(slug) or Platform.objects.filter(owner=owner, slug=slug).first()
        try:
            if platform is None:
                platform = services.platform_register(
                    actor=None,
                    owner=owner,
                    capabilities=capabilities,
                    standards=standards,
                    state=Platform.State.PUBLISHED,
                    slug=slug,
                    **fields,
                )
                counts.created += 1
            else:
                changes = {
                    field: value
                    for field, value in fields.items()
                    if not _is_blank(value)
                    and (
                        _is_blank(getattr(platform, field))
                        or getattr(platform, field) == _NOT_STATED.get(field)
                    )
                }
                if capabilities and not platform.capabilities.exists():
                    changes["capabilities"] = capabilities
                if standards and not platform.standards.exists():
                    changes["standards"] = standards
                if changes:
                    platform = services.platform_update(actor=None, platform=platform, data=changes)
                    counts.filled += 1
                else:
                    counts.unchanged += 1
        except services.CatalogueError as error:
            raise ReferenceDataError(f"{path.name}: {slug}: {error.message}") from error
        by_slug[slug] = platform

    # Second pass: the links between rows of the file.
    for row in rows:
        platform = by_slug[row["slug"]]
        target_slug = row.get("replaced_by")
        if target_slug:
            target = _platform_named(target_slug, by_slug, path, row["slug"])
            if platform.replaced_by_id is None:
                if platform.phase in Platform.RETIREMENT_PHASES:
                    try:
                        platform = services.platform_update(
                            actor=None, platform=platform, data={"replaced_by": target}
                        )
                    except services.CatalogueError as error:
                        raise ReferenceDataError(
                            f"{path.name}: {row['slug']}: {error.message}"
                        ) from error
                    by_slug[row["slug"]] = platform
                else:
                    report.warn(
                        f"Platform {platform.slug} is {platform.phase}, not retiring or retired: "
                        f"its replacement {target_slug} was not set."
                    )
        for dependency in row.get("dependencies") or []:
            target = _platform_named(dependency["slug"], by_slug, path, row["slug"])
            if Dependency.objects.filter(platform=platform, depends_on=target).exists():
                report.dependencies.unchanged += 1
                continue
            try:
                services.dependency_add(
                    actor=None,
                    platform=platform,
                    depends_on=target,
                    kind=dependency.get("kind") or Dependency.Kind.RUNTIME,
                )
            except services.CatalogueError as error:
                raise ReferenceDataError(f"{path.name}: {row['slug']}: {error.message}") from error
            report.dependencies.created += 1


def _platform_named(slug: str, by_slug: Mapping[str, Platform], path: Path, row_slug: str):
    if slug in by_slug:
        return by_slug[slug]
    try:
        return Platform.objects.by_slug(slug).get()
    except Platform.DoesNotExist as error:
        raise ReferenceDataError(
            f"{path.name}: {row_slug}: refers to platform '{slug}', which does not exist."
        ) from error
