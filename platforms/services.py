"""The writes and their rules. The admin, the API, the importers and the management commands all
call these functions, so a rule is enforced the same way wherever a change comes from.

Every service takes the acting user as ``actor``. ``actor=None`` is the system itself (a management
command run by an operator on the server) and skips the permission checks, never the data rules.
"""

from __future__ import annotations

import dataclasses
import datetime
import io
import itertools
import operator
import typing
from collections.abc import Container, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, connections, transaction
from django.db.models import Field
from django.utils import timezone
from django.utils.text import slugify

from platforms import insight_figures, rules, search
from platforms.models import Adoption, Capability, Dependency, Organisation, Platform, Standard
from platforms.selectors.impact import impact_changed

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

    Actor = AbstractBaseUser | None


class CatalogueError(Exception):
    """A request the catalogue refuses, with a message a person can act on."""

    status_code = 400
    code = "invalid"

    def __init__(self, message: str, *, field_errors: Mapping[str, list[str]] | None = None):
        super().__init__(message)
        self.message = message
        self.field_errors = dict(field_errors or {})


class InvalidData(CatalogueError):
    status_code = 400
    code = "invalid"


class NotAllowed(CatalogueError):
    status_code = 403
    code = "permission_denied"


class InvalidTransition(CatalogueError):
    """The record is not in a state that allows this step."""

    status_code = 409
    code = "invalid_state"


class Conflict(CatalogueError):
    """The change would lose or contradict other records."""

    status_code = 409
    code = "conflict"


class NotFound(CatalogueError):
    """No such record, or one the caller may not see: both read the same, so a refusal never
    reveals that another organisation's draft exists."""

    status_code = 404
    code = "not_found"


class StaleVersion(CatalogueError):
    """Someone else changed the record since the caller read it."""

    status_code = 412
    code = "stale_version"


# The platform fields a caller may set directly; state, version and owner have their own rules.
PLATFORM_FIELDS = frozenset(
    {
        "name",
        "slug",
        "summary",
        "description",
        "tags",
        "phase",
        "replaced_by",
        "service_url",
        "documentation_url",
        "source_code_url",
        "is_open_source",
        "licence",
        "hosting",
        "supplier",
        "contract_end_date",
        "contact_email",
        "data_classification",
        "handles_personal_data",
        "pricing_model",
        "sources",
        "kind",
        "descriptions",
        "part_of",
        "original_document",
        "original_format",
    }
)
ADOPTION_FIELDS = frozenset(
    {
        "status",
        "use_case",
        "start_date",
        "end_date",
        "notes",
        "evidence_source",
        "evidence_url",
        "evidence_date",
        "evidence_name",
    }
)


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise NotAllowed(message)


def _validate(instance: Any, *, exclude: Iterable[str] = (), constraints: bool = True) -> None:
    """Run the model's field, uniqueness and constraint checks, as a domain error;
    ``constraints=False``: its fields and ``clean`` only (the caller checks the rest)."""
    try:
        instance.full_clean(
            exclude=list(exclude), validate_unique=constraints, validate_constraints=constraints
        )
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            field_errors = {
                field: [message for e in errors for message in e.messages]
                for field, errors in error.error_dict.items()
            }
        else:
            field_errors = {"non_field_errors": error.messages}
        first = next(iter(field_errors.values()))[0]
        raise InvalidData(first, field_errors=field_errors) from error


def _save(instance: Any, actor: Actor) -> None:
    if actor is not None and actor.is_authenticated:
        instance._history_user = actor
    try:
        instance.save()
    except IntegrityError as error:  # a race that full_clean could not see
        raise Conflict(f"The change conflicts with another record: {error}") from error


def _unknown_fields(data: Mapping[str, Any], allowed: frozenset[str]) -> None:
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise InvalidData(
            f"Unknown field(s): {', '.join(unknown)}.",
            field_errors={name: ["This field cannot be set here."] for name in unknown},
        )


def _check_version(current: int, expected: int | None) -> None:
    if expected is not None and expected != current:
        raise StaleVersion(
            f"This record has changed since you loaded it (you had version {expected}, "
            f"it is now version {current}). Reload it and apply your change again."
        )


def _locked(model: type, pk: Any) -> Any:
    """The current row, locked until the transaction ends. Every service decides on this copy,
    never on the object it was handed, which may be stale or a historical copy (an old owner)."""
    row = model.objects.select_for_update().filter(pk=pk).first()
    if row is None:
        raise NotFound(f"This {model._meta.verbose_name} no longer exists.")
    return row


def _require_visible(actor: Actor, platform: Platform, field: str) -> None:
    """``platform`` may be named by ``actor`` (as a dependency or a replacement): published, or
    their own organisation's. Another organisation's draft is reported exactly like a platform
    that does not exist."""
    if actor is not None and not rules.can_view_platform(actor, platform):
        message = "There is no such platform in the catalogue."
        raise InvalidData(message, field_errors={field: [message]})


def slug_candidates(base: str, *, max_length: int) -> Iterator[str]:
    """The slugs a record whose slug would be ``base`` may take, in the order it takes them:
    ``base``, then ``base`` with "-2", "-3"... (cut to ``max_length``)."""
    yield base
    for n in itertools.count(2):
        suffix = f"-{n}"
        yield base[: max_length - len(suffix)] + suffix


def _slug_base(text: str, max_length: int) -> str:
    return slugify(text)[:max_length].strip("-") or "item"


def unique_slug(model: type, text: str, *, max_length: int = 100) -> str:
    """A slug from ``text`` that no row of ``model`` uses yet (organisations, capabilities,
    standards: their slugs are unique across the table). A platform's is ``platform_free_slug``."""
    for slug in slug_candidates(_slug_base(text, max_length), max_length=max_length):
        if not model.objects.filter(slug=slug).exists():
            return slug
    raise AssertionError("unreachable")  # pragma: no cover


# --- platform slugs ---------------------------------------------------------------------------
# A platform's slug is unique among published platforms and within its owner, not across the
# catalogue (``Platform.Meta.constraints``): another organisation's draft must neither block a
# slug nor show through a refusal or a "-2". One function says which platforms hold a slug
# against an owner, for one platform (register, rename, the admin's form) and for an import's
# thousands alike.

SLUGS_PER_QUERY = 2_000  # a national file's 100,000 slugs: 50 queries
PLATFORM_SLUG_LENGTH = 120
SLUG_CANDIDATES_PER_QUERY = 10  # "x", "x-2" ... "x-10" read at once


class SlugHolder(typing.NamedTuple):
    """The platform that holds a slug against an owner."""

    pk: int
    owner_id: int
    published: bool


