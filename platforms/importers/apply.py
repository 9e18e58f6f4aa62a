"""Writing the records an importer read: match each against the catalogue by its stable key, then
create or update it through the services, in one transaction that a dry run or any error rolls
back."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Q

from platforms import services
from platforms.importers.base import (
    ERROR,
    MAX_LISTED_NAMES,
    WARNING,
    ImportPlan,
    PlanItem,
    PlatformRecord,
    Problem,
    Progress,
    merge_unique,
    normalise_name,
)
from platforms.models import Adoption, Capability, Dependency, Organisation, Platform, Standard


class _Rollback(Exception):
    """Raised inside the transaction to undo a dry run or a failed import."""


def _url_variants(url: str) -> list[str]:
    base = url.strip().rstrip("/")
    if base.endswith(".git"):
        base = base[:-4]
    return [base, base + "/", base + ".git"]


def find_existing(record: PlatformRecord) -> tuple[Platform | None, str | None]:
    """The platform a record stands for, or why it cannot be told."""
    if record.match_by == "slug":
        return Platform.objects.filter(slug=record.key).select_related("owner").first(), None
    query = Q(sources__contains=record.key)
    if record.fields.get("source_code_url"):
        query |= Q(source_code_url__in=_url_variants(record.fields["source_code_url"]))
    candidates = [
        p
        for p in Platform.objects.filter(query).select_related("owner")
        if record.key in p.sources.splitlines()
        or (
            record.fields.get("source_code_url")
            and p.source_code_url in _url_variants(record.fields["source_code_url"])
        )
    ]
    if len(candidates) > 1:
        names = ", ".join(sorted(p.slug for p in candidates))
        return None, f"More than one platform in the catalogue has this key ({names})."
    return (candidates[0] if candidates else None), None


class _OrganisationLookup:
    """Organisation names from a file, matched exactly, then by the reference matcher's tiers."""

    def __init__(self) -> None:
        self._index = None
        self._by_slug: dict[str, Organisation] = {}

    def _build(self) -> None:
        organisations = list(Organisation.objects.all())
        self._by_slug = {o.slug: o for o in organisations}
        try:
            from platforms.reference.matching import Candidate, OrganisationIndex
        except ImportError:  # pragma: no cover
            self._index = {normalise_name(o.name): o.slug for o in organisations}
            return
        self._index = OrganisationIndex.build(
            Candidate(
                slug=o.slug,
                name=o.name,
                abbreviation=o.abbreviation,
                closed=o.status == Organisation.Status.CLOSED,
                superseded_by=None,
            )
            for o in organisations
        )

    def find(self, name: str) -> Organisation | None:
        if self._index is None:
            self._build()
        if isinstance(self._index, dict):  # pragma: no cover
            slug = self._index.get(normalise_name(name))
        else:
            match = self._index.match(name)
            slug = match.resolved or match.slug
        return self._by_slug.get(slug) if slug else None

    def add(self, organisation: Organisation) -> None:
        if self._index is None:
            self._build()
        self._by_slug[organisation.slug] = organisation
        if isinstance(self._index, dict):  # pragma: no cover
            self._index[normalise_name(organisation.name)] = organisation.slug
        else:
            from platforms.reference.matching import Candidate

            self._index.add(Candidate(slug=organisation.slug, name=organisation.name))


def _problem_from(error: services.CatalogueError, record: PlatformRecord) -> Problem:
    field_name, line = "", record.line
    for model_field in error.field_errors:
        if model_field in record.field_lines:
            field_name, line = record.field_lines[model_field]
            break
        field_name = model_field if model_field != "non_field_errors" else ""
    return Problem(record.file, line, field_name, f"{record.name}: {error.message}")


def _desired(record: PlatformRecord, existing: Platform | None) -> dict[str, Any]:
    """The values the platform should have after the import."""
    data = dict(record.fields)
    current_tags = list(existing.tags) if existing else []
    data["tags"] = merge_unique(current_tags, record.tags) if record.merge_lists else record.tags
    if record.match_by == "slug":
        data["sources"] = record.fields.get("sources", existing.sources if existing else "")
    else:
        current = existing.sources.splitlines() if existing else []
        data["sources"] = "\n".join(merge_unique(current, record.sources))
    return data


def apply_records(
    plan: ImportPlan,
    records: list[PlatformRecord],
    *,
    owner: Organisation | None,
    actor: Any,
    create_organisations: bool,
    progress: Progress | None = None,
) -> None:
    """Write ``records`` (the caller holds the transaction)."""
    capabilities = {c.slug: c for c in Capability.objects.all()}
    standards = {s.slug: s for s in Standard.objects.all()}
    organisations = _OrganisationLookup()
    platforms: dict[str, Platform] = {}  # record key -> platform
    unmatched: list[tuple[PlatformRecord, Any]] = []

    for done, record in enumerate(records, start=1):
        platform = _write_platform(plan, record, owner, actor, capabilities, standards)
        if platform is not None:
            platforms[record.key] = platform
            _write_adoptions(
                plan, record, platform, actor, organisations, create_organisations, unmatched
            )
        if progress:
            progress(done, len(records))

    if unmatched:
        _report_unmatched(plan, unmatched)
    for record in records:
        if record.key in platforms:
            _write_links(plan, record, platforms[record.key], platforms, actor)


