"""Writing the records an importer read, in two steps:

1. **Plan** (reads only, no transaction, so a long dry run never holds a write lock): match each
   record against the catalogue *as the actor can see it* by its stable key, check it in memory
   (the model's field checks, the rules the services ask), and collect what to write.
2. **Write** (not on a dry run, not after an error): one call to
   ``services.catalogue_import``, which re-checks the rules on the locked current rows and
   writes everything in bulk, all or nothing, with one search-index rebuild.

The reads are set-based too: a constant number of queries whatever the number of records.

Another organisation's draft is invisible here, exactly like a platform nobody registered: an
import never matches it, never links to it and never names it.
"""

from __future__ import annotations

import copy
import itertools
import re
from collections.abc import Iterable
from functools import reduce
from operator import or_
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import (
    MaxLengthValidator,
    ProhibitNullCharactersValidator,
    RegexValidator,
)
from django.db.models import CharField, Model, Q, SlugField, TextField, signals
from django.db.models.base import ModelState
from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute
from django.db.models.functions import Lower
from django.db.models.query_utils import DeferredAttribute
from django.utils.text import slugify

from platforms import rules, services
from platforms.importers.base import (
    ERROR,
    MAX_LISTED_NAMES,
    WARNING,
    DependencyRef,
    ImportPlan,
    PlanItem,
    PlatformRecord,
    Problem,
    Progress,
    merge_unique,
    normalise_name,
)
from platforms.importers.search_rows import bulk_search_rows
from platforms.models import Adoption, Capability, Dependency, Organisation, Platform, Standard

BACKSTAGE_KEY = "urn:backstage:"
KEYS_PER_QUERY = 200  # keys matched with LIKE, OR-ed together
SLUGS_PER_QUERY = 2_000  # slugs matched with IN (a national catalogue: 50 queries, not 500)


def _url_variants(url: str) -> list[str]:
    base = url.strip().rstrip("/")
    if base.endswith(".git"):
        base = base[:-4]
    return [base, base + "/", base + ".git"]


def _bare(url: str) -> str:
    url = url.strip().lower().split("://", 1)[-1]
    return url.removeprefix("www.").rstrip("/")


def _visible(actor: Any):
    """The platforms the actor may see: everything for the system (an operator on the server),
    published ones and their own organisations' drafts for a person."""
    return Platform.objects.all() if actor is None else Platform.objects.visible_to(actor)