def platform_slug_holders(
    wanted: Mapping[Any, Iterable[str]], *, exclude: Iterable[int] = ()
) -> dict[tuple[str, Any], SlugHolder]:
    """``{(slug, owner id): holder}`` for each slug of ``wanted[owner id]`` that a platform
    holds against that owner: a published platform, or one of the owner's own (the published
    one first when both do). Another organisation's draft holds nothing, so whoever may act for
    the owner may be told who holds a slug. ``None`` as the owner id (an organisation not yet
    written) is held against by published platforms only. ``exclude``: platform ids that hold
    nothing (the platform being renamed).

    The rows with the wanted slugs are read in one query per ``SLUGS_PER_QUERY`` slugs whatever
    the number of owners, and the rule applied to each row here (a filter per owner, 2,000 of
    them in a national file, took PostgreSQL seconds to plan)."""
    owners_of: dict[str, list[Any]] = {}
    for owner_id, slugs in wanted.items():
        for slug in slugs:
            owners_of.setdefault(slug, []).append(owner_id)
    held: dict[tuple[str, Any], SlugHolder] = {}
    published = Platform.State.PUBLISHED
    exclude = list(exclude)
    slugs = sorted(owners_of)
    for start in range(0, len(slugs), SLUGS_PER_QUERY):
        rows = Platform.objects.filter(slug__in=slugs[start : start + SLUGS_PER_QUERY])
        if exclude:
            rows = rows.exclude(pk__in=exclude)
        for pk, slug, owner_id, state in rows.order_by().values_list(
            "pk", "slug", "owner_id", "state"
        ):
            if state == published:  # named before the owner's own (``in_slug_precedence``)
                holder = SlugHolder(pk, owner_id, True)
                for owner in owners_of[slug]:
                    held[(slug, owner)] = holder
            elif owner_id in owners_of[slug]:
                held.setdefault((slug, owner_id), SlugHolder(pk, owner_id, False))
    return held


def platform_free_slug(
    text: str, *, owner: Organisation | int | None, taken: Container[str] = ()
) -> str:
    """The first of ``slug_candidates`` of ``text``'s slug that no platform holds against ``owner``
    (``platform_slug_holders``) and that is not in ``taken`` (slugs the caller has given out
    already): another organisation's draft never pushes a platform to "-2"."""
    owner_id = getattr(owner, "pk", owner)
    base = _slug_base(text, PLATFORM_SLUG_LENGTH)
    candidates = slug_candidates(base, max_length=PLATFORM_SLUG_LENGTH)
    while True:
        some = list(itertools.islice(candidates, SLUG_CANDIDATES_PER_QUERY))
        held = platform_slug_holders({owner_id: some})
        for slug in some:
            if (slug, owner_id) not in held and slug not in taken:
                return slug


def _slug_refusal(message: str) -> Conflict:
    return Conflict(message, field_errors={"slug": [message]})


def platform_slug_refusal(*, slug: str, owner: Organisation | int, exclude: Any = None) -> str:
    """Why a platform of ``owner`` cannot have ``slug`` ("" when it can): a published platform
    or another of the owner's own has it (``platform_slug_holders``). Whoever may act for the
    owner can see both, so the refusal names them; another organisation's draft never counts."""
    owner_id = getattr(owner, "pk", owner)
    holders = platform_slug_holders(
        {owner_id: [slug]}, exclude=() if exclude is None else [exclude]
    )
    holder = holders.get((slug, owner_id))
    if holder is None:
        return ""
    name, owner_name = Platform.objects.values_list("name", "owner__name").get(pk=holder.pk)
    return f"The slug '{slug}' is taken by {name} ({owner_name}): choose another slug."


def _require_slug_free(platform: Platform) -> None:
    """Refuse (409) a slug the platform's owner cannot give it (``platform_slug_refusal``)."""
    refusal = platform_slug_refusal(
        slug=platform.slug, owner=platform.owner_id, exclude=platform.pk
    )
    if refusal:
        raise _slug_refusal(refusal)


def _require_slug_public(platform: Platform) -> None:
    """Before a platform goes for review or is published: refuse (409) when a published
    platform already has its slug. Only what is public is named."""
    other = (
        Platform.objects.published()
        .filter(slug=platform.slug)
        .exclude(pk=platform.pk)
        .select_related("owner")
        .first()
    )
    if other is not None:
        raise _slug_refusal(
            f"{other.name} ({other.owner.name}) is already published with the slug "
            f"'{platform.slug}': choose another slug for {platform.name}."
        )


# --- platforms -------------------------------------------------------------------------------


@transaction.atomic
def platform_register(
    *,
    actor: Actor,
    owner: Organisation,
    name: str,
    summary: str,
    capabilities: Iterable[Capability] = (),
    standards: Iterable[Standard] = (),
    state: str = Platform.State.DRAFT,
    **fields: Any,
) -> Platform:
    """Register a new platform for ``owner``. It starts as a draft, visible only to the owner's
    members, until a reviewer publishes it. Only the system may register straight into another
    state (reference data)."""
    _unknown_fields(fields, PLATFORM_FIELDS)
    if actor is not None:
        _require(
            rules.can_act_for(actor, owner),
            f"You cannot register platforms for {owner.name}: you are not a member of it.",
        )
        if state != Platform.State.DRAFT:
            raise InvalidTransition("A new platform starts as a draft; submit it for review.")
    platform = Platform(owner=owner, name=name, summary=summary, state=state, **fields)
    if not platform.slug:
        platform.slug = platform_free_slug(name, owner=owner)
    _require_slug_free(platform)
    _validate(platform)
    _save(platform, actor)
    platform.capabilities.set(capabilities)
    platform.standards.set(standards)
    search.reindex(platform)
    return platform


def _require_may_change(actor: Actor, platform: Platform, owner: Organisation | None) -> None:
    """The actor may change ``platform`` (decided on the current, locked row) and, when the change
    gives it to ``owner``, may act for that organisation too."""
    _require(
        rules.can_edit_platform(actor, platform),
        f"You cannot change {platform.name}: it belongs to {platform.owner.name}.",
    )
    if owner is not None and owner.pk != platform.owner_id:
        _require(
            rules.can_act_for(actor, owner),
            f"You cannot give {platform.name} to {owner.name}: you are not a member of it.",
        )