def _write_platform(
    plan: ImportPlan,
    record: PlatformRecord,
    owner: Organisation | None,
    actor: Any,
    capabilities: dict[str, Capability],
    standards: dict[str, Standard],
) -> Platform | None:
    existing, why = find_existing(record)
    if why:
        plan.problems.append(Problem(record.file, record.line, "", why))
        return None

    record_owner = owner
    if record.owner_slug:
        record_owner = Organisation.objects.filter(slug=record.owner_slug).first()
        if record_owner is None:
            line = record.field_lines.get("owner", ("owner", record.line))[1]
            plan.problems.append(
                Problem(
                    record.file,
                    line,
                    "owner",
                    f"No organisation has the slug '{record.owner_slug}'.",
                )
            )
            return None
    if record_owner is None:
        plan.problems.append(
            Problem(record.file, record.line, "owner", "Say which organisation owns it (--owner).")
        )
        return None
    if existing and not record.owner_slug and existing.owner_id != record_owner.pk:
        plan.problems.append(
            Problem(
                record.file,
                record.line,
                "",
                f"'{existing.name}' ({existing.slug}) is already in the catalogue and belongs to "
                f"{existing.owner.name}, not {record_owner.name}. Only its owner can update it.",
            )
        )
        return None

    data = _desired(record, existing)
    wanted_caps = [capabilities[s] for s in record.capabilities if s in capabilities]
    wanted_standards = [standards[s] for s in record.standards if s in standards]
    for slug in record.capabilities:
        if slug not in capabilities and record.match_by == "slug":
            plan.problems.append(
                Problem(record.file, record.line, "capabilities", f"Unknown capability '{slug}'.")
            )
    for slug in record.standards:
        if slug not in standards:
            plan.problems.append(
                Problem(record.file, record.line, "standards", f"Unknown standard '{slug}'.")
            )
    try:
        if existing is None:
            extra: dict[str, Any] = {}
            if record.state and record.state != Platform.State.DRAFT:
                if actor is None:
                    extra["state"] = record.state
                else:
                    plan.problems.append(
                        Problem(
                            record.file,
                            record.line,
                            "state",
                            f"{record.name} is imported as a draft: publishing goes through "
                            "review.",
                            WARNING,
                        )
                    )
            if record.slug and not Platform.objects.filter(slug=record.slug).exists():
                data["slug"] = record.slug
            data.pop("replaced_by", None)
            platform = services.platform_register(
                actor=actor,
                owner=record_owner,
                name=record.name,
                capabilities=wanted_caps,
                standards=wanted_standards,
                **extra,
                **data,
            )
            plan.created.append(PlanItem(platform.slug, platform.name, record.file, record.line))
            return platform

        changes = {k: v for k, v in data.items() if getattr(existing, k) != v}
        if record.name != existing.name:
            changes["name"] = record.name
        if record_owner.pk != existing.owner_id:
            changes["owner"] = record_owner
        current_caps = set(existing.capabilities.values_list("slug", flat=True))
        caps = {c.slug for c in wanted_caps} | (current_caps if record.merge_lists else set())
        if caps != current_caps:
            changes["capabilities"] = list(Capability.objects.filter(slug__in=caps))
        current_standards = set(existing.standards.values_list("slug", flat=True))
        std = {s.slug for s in wanted_standards} | (
            current_standards if record.merge_lists else set()
        )
        if std != current_standards:
            changes["standards"] = list(Standard.objects.filter(slug__in=std))
        if record.state and record.state != existing.state:
            plan.problems.append(
                Problem(
                    record.file,
                    record.line,
                    "state",
                    f"{existing.name} is {existing.get_state_display().lower()}; an import does "
                    f"not change the publication state (it says {record.state}).",
                    WARNING,
                )
            )
        item = PlanItem(existing.slug, existing.name, record.file, record.line, sorted(changes))
        if not changes:
            plan.unchanged.append(item)
            return existing
        platform = services.platform_update(actor=actor, platform=existing, data=changes)
        plan.updated.append(item)
        return platform
    except services.CatalogueError as error:
        plan.problems.append(_problem_from(error, record))
        return None