def _chunks(items: list[str], size: int = KEYS_PER_QUERY) -> Iterable[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class _Catalogue:
    """What the import needs to know about the catalogue, read once, as the actor sees it."""

    def __init__(self, actor: Any, records: list[PlatformRecord], owner: Organisation | None):
        self.actor = actor
        visible = (
            _visible(actor).select_related("owner").prefetch_related("capabilities", "standards")
        )
        self.by_slug: dict[str, Platform] = {}
        self.by_key: list[Platform] = []
        slugs = [r.key for r in records if r.match_by in ("slug", "link")]
        for chunk in _chunks(slugs, SLUGS_PER_QUERY):
            self.by_slug.update(visible.in_bulk_by_slug(chunk))
        keys = [r.key for r in records if r.match_by == "key"]
        urls = [
            v
            for r in records
            if r.match_by == "key" and r.fields.get("source_code_url")
            for v in _url_variants(r.fields["source_code_url"])
        ]
        found: dict[int, Platform] = {}
        for chunk in _chunks(keys):
            query = reduce(or_, (Q(sources__contains=k) for k in chunk))
            found.update({p.pk: p for p in visible.filter(query)})
        for chunk in _chunks(urls):
            found.update({p.pk: p for p in visible.filter(source_code_url__in=chunk)})
        self.by_key = list(found.values())
        self.capabilities = {c.slug: c for c in Capability.objects.all()}
        self.standards = {s.slug: s for s in Standard.objects.all()}
        self._uris: dict[str, Organisation] | None = None
        owner_slugs = {r.owner_slug for r in records if r.owner_slug}
        self.organisations = {o.slug: o for o in Organisation.objects.filter(slug__in=owner_slugs)}
        # The slugs a new platform cannot take are those a platform holds against its owner
        # (``services.platform_slug_holders``: published ones and the owner's own; another
        # organisation's draft takes none, not even as a "-2"). Read for the owners the records
        # name (or the import's owner) in one query per 2,000 slugs; for an owner met only
        # later (named by its web address) when first met, once.
        self.wanted = {_base_slug(r) for r in records}
        self.read: dict[Any, set[str]] = {}  # owner id: the slugs read for it
        self.read_wanted: set[Any] = set()  # owners for whom every slug of ``wanted`` was read
        for record in records:
            named = self.organisations.get(record.owner_slug) if record.owner_slug else owner
            if named is not None:
                self.read.setdefault(named.pk, set()).add(_base_slug(record))
        self.taken: set[tuple[str, Any]] = set(services.platform_slug_holders(self.read))
        # The slugs with "-2", "-3"... that the taken ones will try, read now in one query per
        # 2,000 too, so that a file whose names are taken costs no query per row.
        suffixed: dict[Any, set[str]] = {}
        for slug, owner_id in self.taken:
            suffixed.setdefault(owner_id, set()).update(_suffixed(slug))
        self._read_slugs(suffixed)
        self.published_here: set[str] = set()  # slugs this import publishes

    def owner_for_uri(self, uri: str) -> Organisation | None:
        """The organisation whose website or GOV.UK page is ``uri`` (scheme, ``www.`` and a
        trailing slash aside)."""
        if self._uris is None:
            self._uris = {}
            for organisation in Organisation.objects.exclude(website="", govuk_url=""):
                for url in (organisation.website, organisation.govuk_url):
                    if url:
                        self._uris.setdefault(_bare(url), organisation)
        return self._uris.get(_bare(uri))

    def find(self, record: PlatformRecord) -> tuple[Platform | None, str | None]:
        """The platform a record stands for, or why it cannot be told."""
        if record.match_by in ("slug", "link"):
            return self.by_slug.get(record.key), None
        url = record.fields.get("source_code_url")
        by_url = url and not record.key.startswith(BACKSTAGE_KEY)
        candidates = [
            p
            for p in self.by_key
            if record.key in p.sources.splitlines()
            or (by_url and p.source_code_url in _url_variants(url))
        ]
        if len(candidates) > 1:
            names = ", ".join(sorted(p.slug for p in candidates))
            return None, f"More than one platform in the catalogue has this key ({names})."
        return (candidates[0] if candidates else None), None

    def same_repository(self, record: PlatformRecord) -> list[Platform]:
        """Platforms with the record's repository but another identity (a suggestion only)."""
        url = record.fields.get("source_code_url")
        if not url:
            return []
        return [
            p
            for p in self.by_key
            if p.source_code_url in _url_variants(url) and record.key not in p.sources.splitlines()
        ]

    def _read_slugs(self, wanted: dict[Any, set[str]]) -> None:
        """Read which of ``wanted`` (owner id: slugs) platforms hold, unless read already."""
        unread = {}
        for owner_id, slugs in wanted.items():
            read = self.read.setdefault(owner_id, set())
            every = owner_id in self.read_wanted
            slugs = {s for s in slugs if s not in read and not (every and s in self.wanted)}
            if slugs:
                unread[owner_id] = slugs
                read |= slugs
        if unread:
            self.taken |= set(services.platform_slug_holders(unread))

    def new_slug(self, record: PlatformRecord, owner: Organisation) -> str:
        """The first of ``services.slug_candidates`` that no platform holds against ``owner``
        and that this import has not given to the same owner or published: what
        ``services.platform_free_slug`` gives one platform."""
        base = _base_slug(record)
        if base not in self.read.get(owner.pk, ()) and owner.pk not in self.read_wanted:
            # An owner met only now (None: an organisation this import creates): every slug
            # of the file read for it at once, not kept as a copy per owner.
            self.taken |= set(services.platform_slug_holders({owner.pk: self.wanted}))
            self.read_wanted.add(owner.pk)
        key = owner.pk or id(owner)  # an organisation this import creates has no id yet
        slug = base
        # The usual case, tested inline (a file of 100,000 new platforms calls this for each).
        if (
            slug in self.published_here
            or (slug, owner.pk) in self.taken
            or (slug, key) in self.taken
        ):
            candidates = services.slug_candidates(base, max_length=services.PLATFORM_SLUG_LENGTH)
            while self._taken(slug, owner.pk, key):
                some = list(itertools.islice(candidates, services.SLUG_CANDIDATES_PER_QUERY))
                self._read_slugs({owner.pk: set(some)})  # read already, unless far down
                slug = next((s for s in some if not self._taken(s, owner.pk, key)), slug)
        self.taken.add((slug, key))
        return slug

    def _taken(self, slug: str, owner_id: Any, key: Any) -> bool:
        return (
            slug in self.published_here
            or (slug, owner_id) in self.taken
            or (slug, key) in self.taken
        )


def _suffixed(slug: str) -> set[str]:
    """The candidates ``new_slug`` tries after ``slug`` in its first read of them."""
    candidates = services.slug_candidates(slug, max_length=services.PLATFORM_SLUG_LENGTH)
    return set(itertools.islice(candidates, 1, services.SLUG_CANDIDATES_PER_QUERY))


def _base_slug(record: PlatformRecord) -> str:
    return (record.slug or slugify(record.name)[:120]).strip("-") or "platform"


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


def _problem_from(error: ValidationError | services.CatalogueError, record: PlatformRecord):
    if isinstance(error, ValidationError):
        field_errors = (
            {f: [m for e in errs for m in e.messages] for f, errs in error.error_dict.items()}
            if hasattr(error, "error_dict")
            else {"non_field_errors": error.messages}
        )
        message = next(iter(field_errors.values()))[0]
    else:
        field_errors, message = error.field_errors, error.message
    field_name, line = "", record.line
    for model_field in field_errors:
        if model_field in record.field_lines:
            field_name, line = record.field_lines[model_field]
            break
        field_name = model_field if model_field != "non_field_errors" else ""
    return Problem(record.file, line, field_name, f"{record.name}: {message}")


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


# Checked by the services with a query per row (foreign keys) or per constraint; the plan
# checks them itself, set-based.
_NOT_CLEANED = ["owner", "replaced_by"]


def _clean(platform: Platform) -> None:
    platform.full_clean(exclude=_NOT_CLEANED, validate_unique=False, validate_constraints=False)


# A field's checks remember at most this many distinct values (phases, licences, suppliers and
# default values repeat across a catalogue; names and summaries do not, and are not kept).
REMEMBERED_VALUES = 1_000


_TEXT_FIELDS = (CharField, TextField, SlugField)


def _passes_text_checks(field: Any) -> Any:
    """For a text field whose checks are only its maximum length, NUL characters, blank and
    plain regular expressions (a name, a summary, a slug: different in every row, so never
    remembered), a test that a ``str`` passes ``field.clean`` unchanged, a few times cheaper
    than calling it; any value it does not pass goes through ``field.clean`` itself (which
    gives the error). ``None`` for any other field."""
    if type(field) not in _TEXT_FIELDS or field.choices or not field.editable:
        return None
    limit, blank, patterns = field.max_length, field.blank, []
    for validator in field.validators:
        if type(validator) is MaxLengthValidator and validator.limit_value == limit:
            continue
        if type(validator) is ProhibitNullCharactersValidator:
            continue
        if type(validator) is RegexValidator and not validator.inverse_match:
            patterns.append(re.compile(validator.regex.pattern, validator.regex.flags).search)
            continue
        return None

    def passes(value: str) -> bool:
        return (
            (limit is None or len(value) <= limit)
            and "\x00" not in value
            and (blank or value != "")
            and all(search(value) for search in patterns)
        )

    return passes


class _FieldChecks:
    """``full_clean`` of a model's fields (``clean_fields``: each field's ``clean``, i.e. its
    type, maximum length, choices, blank and validators such as URL and e-mail) on a dict of
    values, without a model instance: 100,000 instances cleaned one by one were a tenth of a
    whole-catalogue import. A value a field has already accepted or refused is not checked
    again (checks depend on the value only)."""

    def __init__(self, model: type, exclude: Iterable[str]):
        excluded = set(exclude)
        self.model = model
        self.fields = [
            f for f in model._meta.concrete_fields if f.name not in excluded and not f.generated
        ]
        self.all_fields = list(model._meta.concrete_fields)
        # Defaults: the constant ones once, the callable ones (a new list or dict) each time.
        fresh = [f for f in self.all_fields if f.has_default() and callable(f.default)]
        self.constant_defaults = {
            f.attname: f.get_default() for f in self.all_fields if f not in fresh
        }
        self.callable_defaults = [(f.attname, f.default) for f in fresh]
        self.known: dict[str, dict[Any, Any]] = {f.attname: {} for f in self.fields}
        # (field, a test that a text certainly passes the field's checks, or None).
        self.checked = [(f, _passes_text_checks(f)) for f in self.fields]
        # The model's clean() runs on an instance, as full_clean runs it.
        self.needs_instance = model.clean is not Model.clean
        self.fresh_attnames = [name for name, _ in self.callable_defaults]
        self.order = [f.name for f in self.fields]
        self.settled_checks: tuple[dict, dict] | None = None
        self.plain_instances = not (
            signals.pre_init.has_listeners(model) or signals.post_init.has_listeners(model)
        ) and all(
            type(getattr(model, f.attname, None))
            in (DeferredAttribute, ForeignKeyDeferredAttribute)
            for f in self.all_fields
        )

    def _settled(self) -> tuple[dict[str, tuple[str, list]], dict[str, tuple[Any, Any]]]:
        """The errors of the constant defaults (field name -> (attname, errors)), their
        cleaned values put in ``constant_defaults``, and the checked fields by attname."""
        if self.settled_checks is None:
            errors = {}
            for field in self.fields:
                attname = field.attname
                if attname not in self.constant_defaults:
                    continue
                raw = self.constant_defaults[attname]
                if field.blank and raw in field.empty_values:
                    continue
                try:
                    self.constant_defaults[attname] = self._clean_value(field, raw)
                except ValidationError as error:
                    errors[field.name] = (attname, error.error_list)
            by_attname = {f.attname: (f, passes) for f, passes in self.checked}
            self.settled_checks = (errors, by_attname)
        return self.settled_checks

    def _clean_value(self, field, value: Any) -> Any:
        known = self.known[field.attname]
        key = (type(value), value)  # 1 and True are equal keys, not equal values
        try:
            found = known.get(key, known)
        except TypeError:  # a list or a dict: not remembered
            return field.clean(value, None)
        if found is known:
            try:
                found = field.clean(value, None)
            except ValidationError as error:
                found = error
            if len(known) < REMEMBERED_VALUES:
                known[key] = found
        if isinstance(found, ValidationError):
            raise found
        return found

    def instance(self, values: dict[str, Any]) -> Any:
        """A model instance with ``values`` (attnames) after the checks, the other fields at
        their defaults; raises ``ValidationError`` as ``full_clean`` does."""
        if self.needs_instance:
            instance = self.model(**values)
            _clean(instance)
            return instance
        settled, by_attname = self._settled()
        row = dict(self.constant_defaults)
        for name, default in self.callable_defaults:
            if name not in values:
                row[name] = default()
        row.update(values)
        errors: dict[str, list] = {}
        # The constant defaults are checked once (``_settled``); each row checks its own values
        # and its fresh defaults.
        for name, (attname, error_list) in settled.items():
            if attname not in values:
                errors[name] = error_list
        for attname in (*values, *self.fresh_attnames):
            checked = by_attname.get(attname)
            if checked is None or (attname not in values and attname in self.constant_defaults):
                continue
            field, passes = checked
            raw = row[attname]
            if passes is not None and type(raw) is str and passes(raw):
                continue  # kept as it is, as ``field.clean`` would keep it
            if field.blank and raw in field.empty_values:
                continue
            try:
                row[attname] = self._clean_value(field, raw)
            except ValidationError as error:
                errors[field.name] = error.error_list
        if errors:
            raise ValidationError({n: errors[n] for n in self.order if n in errors})
        if self.plain_instances:
            # What the model's constructor does when no signal listens and every field is a
            # plain attribute: a state, and the values (a tenth of the checks' time).
            instance = self.model.__new__(self.model)
            instance._state = ModelState()
            instance.__dict__.update(row)
            return instance
        # Positional values: the model's fast constructor (the one ``from_db`` uses).
        instance = self.model(*[row[f.attname] for f in self.all_fields])
        for name, value in values.items():
            if name not in row:  # a related object (owner) rather than its id
                setattr(instance, name, value)
        return instance


class _Planner:
    def __init__(
        self,
        plan: ImportPlan,
        records: list[PlatformRecord],
        *,
        owner: Organisation | None,
        actor: Any,
        create_organisations: bool,
    ):
        self.plan = plan
        self.records = records
        self.owner = owner
        self.actor = actor
        self.create_organisations = create_organisations
        self.catalogue = _Catalogue(actor, records, owner)
        self.organisations = _OrganisationLookup()
        self.batch = services.ImportBatch()
        self.checks = _FieldChecks(Platform, _NOT_CLEANED)
        self.platforms: dict[str, Platform] = {}  # record key -> platform (new or existing)
        self.new: set[int] = set()  # id() of the platforms this import creates
        self.phases: dict[int, str] = {}  # id(platform) -> its phase after the import
        self.updates: dict[int, dict[str, Any]] = {}  # platform pk -> its changes
        self.items: dict[int, PlanItem] = {}  # id(new platform) -> its line in the plan
        self.linked: set[str] = set()  # keys of platforms only named by adoptions/dependencies

    # -- platforms

    def platform(self, record: PlatformRecord) -> None:
        plan = self.plan
        existing, why = self.catalogue.find(record)
        if record.match_by == "link":
            if existing is None:
                plan.problems.append(
                    Problem(
                        record.file,
                        record.line,
                        "platform",
                        f"No platform has the slug '{record.key}'.",
                    )
                )
            else:
                self.platforms[record.key] = existing
                self.linked.add(record.key)
                self.phases[id(existing)] = existing.phase
            return
        if why:
            plan.problems.append(Problem(record.file, record.line, "", why))
            return
        if existing is None and record.key.startswith(BACKSTAGE_KEY):
            for other in self.catalogue.same_repository(record):
                plan.problems.append(
                    Problem(
                        record.file,
                        record.line,
                        "",
                        f"'{other.name}' ({other.slug}) in the catalogue has the same repository; "
                        f"it is not merged with {record.key}. If they are the same thing, add "
                        f"'{record.key}' to its sources and import again.",
                        WARNING,
                    )
                )
        record_owner = self.owner
        if record.owner_uri and not record.owner_slug:
            named = self.catalogue.owner_for_uri(record.owner_uri)
            if named is not None and named != record_owner:
                if self.actor is None or rules.can_act_for(self.actor, named):
                    record_owner = named
                else:
                    plan.problems.append(
                        Problem(
                            record.file,
                            record.line,
                            "organisation.uri",
                            f"organisation.uri names {named.name}; you cannot import for it, so "
                            "the platform is imported for the owner you chose.",
                            WARNING,
                        )
                    )
        if record.owner_slug:
            record_owner = self.catalogue.organisations.get(record.owner_slug)
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
                return
        if record_owner is None:
            plan.problems.append(
                Problem(
                    record.file, record.line, "owner", "Say which organisation owns it (--owner)."
                )
            )
            return
        if existing and not record.owner_slug and existing.owner_id != record_owner.pk:
            plan.problems.append(
                Problem(
                    record.file,
                    record.line,
                    "",
                    f"'{existing.name}' ({existing.slug}) is already in the catalogue and belongs "
                    f"to {existing.owner.name}, not {record_owner.name}. Only its owner can "
                    "update it.",
                )
            )
            return

        data = _desired(record, existing)
        unknown = sorted(set(data) - services.PLATFORM_FIELDS - {"replaced_by"})
        if unknown:
            plan.problems.append(
                Problem(record.file, record.line, "", f"Unknown field(s): {', '.join(unknown)}.")
            )
            return
        caps = self.catalogue.capabilities
        stds = self.catalogue.standards
        wanted_caps = [caps[s] for s in record.capabilities if s in caps]
        wanted_standards = [stds[s] for s in record.standards if s in stds]
        for slug in record.capabilities:
            if slug not in caps and record.match_by == "slug":
                plan.problems.append(
                    Problem(
                        record.file, record.line, "capabilities", f"Unknown capability '{slug}'."
                    )
                )
        for slug in record.standards:
            if slug not in stds:
                plan.problems.append(
                    Problem(record.file, record.line, "standards", f"Unknown standard '{slug}'.")
                )
        if existing is None:
            self._create(record, record_owner, data, wanted_caps, wanted_standards)
        else:
            self._update(record, existing, record_owner, data, wanted_caps, wanted_standards)

    def _create(self, record, record_owner, data, wanted_caps, wanted_standards) -> None:
        plan, actor = self.plan, self.actor
        if actor is not None and not rules.can_act_for(actor, record_owner):
            plan.problems.append(
                Problem(
                    record.file,
                    record.line,
                    "owner",
                    f"You cannot register platforms for {record_owner.name}: you are not a "
                    "member of it.",
                )
            )
            return
        state = Platform.State.DRAFT
        if record.state and record.state != Platform.State.DRAFT:
            if actor is None:
                state = record.state
            else:
                plan.problems.append(
                    Problem(
                        record.file,
                        record.line,
                        "state",
                        f"{record.name} is imported as a draft: publishing goes through review.",
                        WARNING,
                    )
                )
        data.pop("replaced_by", None)
        data.pop("slug", None)
        data.update(owner_id=record_owner.pk, name=record.name, state=state)
        data["slug"] = self.catalogue.new_slug(record, record_owner)
        if state == Platform.State.PUBLISHED:
            self.catalogue.published_here.add(data["slug"])
        try:
            platform = self.checks.instance(data)
        except ValidationError as error:
            plan.problems.append(_problem_from(error, record))
            return
        platform.owner = record_owner
        self.batch.new_platforms.append((platform, wanted_caps, wanted_standards))
        if record.match_by != "slug":
            self.batch.flexible_slugs.add(id(platform))
        self.items[id(platform)] = PlanItem(platform.slug, platform.name, record.file, record.line)
        self.platforms[record.key] = platform
        self.new.add(id(platform))
        self.phases[id(platform)] = platform.phase
        plan.created.append(self.items[id(platform)])

    def _update(self, record, existing, record_owner, data, wanted_caps, wanted_standards) -> None:
        plan = self.plan
        if self.actor is not None and not rules.can_edit_platform(self.actor, existing):
            plan.problems.append(
                Problem(
                    record.file,
                    record.line,
                    "",
                    f"You cannot change {existing.name}: it belongs to {existing.owner.name}.",
                )
            )
            return
        data.pop("replaced_by", None)
        data["name"] = record.name
        candidate = copy.copy(existing)
        for name, value in data.items():
            setattr(candidate, name, value)
        try:
            _clean(candidate)  # also turns text into the field's type (a date, a number)
        except ValidationError as error:
            plan.problems.append(_problem_from(error, record))
            return
        changes = {
            k: getattr(candidate, k) for k in data if getattr(candidate, k) != getattr(existing, k)
        }
        current_caps = {c.slug for c in existing.capabilities.all()}
        cap_slugs = {c.slug for c in wanted_caps} | (current_caps if record.merge_lists else set())
        current_standards = {s.slug for s in existing.standards.all()}
        std_slugs = {s.slug for s in wanted_standards} | (
            current_standards if record.merge_lists else set()
        )
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
        if record_owner.pk != existing.owner_id:
            changes["owner"] = record_owner
            if self.actor is not None and not rules.can_act_for(self.actor, record_owner):
                plan.problems.append(
                    Problem(
                        record.file,
                        record.line,
                        "owner",
                        f"You cannot give {existing.name} to {record_owner.name}: you are not a "
                        "member of it.",
                    )
                )
                return
        if cap_slugs != current_caps:
            changes["capabilities"] = [self.catalogue.capabilities[s] for s in sorted(cap_slugs)]
        if std_slugs != current_standards:
            changes["standards"] = [self.catalogue.standards[s] for s in sorted(std_slugs)]
        self.platforms[record.key] = existing
        self.phases[id(existing)] = candidate.phase
        item = PlanItem(existing.slug, existing.name, record.file, record.line, sorted(changes))
        if not changes:
            plan.unchanged.append(item)
            return
        self.updates[existing.pk] = changes
        self.batch.updates.append((existing, changes))
        plan.updated.append(item)

    # -- adoptions

    def adoptions(self) -> None:
        existing = set(
            Adoption.objects.filter(
                platform_id__in=[p.pk for p in self.platforms.values() if p.pk]
            ).values_list("platform_id", "organisation_id", "use_case")
        )
        by_slug = {
            o.slug: o
            for o in Organisation.objects.filter(
                slug__in={
                    ref.organisation_slug
                    for r in self.records
                    for ref in r.adoptions
                    if ref.organisation_slug
                }
            )
        }
        planned: set[tuple[int, int]] = set()
        unmatched = []
        for record in self.records:
            platform = self.platforms.get(record.key)
            if platform is None:
                continue
            for ref in record.adoptions:
                if ref.organisation_slug:
                    organisation = by_slug.get(ref.organisation_slug)
                    if organisation is None:
                        self.plan.problems.append(
                            Problem(
                                record.file,
                                ref.line,
                                ref.field,
                                f"No organisation has the slug '{ref.organisation_slug}'.",
                            )
                        )
                        continue
                else:
                    organisation = self._organisation(record, ref)
                if organisation is None:
                    unmatched.append((record, ref))
                    continue
                use_case = ref.values.get("use_case", "")
                pair = (id(platform), id(organisation), use_case)
                if pair in planned or (platform.pk, organisation.pk, use_case) in existing:
                    continue
                if self.actor is not None and not rules.can_act_for(self.actor, organisation):
                    self.plan.problems.append(
                        Problem(
                            record.file,
                            ref.line,
                            ref.field,
                            f"You cannot record adoptions for {organisation.name}: you are not a "
                            "member of it.",
                            WARNING,
                        )
                    )
                    continue
                values = ref.values or {
                    "evidence_source": f"{record.file} ({ref.field})"[:200],
                    "evidence_url": platform.source_code_url,
                    "evidence_name": ref.name[:255],
                }
                adoption = Adoption(platform=platform, organisation=organisation, **values)
                try:
                    adoption.full_clean(
                        exclude=["platform", "organisation"],
                        validate_unique=False,
                        validate_constraints=False,
                    )
                    start, end = adoption.start_date, adoption.end_date
                    if start and end and end < start:
                        raise ValidationError("The end date cannot be before the start date.")
                except ValidationError as error:
                    self.plan.problems.append(
                        Problem(
                            record.file, ref.line, ref.field, f"{ref.name}: {error.messages[0]}"
                        )
                    )
                    continue
                planned.add(pair)
                self.batch.adoptions.append(adoption)
        self.plan.adoptions_created = len(self.batch.adoptions)
        if unmatched:
            _report_unmatched(self.plan, unmatched)

    def _organisation(self, record: PlatformRecord, ref) -> Organisation | None:
        organisation = self.organisations.find(ref.name)
        if organisation is None and self.create_organisations:
            base = slugify(ref.name)[:120].strip("-") or "organisation"
            slug = base
            if slug in {o.slug for o in self.batch.organisations}:
                slug = f"{base[:110]}-{len(self.batch.organisations) + 1}"
            if Organisation.objects.filter(slug=slug).exists():
                slug = services.unique_slug(Organisation, ref.name, max_length=120)
            organisation = Organisation(
                name=ref.name[:255], slug=slug, source=f"Named in {record.file} ({ref.field})"[:255]
            )
            self.batch.organisations.append(organisation)
            self.organisations.add(organisation)
            self.plan.organisations_created.append(organisation.name)
        return organisation

    # -- links

    def links(self) -> None:
        visible = _visible(self.actor)
        slugs = {r.replaced_by for r in self.records if r.replaced_by}
        names: set[str] = set()
        for record in self.records:
            for ref in record.dependencies:
                if ref.by == "slug":
                    slugs.add(ref.target)
                if ref.by == "name":
                    names.add(ref.target.lower())
                if ref.fallback_slug:
                    slugs.add(ref.fallback_slug)
            if record.part_of is not None and record.part_of.by == "slug":
                slugs.add(record.part_of.target)
        by_slug: dict[str, Platform] = {}
        for chunk in _chunks(sorted(slugs), SLUGS_PER_QUERY):
            by_slug.update(visible.in_bulk_by_slug(chunk))
        by_name: dict[str, Platform] = {}
        for chunk in _chunks(sorted(names)):
            for p in visible.annotate(lower_name=Lower("name")).filter(lower_name__in=chunk):
                by_name.setdefault(p.lower_name, p)
        # Platforms this import creates or changes, by the slug they will have.
        for platform in self.platforms.values():
            by_slug[platform.slug] = platform
        known_pks = [p.pk for p in self.platforms.values() if p.pk]
        existing = set(
            Dependency.objects.filter(platform_id__in=known_pks).values_list(
                "platform_id", "depends_on_id"
            )
        )
        planned: set[tuple[int, int]] = set()
        for record in self.records:
            platform = self.platforms.get(record.key)
            if platform is None:
                continue
            if record.replaced_by is not None:
                self._replacement(record, platform, by_slug)
            if record.part_of is not None:
                self._part_of(record, platform, by_slug, by_name)
            if (
                record.key in self.linked
                and record.dependencies
                and self.actor is not None
                and not rules.can_edit_platform(self.actor, platform)
            ):
                self.plan.problems.append(
                    Problem(
                        record.file,
                        record.dependencies[0].line,
                        "platform",
                        f"You cannot change {platform.name}: it belongs to {platform.owner.name}.",
                    )
                )
                continue
            for ref in record.dependencies:
                target = self._target(ref, by_slug, by_name)
                if target is None:
                    self.plan.problems.append(
                        Problem(
                            record.file,
                            ref.line,
                            ref.field,
                            f"'{ref.target}' is not in the catalogue: the dependency is not "
                            "recorded.",
                            WARNING,
                        )
                    )
                    continue
                pair = (id(platform), id(target))
                if (
                    target is platform
                    or pair in planned
                    or (platform.pk and (platform.pk, target.pk) in existing)
                ):
                    continue
                planned.add(pair)
                self.batch.dependencies.append(
                    Dependency(
                        platform=platform,
                        depends_on=target,
                        kind=ref.kind,
                        description=ref.description[:300],
                    )
                )
        self.plan.dependencies_created = len(self.batch.dependencies)

    def _target(self, ref: DependencyRef, by_slug, by_name) -> Platform | None:
        if ref.by == "record" and ref.target in self.platforms:
            return self.platforms[ref.target]
        if ref.by == "slug" and ref.target in by_slug:
            return by_slug[ref.target]
        if ref.by == "name" and ref.target.lower() in by_name:
            return by_name[ref.target.lower()]
        if ref.fallback_slug:
            return by_slug.get(ref.fallback_slug)
        return None

    def _part_of(self, record: PlatformRecord, platform: Platform, by_slug, by_name) -> None:
        ref = record.part_of
        target = self._target(ref, by_slug, by_name)
        if target is None or target is platform:
            self.plan.problems.append(
                Problem(
                    record.file,
                    ref.line,
                    ref.field,
                    f"'{ref.target}' is not in the catalogue: {record.name} is not linked to it.",
                    WARNING,
                )
            )
            return
        if platform.pk and target.pk and platform.part_of_id == target.pk:
            return
        self._link(record, platform, "part_of", target)

    def _replacement(self, record: PlatformRecord, platform: Platform, by_slug) -> None:
        line = record.field_lines.get("replaced_by", ("replaced_by", record.line))[1]
        replacement = None
        if record.replaced_by:
            replacement = by_slug.get(record.replaced_by)
            if replacement is None:
                self.plan.problems.append(
                    Problem(
                        record.file,
                        line,
                        "replaced_by",
                        f"No platform has the slug '{record.replaced_by}'.",
                    )
                )
                return
        current = platform.replaced_by_id if platform.pk else None
        if replacement is None and current is None:
            return
        if replacement is not None and replacement.pk and replacement.pk == current:
            return
        if replacement is platform:
            self.plan.problems.append(
                Problem(
                    record.file,
                    line,
                    "replaced_by",
                    f"{record.name}: A platform cannot replace itself.",
                )
            )
            return
        if replacement is not None and self.phases[id(platform)] not in Platform.RETIREMENT_PHASES:
            self.plan.problems.append(
                Problem(
                    record.file,
                    line,
                    "replaced_by",
                    f"{record.name}: Only a retiring or retired platform can be replaced.",
                )
            )
            return
        self._link(record, platform, "replaced_by", replacement)

    def _link(self, record, platform: Platform, name: str, target: Platform | None) -> None:
        """Set ``replaced_by`` or ``part_of``: after creation for a new platform, as one more
        change for an existing one."""
        if id(platform) in self.new:
            self.batch.links.append((platform, name, target))
            return
        changes = self.updates.get(platform.pk)
        if changes is None:
            changes = self.updates[platform.pk] = {}
            self.batch.updates.append((platform, changes))
            self.plan.unchanged[:] = [i for i in self.plan.unchanged if i.slug != platform.slug]
            self.plan.updated.append(
                PlanItem(platform.slug, platform.name, record.file, record.line, [])
            )
        changes[name] = target
        for item in self.plan.updated:
            if item.slug == platform.slug and name not in item.changes:
                item.changes.append(name)
                item.changes.sort()


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


def plan_records(
    plan: ImportPlan,
    records: list[PlatformRecord],
    *,
    owner: Organisation | None,
    actor: Any,
    create_organisations: bool,
    progress: Progress | None = None,
) -> tuple[services.ImportBatch, dict[int, PlanItem]]:
    """Step 1: what the import would write, and every problem, from reads only; with the plan
    line of each new platform."""
    planner = _Planner(
        plan, records, owner=owner, actor=actor, create_organisations=create_organisations
    )
    for done, record in enumerate(records, start=1):
        planner.platform(record)
        if progress:
            progress(done, len(records))
    planner.adoptions()
    planner.links()
    return planner.batch, planner.items


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
    """Plan, then (not on a dry run, not after an error) write it all in one transaction."""
    batch, items = plan_records(
        plan,
        records,
        owner=owner,
        actor=actor,
        create_organisations=create_organisations,
        progress=progress,
    )
    if dry_run or any(p.severity == ERROR for p in plan.problems):
        return
    try:
        # The search rows of what the batch wrote, filled once at the end instead of after
        # every statement.
        with bulk_search_rows() as written:
            services.catalogue_import(actor=actor, batch=batch)
            written.update(batch.platforms_written())
    except services.CatalogueError as error:
        plan.problems.append(Problem("", None, "", error.message))
        plan.conflict = isinstance(error, services.Conflict)
        return
    for platform, _, _ in batch.new_platforms:
        items[id(platform)].slug = platform.slug  # as written (a hidden draft may hold the wish)
    plan.applied = True