@transaction.atomic
def platform_update(
    *,
    actor: Actor,
    platform: Platform,
    data: Mapping[str, Any],
    expected_version: int | None = None,
) -> Platform:
    """Change a platform's details. ``data`` may also hold ``owner``, ``capabilities`` and
    ``standards``. With ``expected_version``, a change made since the caller read the record is
    refused instead of silently overwritten."""
    data = dict(data)
    owner = data.pop("owner", None)
    capabilities = data.pop("capabilities", None)
    standards = data.pop("standards", None)
    _unknown_fields(data, PLATFORM_FIELDS)
    # Lock the current row so that two writers with the same version cannot both succeed, and
    # decide on it: the rules see today's owner, not the caller's copy.
    locked = _locked(Platform, platform.pk)
    if actor is not None:
        _require_may_change(actor, locked, owner)
        if data.get("replaced_by") is not None:
            _require_visible(actor, data["replaced_by"], "replaced_by")
    _check_version(locked.version, expected_version)
    named = (locked.slug, locked.owner_id)
    for field, value in data.items():
        setattr(locked, field, value)
    if owner is not None:
        locked.owner = owner
    if (locked.slug, locked.owner_id) != named:
        # Only a new name is checked: a draft whose slug a published platform took since keeps
        # it (and can still be edited) until it is submitted (``_require_slug_public``).
        _require_slug_free(locked)
    locked.version += 1
    _validate(locked)
    _save(locked, actor)
    if capabilities is not None:
        locked.capabilities.set(capabilities)
    if standards is not None:
        locked.standards.set(standards)
    if owner is not None:
        # The owner's own adoptions are not reuse: a new owner changes the count.
        recount_reuse([locked.pk])
        locked.refresh_from_db(fields=["reuse_count"])
    # The search document holds the name, texts, owner, capabilities and standards; the other
    # services (state, phase, dependencies) change none of them.
    search.reindex(locked)
    return locked


def _transition(
    *,
    actor: Actor,
    platform: Platform,
    allowed_from: Iterable[str],
    to: str,
    verb: str,
    may=None,
    refusal: str = "",
    **extra,
) -> Platform:
    locked = _locked(Platform, platform.pk)
    if actor is not None and may is not None:
        _require(may(actor, locked), refusal.format(name=locked.name, owner=locked.owner.name))
    if locked.state not in allowed_from:
        raise InvalidTransition(
            f"Cannot {verb} {locked.name}: it is {locked.get_state_display().lower()}."
        )
    if to in (Platform.State.IN_REVIEW, Platform.State.PUBLISHED):
        _require_slug_public(locked)
    locked.state = to
    for field, value in extra.items():
        setattr(locked, field, value)
    locked.version += 1
    _save(locked, actor)
    return locked


@transaction.atomic
def platform_submit(*, actor: Actor, platform: Platform) -> Platform:
    """An editor asks a reviewer of the owning organisation to publish the platform."""
    return _transition(
        actor=actor,
        platform=platform,
        allowed_from=[Platform.State.DRAFT],
        to=Platform.State.IN_REVIEW,
        verb="submit",
        may=rules.can_edit_platform,
        refusal="You cannot submit {name}: it belongs to {owner}.",
        review_note="",
    )


@transaction.atomic
def platform_publish(*, actor: Actor, platform: Platform) -> Platform:
    """A reviewer of the owning organisation (or staff) publishes a submitted platform."""
    return _transition(
        actor=actor,
        platform=platform,
        allowed_from=[Platform.State.IN_REVIEW],
        to=Platform.State.PUBLISHED,
        verb="publish",
        may=rules.can_review_platform,
        refusal="Only a reviewer of {owner} can publish {name}.",
    )


@transaction.atomic
def platform_reject(*, actor: Actor, platform: Platform, reason: str) -> Platform:
    """A reviewer sends a submission back to draft, saying why."""
    locked = _locked(Platform, platform.pk)
    if actor is not None:
        _require(
            rules.can_review_platform(actor, locked),
            f"Only a reviewer of {locked.owner.name} can reject {locked.name}.",
        )
    if not reason or not reason.strip():
        raise InvalidData(
            "Say why the platform is sent back.",
            field_errors={"reason": ["This field is required."]},
        )
    return _transition(
        actor=actor,
        platform=platform,
        allowed_from=[Platform.State.IN_REVIEW],
        to=Platform.State.DRAFT,
        verb="reject",
        review_note=reason.strip(),
    )


@transaction.atomic
def platform_retire(
    *,
    actor: Actor,
    platform: Platform,
    replaced_by: Platform | None = None,
    retiring: bool = False,
) -> Platform:
    """Mark a platform retired (or retiring, still running but closed to new adopters), naming its
    replacement where there is one. Adoptions and history are kept."""
    locked = _locked(Platform, platform.pk)
    if actor is not None:
        _require(
            rules.can_edit_platform(actor, locked),
            f"You cannot retire {locked.name}: it belongs to {locked.owner.name}.",
        )
        if replaced_by is not None:
            _require_visible(actor, replaced_by, "replaced_by")
    target = Platform.Phase.RETIRING if retiring else Platform.Phase.RETIRED
    if locked.phase == Platform.Phase.RETIRED:
        raise InvalidTransition(f"{locked.name} is already retired.")
    if replaced_by is not None:
        if replaced_by.pk == locked.pk:
            raise InvalidData(
                "A platform cannot replace itself.",
                field_errors={"replaced_by": ["A platform cannot replace itself."]},
            )
        if replaced_by.phase == Platform.Phase.RETIRED:
            raise InvalidData(
                f"{replaced_by.name} is retired itself and cannot be the replacement.",
                field_errors={"replaced_by": ["Choose a platform that is not retired."]},
            )
    locked.phase = target
    locked.replaced_by = replaced_by
    locked.version += 1
    _validate(locked)
    _save(locked, actor)
    return locked


def platform_deletion_refusal(platform: Platform) -> str | None:
    """Why ``platform`` cannot be deleted, or None when it can."""
    reasons = []
    if adoptions := platform.adoptions.count():
        reasons.append(f"{adoptions} adoption(s)")
    if dependents := platform.dependents.count():
        reasons.append(f"{dependents} platform(s) depend on it")
    if replaces := platform.replaces.count():
        reasons.append(f"it replaces {replaces} platform(s)")
    if not reasons:
        return None
    return f"{platform.name} cannot be deleted: {', '.join(reasons)}. Retire it instead."


@transaction.atomic
def platform_delete(*, actor: Actor, platform: Platform) -> None:
    """Delete a platform nobody uses or depends on. Otherwise it must be retired instead, so that
    the record of its reuse is not lost."""
    locked = _locked(Platform, platform.pk)
    if actor is not None:
        _require(
            rules.can_edit_platform(actor, locked),
            f"You cannot delete {locked.name}: it belongs to {locked.owner.name}.",
        )
    refusal = platform_deletion_refusal(locked)
    if refusal:
        raise Conflict(refusal)
    if actor is not None and actor.is_authenticated:
        locked._history_user = actor
    locked.delete()


# --- adoptions -------------------------------------------------------------------------------


# --- stored reuse counts (issue 14) ----------------------------------------------------------