def _write_adoptions(
    plan: ImportPlan,
    record: PlatformRecord,
    platform: Platform,
    actor: Any,
    organisations: _OrganisationLookup,
    create_organisations: bool,
    unmatched: list,
) -> None:
    for ref in record.adoptions:
        organisation = organisations.find(ref.name)
        if organisation is None and create_organisations:
            organisation = Organisation.objects.create(
                name=ref.name[:255],
                slug=services.unique_slug(Organisation, ref.name, max_length=120),
                source=f"Named in {record.file} ({ref.field})"[:255],
            )
            organisations.add(organisation)
            plan.organisations_created.append(organisation.name)
        if organisation is None:
            unmatched.append((record, ref))
            continue
        if Adoption.objects.filter(
            platform=platform, organisation=organisation, use_case=""
        ).exists():
            continue
        try:
            services.adoption_record(
                actor=actor,
                platform=platform,
                organisation=organisation,
                evidence_source=f"{record.file} ({ref.field})"[:200],
                evidence_url=platform.source_code_url,
                evidence_name=ref.name[:255],
            )
            plan.adoptions_created += 1
        except services.NotAllowed as error:
            plan.problems.append(Problem(record.file, ref.line, ref.field, error.message, WARNING))
        except services.CatalogueError as error:
            plan.problems.append(
                Problem(record.file, ref.line, ref.field, f"{ref.name}: {error.message}")
            )


def _report_unmatched(plan: ImportPlan, unmatched: list) -> None:
    for record, ref in unmatched[:MAX_LISTED_NAMES]:
        plan.problems.append(
            Problem(
                record.file,
                ref.line,
                ref.field,
                f"No organisation in the catalogue is called '{ref.name}': the adoption is not "
                "recorded (import with --create-organisations to add it).",
                WARNING,
            )
        )
    if len(unmatched) > MAX_LISTED_NAMES:
        record, ref = unmatched[MAX_LISTED_NAMES]
        plan.problems.append(
            Problem(
                record.file,
                None,
                ref.field,
                f"...and {len(unmatched) - MAX_LISTED_NAMES} more organisation name(s) not in "
                f"the catalogue ({len(unmatched)} in all); their adoptions are not recorded.",
                WARNING,
            )
        )


def _resolve_target(ref, platforms: dict[str, Platform]) -> Platform | None:
    if ref.by == "record" and ref.target in platforms:
        return platforms[ref.target]
    if ref.by == "slug":
        found = Platform.objects.filter(slug=ref.target).first()
        if found:
            return found
    if ref.by == "name":
        found = Platform.objects.filter(name__iexact=ref.target).first()
        if found:
            return found
    if ref.fallback_slug:
        return Platform.objects.filter(slug=ref.fallback_slug).first()
    return None


def _write_links(
    plan: ImportPlan,
    record: PlatformRecord,
    platform: Platform,
    platforms: dict[str, Platform],
    actor: Any,
) -> None:
    if record.replaced_by is not None:
        replacement = None
        if record.replaced_by:
            replacement = Platform.objects.filter(slug=record.replaced_by).first()
            if replacement is None:
                line = record.field_lines.get("replaced_by", ("replaced_by", record.line))[1]
                plan.problems.append(
                    Problem(
                        record.file,
                        line,
                        "replaced_by",
                        f"No platform has the slug '{record.replaced_by}'.",
                    )
                )
                return
        if platform.replaced_by_id != (replacement.pk if replacement else None):
            try:
                services.platform_update(
                    actor=actor, platform=platform, data={"replaced_by": replacement}
                )
                if not any(i.slug == platform.slug for i in plan.created + plan.updated):
                    plan.unchanged[:] = [i for i in plan.unchanged if i.slug != platform.slug]
                    plan.updated.append(
                        PlanItem(
                            platform.slug, platform.name, record.file, record.line, ["replaced_by"]
                        )
                    )
            except services.CatalogueError as error:
                plan.problems.append(_problem_from(error, record))

    for ref in record.dependencies:
        target = _resolve_target(ref, platforms)
        if target is None:
            plan.problems.append(
                Problem(
                    record.file,
                    ref.line,
                    ref.field,
                    f"'{ref.target}' is not in the catalogue: the dependency is not recorded.",
                    WARNING,
                )
            )
            continue
        if target.pk == platform.pk:
            continue
        if Dependency.objects.filter(platform=platform, depends_on=target).exists():
            continue
        try:
            services.dependency_add(
                actor=actor,
                platform=platform,
                depends_on=target,
                kind=ref.kind,
                description=ref.description[:300],
            )
            plan.dependencies_created += 1
        except services.NotAllowed as error:
            plan.problems.append(Problem(record.file, ref.line, ref.field, error.message, WARNING))
        except services.CatalogueError as error:
            plan.problems.append(Problem(record.file, ref.line, ref.field, error.message))


def write_plan(
    plan: ImportPlan,
    records: list[PlatformRecord],
    *,
    owner: Organisation | None,
    actor: Any,
    dry_run: bool,
    create_organisations: bool,
    progress: Progress | None = None,
) -> None:
    """Apply in one transaction; roll it all back on a dry run or if anything failed."""
    try:
        with transaction.atomic():
            apply_records(
                plan,
                records,
                owner=owner,
                actor=actor,
                create_organisations=create_organisations,
                progress=progress,
            )
            if dry_run or any(p.severity == ERROR for p in plan.problems):
                raise _Rollback
            plan.applied = True
    except _Rollback:
        plan.applied = False