def recount_reuse(platform_ids: Iterable[int]) -> None:
    """Bring ``Platform.reuse_count`` up to date for these platforms, inside the caller's
    transaction. The rows are locked first, so that the count (a new statement, hence a new
    snapshot under READ COMMITTED) sees every concurrent writer that committed before us."""
    from platforms.querysets import reuse_count_subquery

    ids = sorted({int(pk) for pk in platform_ids if pk is not None})
    if not ids:
        return
    list(Platform.objects.select_for_update().filter(pk__in=ids).order_by("pk").values("pk"))
    Platform.objects.filter(pk__in=ids).update(reuse_count=reuse_count_subquery())


@transaction.atomic
def adoption_record(
    *,
    actor: Actor,
    platform: Platform,
    organisation: Organisation,
    status: str = Adoption.Status.IN_USE,
    use_case: str = "",
    **fields: Any,
) -> Adoption:
    """Record that ``organisation`` uses (or plans to use) ``platform``. Adoptions belong to the
    consumer: only its members (or staff) record them."""
    _unknown_fields(fields, ADOPTION_FIELDS)
    if actor is not None:
        _require(
            rules.can_act_for(actor, organisation),
            f"You cannot record adoptions for {organisation.name}: you are not a member of it.",
        )
        _require_visible(actor, platform, "platform")
    adoption = Adoption(
        platform=platform, organisation=organisation, status=status, use_case=use_case, **fields
    )
    _validate(adoption)
    _save(adoption, actor)
    recount_reuse([adoption.platform_id])
    return adoption


@transaction.atomic
def adoptions_record(*, actor: Actor, adoptions: list[Adoption]) -> list[Adoption]:
    """Record many adoptions at once, all or none (the reference data's 1,500 adopters of GOV.UK
    Pay and Notify): each is checked as ``adoption_record`` checks one, then they are written
    as an import writes them, one history record each, with the reuse counts and the insight
    figures of the platforms and organisations concerned counted once at the end."""
    if not adoptions:
        return adoptions
    if actor is not None:
        for adoption in adoptions:
            _require(
                rules.can_act_for(actor, adoption.organisation),
                f"You cannot record adoptions for {adoption.organisation.name}: "
                "you are not a member of it.",
            )
            _require_visible(actor, adoption.platform, "platform")
    # The fields and the dates one by one; the uniqueness of (platform, organisation, use) for
    # them all in one query, not one query each.
    for adoption in adoptions:
        _validate(adoption, constraints=False)
        start, end = adoption.start_date, adoption.end_date
        if start and end and end < start:
            message = "The end date cannot be before the start date."
            raise InvalidData(message, field_errors={"end_date": [message]})
    keys = [(a.platform_id, a.organisation_id, a.use_case) for a in adoptions]
    taken = set(
        Adoption.objects.filter(
            platform_id__in={k[0] for k in keys}, organisation_id__in={k[1] for k in keys}
        ).values_list("platform_id", "organisation_id", "use_case")
    )
    for adoption, key in zip(adoptions, keys, strict=True):
        if key in taken:
            raise Conflict(
                f"{adoption.organisation.name} already has an adoption of "
                f"{adoption.platform.name} for that use."
            )
        taken.add(key)
    catalogue_import(actor=actor, batch=ImportBatch(adoptions=adoptions))
    return adoptions


@transaction.atomic
def adoption_update(
    *,
    actor: Actor,
    adoption: Adoption,
    data: Mapping[str, Any],
    expected_version: int | None = None,
) -> Adoption:
    """Change an adoption's status, dates, use or evidence."""
    _unknown_fields(data, ADOPTION_FIELDS)
    locked = _locked(Adoption, adoption.pk)
    if actor is not None:
        _require(
            rules.can_edit_adoption(actor, locked),
            f"You cannot change this adoption: it belongs to {locked.organisation.name}.",
        )
    _check_version(locked.version, expected_version)
    counted_before = locked.platform_id
    for field, value in data.items():
        setattr(locked, field, value)
    locked.version += 1
    _validate(locked)
    _save(locked, actor)
    recount_reuse([counted_before, locked.platform_id])
    return locked


@transaction.atomic
def adoption_end(
    *, actor: Actor, adoption: Adoption, end_date: datetime.date | None = None
) -> Adoption:
    """The organisation stopped using the platform. The adoption is kept, as history of reuse."""
    if _locked(Adoption, adoption.pk).status == Adoption.Status.STOPPED:
        raise InvalidTransition("This adoption has already ended.")
    return adoption_update(
        actor=actor,
        adoption=adoption,
        data={"status": Adoption.Status.STOPPED, "end_date": end_date or timezone.localdate()},
    )


@transaction.atomic
def adoption_delete(*, actor: Actor, adoption: Adoption) -> None:
    """Remove an adoption recorded by mistake (to say it ended, use ``adoption_end``)."""
    locked = _locked(Adoption, adoption.pk)
    if actor is not None:
        _require(
            rules.can_edit_adoption(actor, locked),
            f"You cannot delete this adoption: it belongs to {locked.organisation.name}.",
        )
    if actor is not None and actor.is_authenticated:
        locked._history_user = actor
    platform_id = locked.platform_id
    locked.delete()
    recount_reuse([platform_id])


# --- dependencies ----------------------------------------------------------------------------


@transaction.atomic
def dependency_add(
    *,
    actor: Actor,
    platform: Platform,
    depends_on: Platform,
    kind: str = Dependency.Kind.RUNTIME,
    description: str = "",
) -> Dependency:
    """Record that ``platform`` needs ``depends_on``. Only the platform's owner says so."""
    if actor is not None:
        _require(
            rules.can_edit_platform(actor, platform),
            f"You cannot change {platform.name}: it belongs to {platform.owner.name}.",
        )
        _require_visible(actor, depends_on, "depends_on")
    if platform.pk == depends_on.pk:
        raise InvalidData(
            "A platform cannot depend on itself.",
            field_errors={"depends_on": ["A platform cannot depend on itself."]},
        )
    dependency = Dependency(
        platform=platform, depends_on=depends_on, kind=kind, description=description
    )
    _validate(dependency)
    _save(dependency, actor)
    return dependency


def _locked_dependency(actor: Actor, dependency: Dependency) -> Dependency:
    locked = _locked(Dependency, dependency.pk)
    if actor is not None:
        platform = locked.platform
        _require(
            rules.can_edit_platform(actor, platform),
            f"You cannot change {platform.name}: it belongs to {platform.owner.name}.",
        )
    return locked


@transaction.atomic
def dependency_update(
    *, actor: Actor, dependency: Dependency, data: Mapping[str, Any]
) -> Dependency:
    """Change what kind of dependency it is, or its description. The pair itself is the
    dependency's identity: to point at another platform, remove it and add a new one."""
    _unknown_fields(data, frozenset({"kind", "description"}))
    locked = _locked_dependency(actor, dependency)
    for field, value in data.items():
        setattr(locked, field, value)
    _validate(locked)
    _save(locked, actor)
    return locked


@transaction.atomic
def dependency_remove(*, actor: Actor, dependency: Dependency) -> None:
    locked = _locked_dependency(actor, dependency)
    if actor is not None and actor.is_authenticated:
        locked._history_user = actor
    locked.delete()


# --- reference records: organisations, capabilities, standards ------------------------------

REFERENCE_FIELDS: dict[type, frozenset[str]] = {
    Organisation: frozenset(
        {
            "name",
            "slug",
            "abbreviation",
            "kind",
            "status",
            "parent",
            "superseded_by",
            "website",
            "govuk_url",
            "source",
        }
    ),
    Capability: frozenset({"name", "slug", "description"}),
    Standard: frozenset({"name", "slug", "url", "description"}),
}


def _require_catalogue_admin(actor: Actor, what: str) -> None:
    if actor is not None:
        _require(
            actor.is_authenticated and actor.is_superuser,
            f"Only catalogue administrators can change {what}.",
        )


def _platforms_naming(record: Organisation | Capability | Standard):
    """The platforms whose search document holds this record's name."""
    if isinstance(record, Organisation):
        return Platform.objects.filter(owner=record)
    if isinstance(record, Capability):
        return Platform.objects.filter(capabilities=record)
    return Platform.objects.filter(standards=record)


@transaction.atomic
def reference_save(
    *,
    actor: Actor,
    model: type[Organisation | Capability | Standard],
    data: Mapping[str, Any],
    instance: Organisation | Capability | Standard | None = None,
) -> Organisation | Capability | Standard:
    """Create (``instance=None``) or change an organisation, capability or standard. Only
    catalogue administrators (or the system) do this: these records are shared by everyone."""
    _require_catalogue_admin(actor, f"{model._meta.verbose_name_plural}")
    _unknown_fields(data, REFERENCE_FIELDS[model])
    record = instance if instance is not None else model()
    for field, value in data.items():
        setattr(record, field, value)
    if not record.slug and record.name:
        record.slug = unique_slug(model, record.name, max_length=100)
    _validate(record)
    _save(record, actor)
    if instance is not None and {"name", "abbreviation"} & set(data):
        # Platform search documents include these names: keep them true.
        search.reindex(_platforms_naming(record))
    return record


@transaction.atomic
def reference_delete(*, actor: Actor, instance: Organisation | Capability | Standard) -> None:
    """Delete a reference record nothing refers to; otherwise say what still uses it."""
    _require_catalogue_admin(actor, f"{instance._meta.verbose_name_plural}")
    if isinstance(instance, Organisation):
        in_use = {
            "platform(s) owned": instance.platforms.count(),
            "adoption(s)": instance.adoptions.count(),
            "body/bodies beneath it": instance.children.count(),
        }
    else:
        in_use = {"platform(s)": instance.platforms.count()}
    reasons = [f"{count} {label}" for label, count in in_use.items() if count]
    if reasons:
        raise Conflict(f"{instance} cannot be deleted: it still has {', '.join(reasons)}.")
    affected = list(_platforms_naming(instance).values_list("pk", flat=True))
    instance.delete()
    if affected:
        search.reindex(affected)


# --- imports, set-based ------------------------------------------------------------------------
# An import of thousands of rows writes in a constant number of statements: the records are
# checked one by one in memory (``platforms.importers``), then written here in bulk, with the
# same rules asked once per organisation and the search index rebuilt once.


@dataclasses.dataclass
class ImportBatch:
    """What an import writes. Platforms to create are unsaved instances; adoptions and
    dependencies may point at them (or at organisations to create) and get their ids here."""

    organisations: list[Organisation] = dataclasses.field(default_factory=list)
    new_platforms: list[tuple[Platform, list[Capability], list[Standard]]] = dataclasses.field(
        default_factory=list
    )
    # (the platform as the import read it, the changes: model fields, owner, capabilities,
    # standards); refused if the platform changed since it was read.
    updates: list[tuple[Platform, dict[str, Any]]] = dataclasses.field(default_factory=list)
    # (a new platform, "replaced_by" or "part_of", the platform it names): set once every new
    # platform has its id.
    links: list[tuple[Platform, str, Platform | None]] = dataclasses.field(default_factory=list)
    adoptions: list[Adoption] = dataclasses.field(default_factory=list)
    dependencies: list[Dependency] = dataclasses.field(default_factory=list)
    # id() of new platforms whose slug is only a wish (not their identity, as it is in CSV): if
    # a platform the importer could not see holds it, another free slug is taken.
    flexible_slugs: set[int] = dataclasses.field(default_factory=set)

    def platforms_written(self) -> set[int]:
        """The ids of the platforms this batch wrote (once written): the new and changed
        platforms (rows, links, documents) and those that gained adopters (reuse counts)."""
        return (
            {p.pk for p, _, _ in self.new_platforms}
            | {p.pk for p, _ in self.updates}
            | {p.pk for p, _, _ in self.links}
            | {a.platform.pk for a in self.adoptions}
        )


IMPORT_CONFLICT = (
    "The catalogue changed while this import ran (another import or edit wrote one of the same "
    "records). Nothing was written; run the import again."
)


def _history_user(actor: Actor) -> Any:
    return actor if actor is not None and actor.is_authenticated else None


# Internal types whose Python values of these types go to COPY as they are (what
# ``get_db_prep_save`` would give back unchanged); any other value takes the field's own path.
_PLAIN = {
    "CharField": str,
    "TextField": str,
    "SlugField": str,
    "URLField": str,
    "EmailField": str,
    "AutoField": int,
    "BigAutoField": int,
    "IntegerField": int,
    "BigIntegerField": int,
    "PositiveIntegerField": int,
    "ForeignKey": int,
    "BooleanField": bool,
}


def _copy_cell(field: Any, db: Any) -> Any:
    """A function writing a value of ``field`` as a cell of PostgreSQL ``COPY`` CSV, prepared
    by the field as ``bulk_create`` prepares it: NULL unquoted and empty, everything else
    quoted (an empty text stays one)."""
    plain = _PLAIN.get(field.get_internal_type())

    def cell(value: Any) -> str:
        if value is None:
            return ""
        if type(value) is not plain:
            value = field.get_db_prep_save(value, db)
            if value is None:
                return ""
            if hasattr(value, "adapted") and hasattr(value, "dumps"):  # psycopg2's JSON adapter
                value = value.dumps(value.adapted)
        return '"' + str(value).replace('"', '""') + '"'

    return cell


def _insert_values(model: Any, attnames: list[str], rows: list[list[Any]]) -> list[int]:
    """Insert rows of values (in the order of ``attnames``) into ``model``'s table, all at once,
    and give back their primary keys, allocated unless ``attnames`` holds it.

    For large imports: on PostgreSQL the keys are taken from the table's sequence in one query
    and the rows streamed with ``COPY`` (an INSERT of 100,000 platforms compiled by the ORM
    cost minutes of Python); elsewhere ``bulk_create``."""
    if not rows:
        return []
    meta = model._meta
    pk = meta.pk.attname
    if connection.vendor != "postgresql":
        made = model.objects.bulk_create(
            [model(**dict(zip(attnames, row, strict=True))) for row in rows], batch_size=500
        )
        return [obj.pk for obj in made]
    db = connections[connection.alias]  # the connection itself, not the per-thread proxy
    with db.cursor() as cursor:
        if pk in attnames:
            at = attnames.index(pk)
            keys = [row[at] for row in rows]
        else:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [meta.db_table, meta.pk.column, len(rows)],
            )
            keys = [key for (key,) in cursor.fetchall()]
            attnames = [pk, *attnames]
            rows = [[key, *row] for key, row in zip(keys, rows, strict=True)]
        fields = [meta.get_field(name) for name in attnames]
        _copy_rows(db, cursor, meta.db_table, fields, rows)
    return keys


def _copy_rows(db: Any, cursor: Any, table: str, fields: list[Any], rows: list[list[Any]]) -> None:
    """Stream rows of values (in the order of ``fields``) into ``table`` with PostgreSQL COPY."""
    if rows:
        _copy_columns(db, cursor, table, fields, list(zip(*rows, strict=True)))


def _copy_columns(db: Any, cursor: Any, table: str, fields: list[Any], columns: list[Any]) -> None:
    """:func:`_copy_rows` for values given column by column (a sequence per field), each
    column formatted at once: a text column's strings without a call per cell (100,000
    platforms are three million cells), every other value through :func:`_copy_cell`."""
    if not columns or not len(columns[0]):
        return
    cells = []
    for field, values in zip(fields, columns, strict=True):
        cell = _copy_cell(field, db)
        if _PLAIN.get(field.get_internal_type()) is str:
            cells.append(
                ['"' + v.replace('"', '""') + '"' if type(v) is str else cell(v) for v in values]
            )
        else:
            cells.append([cell(v) for v in values])
    text = "\n".join(map(",".join, zip(*cells, strict=True))) + "\n"
    del cells
    names = ", ".join(db.ops.quote_name(f.column) for f in fields)
    with db.wrap_database_errors:  # a unique violation is Django's IntegrityError
        cursor.cursor.copy_expert(
            f"COPY {db.ops.quote_name(table)} ({names}) FROM STDIN WITH (FORMAT csv)",
            io.StringIO(text),
        )


def _bulk_insert(objs: list[Any]) -> list[Any]:
    """``bulk_create`` through :func:`_insert_values`: each field's ``pre_save`` as in
    ``bulk_create``, and the instances get their ids."""
    if not objs:
        return objs
    meta = type(objs[0])._meta
    fields = [f for f in meta.concrete_fields if not f.generated and not f.primary_key]
    rows = []
    for obj in objs:
        obj._prepare_related_fields_for_save(operation_name="bulk_create")
        rows.append([f.pre_save(obj, True) for f in fields])
    keys = _insert_values(type(objs[0]), [f.attname for f in fields], rows)
    for obj, key in zip(objs, keys, strict=True):
        obj.pk = key
        obj._state.adding = False
        obj._state.db = connection.alias
    return objs


def _bulk_history(objs: list[Any], user: Any, *, update: bool = False) -> list[int]:
    """The history record of each object, as ``bulk_history_create`` of django-simple-history
    makes it (its tracked fields, the type, one date, the user), written with
    :func:`_insert_values`; gives back their ids."""
    if not objs or not getattr(settings, "SIMPLE_HISTORY_ENABLED", True):
        return []
    historical = type(objs[0]).history.model
    tracked = [f.attname for f in historical.tracked_fields]
    user_id = getattr(user, "pk", None)
    extra = [timezone.now(), user_id, "", "~" if update else "+"]
    rows = [[getattr(obj, name) for name in tracked] + extra for obj in objs]
    names = [*tracked, "history_date", "history_user_id", "history_change_reason", "history_type"]
    return _insert_values(historical, names, rows)


def _m2m_history(platforms: list[Platform], history: list[int], through_rows: dict) -> None:
    """The capability and standard rows of each new history record (what ``.set()`` records
    through a signal, which bulk writes do not send)."""
    historical = Platform.history.model
    for name in ("capabilities", "standards"):
        model = getattr(historical, name).model
        related = f"{'capability' if name == 'capabilities' else 'standard'}_id"
        rows = [
            [row.pk, record, platform.pk, getattr(row, related)]
            for platform, record in zip(platforms, history, strict=True)
            for row in through_rows[name].get(platform.pk, [])
        ]
        _insert_values(model, ["id", "history_id", "platform_id", related], rows)


@dataclasses.dataclass(frozen=True, slots=True)
class _Link:
    """A capability or standard row of a platform, as written (the fields history needs)."""

    pk: int
    platform_id: int
    capability_id: int | None = None
    standard_id: int | None = None


def _set_m2m(platforms_and_values: list[tuple[Platform, str, list[Any]]]) -> dict:
    """Replace the capabilities/standards of each platform, in bulk. Returns the through rows
    now held, per relation and platform."""
    held: dict[str, dict[int, list[Any]]] = {"capabilities": {}, "standards": {}}
    for name, related in (("capabilities", "capability_id"), ("standards", "standard_id")):
        through = getattr(Platform, name).through
        wanted = [(p, values) for p, n, values in platforms_and_values if n == name]
        if not wanted:
            continue
        through.objects.filter(platform_id__in=[p.pk for p, _ in wanted]).delete()
        rows = [[p.pk, pk] for p, values in wanted for pk in {v.pk for v in values}]
        keys = _insert_values(through, ["platform_id", related], rows)
        for key, (platform_id, value) in zip(keys, rows, strict=True):
            link = _Link(key, platform_id, **{related: value})
            held[name].setdefault(platform_id, []).append(link)
        for platform, _ in wanted:
            held[name].setdefault(platform.pk, [])
    return held


def _current_m2m(platform_ids: list[int]) -> dict:
    held: dict[str, dict[int, list[Any]]] = {"capabilities": {}, "standards": {}}
    for name in held:
        through = getattr(Platform, name).through
        for row in through.objects.filter(platform_id__in=platform_ids):
            held[name].setdefault(row.platform_id, []).append(row)
    return held


STAGING_TABLE = "catalogue_import_platform"


def _create_platforms_set_based(batch: ImportBatch, user: Any) -> None:
    """PostgreSQL: write the new platforms of ``batch`` in a constant number of statements,
    each row once, with its search document.

    The rows go with ``COPY`` into a temporary table (no index to keep), and one
    ``INSERT ... SELECT`` moves them into the platform table computing the search document
    (``platforms.search.postgres.document()``, compiled by the ORM, so the import indexes exactly
    as ``search.reindex`` does) in the same write: an ``UPDATE`` of every row after the insert
    wrote each row and each of its twenty index entries twice. Ids come from the sequence first,
    so that links between new platforms (``replaced_by``, ``part_of``) are set in the same row,
    and capabilities and standards are written before their platforms (the foreign keys are
    checked at commit) so that the document can name them. The history records (the
    platform's and its capabilities' and standards') are copied from the same rows in SQL."""
    # In the order of their names (and their ids in that order): the name's five indexes (and
    # the id's) then take each new entry next to the last one instead of anywhere, which made
    # the insert of 100,000 platforms a quarter faster than in the file's order.
    created = sorted((p for p, _, _ in batch.new_platforms), key=lambda p: p.name)
    if not created:
        return
    db = connections[connection.alias]  # the connection itself, not the per-thread proxy
    meta = Platform._meta
    quote = db.ops.quote_name
    with db.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, meta.pk.column, len(created)],
        )
        for platform, (key,) in zip(created, cursor.fetchall(), strict=True):
            platform.pk = key
        for platform, name, target in batch.links:
            setattr(platform, name, target)  # the target's id is known now, new or not
        for name, related in (("capabilities", "capability_id"), ("standards", "standard_id")):
            values = [
                [platform.pk, pk]
                for platform, caps, stds in batch.new_platforms
                for pk in sorted({v.pk for v in (caps if name == "capabilities" else stds)})
            ]
            # Their ids from the table's own default (nothing here needs them back).
            through = getattr(Platform, name).through._meta
            link_fields = [through.get_field("platform_id"), through.get_field(related)]
            _copy_rows(db, cursor, through.db_table, link_fields, values)

        fields = [
            f for f in meta.concrete_fields if not f.generated and f.attname != "search_vector"
        ]
        for platform in created:
            platform._prepare_related_fields_for_save(operation_name="bulk_create")
        columns = [_pre_save_column(f, created) for f in fields]
        # Regular (unlogged) tables, not temporary ones: PostgreSQL's parallel workers cannot
        # read a temporary table. Created and dropped in this transaction, they are never
        # visible to another session (nor left behind by a rollback); named after this
        # backend, two imports at once never wait on each other's names.
        # A role that may not create tables in its schema (PostgreSQL 15's default for
        # ``public`` unless it owns the database) gets temporary ones: the same rows, serial.
        cursor.execute("SELECT pg_backend_pid(), has_schema_privilege(current_schema(), 'CREATE')")
        pid, may_create = cursor.fetchone()
        kind = "UNLOGGED" if may_create else "TEMPORARY"
        tables = {
            name: quote(f"{STAGING_TABLE}_{name}_{pid}") for name in ("row", "text", "document")
        }
        staging = tables["row"]
        for table in tables.values():
            cursor.execute(f"DROP TABLE IF EXISTS {table}")
        cursor.execute(f"CREATE {kind} TABLE {staging} (LIKE {quote(meta.db_table)})")
        _copy_columns(db, cursor, staging.strip('"'), fields, columns)
        del columns

        # The documents: ``platforms.search.postgres.document()``, compiled by the ORM against
        # the platform table's name (the staging table takes it as its alias), in two steps so
        # that the stemming runs in parallel (see ``platforms.importers.documents``).
        from platforms.importers.documents import DocumentSql

        documents = DocumentSql(db)
        texts = documents.texts_sql(staging, tables["text"], kind)
        if texts:
            cursor.execute(*texts)
        cursor.execute(*documents.documents_sql(staging, tables["text"], tables["document"], kind))
        columns = ", ".join(quote(f.column) for f in fields)
        alias = quote(meta.db_table)
        picked = ", ".join(f"{alias}.{quote(f.column)}" for f in fields)
        with db.wrap_database_errors:  # a unique slug taken meanwhile: IntegrityError
            cursor.execute(
                f"INSERT INTO {quote(meta.db_table)} ({columns}, {quote('search_vector')}) "  # noqa: S608
                f"SELECT {picked}, d.document FROM {staging} AS {alias} "
                f"JOIN {tables['document']} AS d ON d.id = {alias}.{quote(meta.pk.column)} "
                f"ORDER BY {alias}.{quote(meta.pk.column)}"
            )
        if getattr(settings, "SIMPLE_HISTORY_ENABLED", True):
            cursor.execute(*_history_sql(db, staging, user))
        cursor.execute(f"DROP TABLE {', '.join(tables[n] for n in tables if n != 'text' or texts)}")
    for platform in created:
        platform._state.adding = False
        platform._state.db = connection.alias


def _pre_save_column(field: Any, objs: list[Any]) -> list[Any]:
    """``field.pre_save(obj, True)`` of each object, as ``bulk_create`` takes its values: the
    attribute itself for a field that keeps the base ``pre_save`` (all but the dates that set
    themselves), read without a call per object."""
    if type(field).pre_save is Field.pre_save:
        return list(map(operator.attrgetter(field.attname), objs))
    return [field.pre_save(obj, True) for obj in objs]


def _history_sql(db: Any, staging: str, user: Any) -> tuple[str, list[Any]]:
    """One statement writing the history record of every row of ``staging`` (as
    ``bulk_history_create`` of django-simple-history makes it: the tracked fields, "+", one
    date, the user) and the history rows of its capabilities and standards."""
    quote = db.ops.quote_name
    historical = Platform.history.model
    hmeta = historical._meta
    tracked = [f.attname for f in historical.tracked_fields]
    source = ", ".join(quote(Platform._meta.get_field(name).column) for name in tracked)
    target = ", ".join(quote(hmeta.get_field(name).column) for name in tracked)
    extra = ", ".join(
        quote(hmeta.get_field(name).column)
        for name in ("history_date", "history_user", "history_change_reason", "history_type")
    )
    pk = quote(hmeta.pk.column)
    statements = [
        f"WITH h AS (INSERT INTO {quote(hmeta.db_table)} ({target}, {extra}) "  # noqa: S608
        f"SELECT {source}, %s, %s, '', '+' FROM {staging} ORDER BY {quote('id')} "
        f"RETURNING {pk} AS history_id, {quote('id')} AS platform_id)"
    ]
    inserts = []
    for name, related in (("capabilities", "capability"), ("standards", "standard")):
        through = getattr(Platform, name).through._meta
        m2m = getattr(historical, name).model._meta

        def column(meta: Any, field: str) -> str:
            return quote(meta.get_field(field).column)

        inserts.append(
            f"INSERT INTO {quote(m2m.db_table)} ({column(m2m, 'id')}, {column(m2m, 'history')}, "  # noqa: S608
            f"{column(m2m, 'platform')}, {column(m2m, related)}) "
            f"SELECT t.{column(through, 'id')}, h.history_id, t.{column(through, 'platform')}, "
            f"t.{column(through, related)} FROM h JOIN {quote(through.db_table)} t "
            f"ON t.{column(through, 'platform')} = h.platform_id"
        )
    sql = statements[0] + f", c AS ({inserts[0]}) " + inserts[1]
    return sql, [timezone.now(), getattr(user, "pk", None)]


@transaction.atomic
def catalogue_import(*, actor: Actor, batch: ImportBatch) -> None:
    """Write an import in bulk, all or nothing, after asking the rules about the rows as they
    are now: the owners of new platforms, the locked current row of every platform changed,
    the consumers of adoptions, and the platforms dependencies name (which the actor must be
    able to see; another organisation's draft is reported like a platform nobody has).

    A record another writer created or changed meanwhile ends the import with ``Conflict``
    (nothing written), never with the database's own message."""
    if batch.organisations:
        _require_catalogue_admin(actor, "organisations")
    if actor is not None:
        for owner in {p.owner for p, _, _ in batch.new_platforms}:
            _require(
                rules.can_act_for(actor, owner),
                f"You cannot register platforms for {owner.name}: you are not a member of it.",
            )
    locked = (
        Platform.objects.select_for_update()
        .select_related("owner")
        .in_bulk([p.pk for p, _ in batch.updates])
    )
    try:
        # Bulk writes send no signals: the insight figures of the capabilities and
        # organisations the batch touched, as they were and as they are, are counted again at
        # its end (not the whole catalogue's).
        with transaction.atomic(), insight_figures.bulk_write() as touched:
            touched.add_platforms(p.pk for p, _ in batch.updates)
            _import_writes(actor, batch, locked)
            touched.add_platforms((p.pk for p, _, _ in batch.new_platforms), created=True)
            touched.add_platforms(batch.platforms_written())
    except IntegrityError as error:
        raise Conflict(IMPORT_CONFLICT) from error
    # Bulk writes send no signal: impact analyses kept are dropped here, once committed.
    impact_changed()


def _import_writes(actor: Actor, batch: ImportBatch, locked: dict[int, Platform]) -> None:
    user = _history_user(actor)
    Organisation.objects.bulk_create(batch.organisations, batch_size=500)

    # New platforms, their capabilities and standards, and one history record each.
    created = [p for p, _, _ in batch.new_platforms]
    # Only published slugs and the owner's own are taken (another organisation's draft never is);
    # only a slug that is a wish can move (in CSV the slug is the row's identity).
    flexible = [p for p in created if id(p) in batch.flexible_slugs]
    wanted: dict[Any, set[str]] = {}
    for platform in flexible:
        wanted.setdefault(platform.owner.pk, set()).add(platform.slug)
    holders = platform_slug_holders(wanted)
    for platform in flexible:
        if (platform.slug, platform.owner.pk) in holders:
            given = {  # to this batch's other platforms that the new slug must not meet
                p.slug
                for p in created
                if p is not platform
                and (p.owner.pk == platform.owner.pk or p.state == Platform.State.PUBLISHED)
            }
            platform.slug = platform_free_slug(platform.slug, owner=platform.owner, taken=given)
    if connection.vendor == "postgresql":
        _create_platforms_set_based(batch, user)
    else:
        _bulk_insert(created)
        held = _set_m2m(
            [(p, "capabilities", caps) for p, caps, _ in batch.new_platforms]
            + [(p, "standards", stds) for p, _, stds in batch.new_platforms]
        )
        for platform, name, target in batch.links:
            setattr(platform, name, target)
        if batch.links:
            Platform.objects.bulk_update(
                list({id(p): p for p, _, _ in batch.links}.values()),
                sorted({name for _, name, _ in batch.links}),
            )
        history = _bulk_history(created, user)
        _m2m_history(created, history, held)

    # Changes, to the locked current rows, refused if a row moved since the import read it.
    changed: list[Platform] = []
    given_away: set[int] = set()
    fields: set[str] = set()
    m2m: list[tuple[Platform, str, list[Any]]] = []
    for read, changes in batch.updates:
        current = locked.get(read.pk)
        if current is None or current.version != read.version:
            raise Conflict(IMPORT_CONFLICT)
        changes = dict(changes)
        owner = changes.pop("owner", None)
        if actor is not None:
            _require_may_change(actor, current, owner)
        for name in ("capabilities", "standards"):
            if name in changes:
                m2m.append((current, name, list(changes.pop(name))))
        _unknown_fields(changes, PLATFORM_FIELDS)
        for name, value in changes.items():
            setattr(current, name, value)
            fields.add(name)
        if owner is not None:
            current.owner = owner
            fields.add("owner")
            given_away.add(current.pk)
        current.version += 1
        current.updated_at = timezone.now()
        changed.append(current)
    if changed:
        Platform.objects.bulk_update(
            changed, sorted(fields | {"version", "updated_at"}), batch_size=500
        )
        held = _current_m2m([p.pk for p in changed])
        for name, rows in _set_m2m(m2m).items():
            held[name].update(rows)
        history = _bulk_history(changed, user, update=True)
        _m2m_history(changed, history, held)

    # Adoptions belong to the consumer; dependencies to the platform that needs the other one.
    if actor is not None:
        for organisation in {a.organisation for a in batch.adoptions}:
            _require(
                rules.can_act_for(actor, organisation),
                f"You cannot record adoptions for {organisation.name}: you are not a member of it.",
            )
        visible = set(
            Platform.objects.visible_to(actor)
            .filter(pk__in=[d.depends_on.pk for d in batch.dependencies])
            .values_list("pk", flat=True)
        )
        for dependency in batch.dependencies:
            _require(
                rules.can_edit_platform(actor, dependency.platform),
                f"You cannot change {dependency.platform.name}: it belongs to "
                f"{dependency.platform.owner.name}.",
            )
            if dependency.depends_on.pk not in visible:
                raise InvalidData(f"'{dependency.depends_on.slug}' is not in the catalogue.")
    # bulk_create takes the ids that new platforms and organisations have now.
    _bulk_history(_bulk_insert(batch.adoptions), user)
    _bulk_history(_bulk_insert(batch.dependencies), user)
    # The stored reuse counts of the platforms that gained adopters or changed owner (a file of
    # platforms alone changes none: a new platform's count is 0).
    recount_reuse({a.platform.pk for a in batch.adoptions} | given_away)

    # On PostgreSQL the new platforms were written with their search document.
    indexed = connection.vendor == "postgresql"
    touched = ([] if indexed else [p.pk for p in created]) + [p.pk for p in changed]
    if touched:
        search.reindex(touched)
