"""The catalogue's domain: organisations, the platforms they run and who reuses them.

Every rule the database can hold is a ``Meta.constraint`` so that bulk writes, the admin, the API
and the importers cannot get round it; the rules that need more than one row live in
``platforms.services``.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from simple_history.models import HistoricalRecords

from platforms.querysets import (
    AdoptionQuerySet,
    DependencyQuerySet,
    OrganisationQuerySet,
    PlatformQuerySet,
)


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        abstract = True


class Organisation(TimeStampedModel):
    """A government body. Most come from GOV.UK's register of organisations."""

    class Kind(models.TextChoices):
        MINISTERIAL_DEPARTMENT = "ministerial_department", "Ministerial department"
        NON_MINISTERIAL_DEPARTMENT = "non_ministerial_department", "Non-ministerial department"
        EXECUTIVE_AGENCY = "executive_agency", "Executive agency"
        NDPB = "ndpb", "Non-departmental public body"
        PUBLIC_CORPORATION = "public_corporation", "Public corporation"
        DEVOLVED_ADMINISTRATION = "devolved_administration", "Devolved administration"
        SUB_ORGANISATION = "sub_organisation", "Sub-organisation"
        COURT_OR_TRIBUNAL = "court_or_tribunal", "Court or tribunal"
        LOCAL_AUTHORITY = "local_authority", "Local authority"
        POLICE = "police", "Police and criminal justice"
        HEALTH = "health", "NHS and health body"
        ARMED_FORCES = "armed_forces", "Armed forces and cadets"
        EDUCATION = "education", "School, college or university"
        OTHER = "other", "Other"

    class Status(models.TextChoices):
        # GOV.UK's own states for an organisation.
        LIVE = "live", "Live"
        JOINING = "joining", "Joining GOV.UK"
        TRANSITIONING = "transitioning", "Transitioning"
        EXEMPT = "exempt", "Exempt from GOV.UK"
        CLOSED = "closed", "Closed"

    name = models.CharField(max_length=255, db_index=True)
    slug = models.SlugField(max_length=120, unique=True)
    abbreviation = models.CharField(max_length=50, blank=True)
    kind = models.CharField(max_length=40, choices=Kind.choices, default=Kind.OTHER, db_index=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.LIVE)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        help_text="The body this one sits under, e.g. an agency's department.",
    )
    superseded_by = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="supersedes",
        help_text="For a closed body: the organisation that took over its work.",
    )
    website = models.URLField(blank=True)
    govuk_url = models.URLField("GOV.UK page", blank=True)
    source = models.CharField(
        max_length=255,
        blank=True,
        help_text="Where this record comes from (GOV.UK register, or the evidence that named it).",
    )

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(parent=F("id")), name="organisation_not_own_parent"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.abbreviation})" if self.abbreviation else self.name

    @property
    def is_active(self) -> bool:
        return self.status != self.Status.CLOSED


class Capability(TimeStampedModel):
    """A need a platform meets (payments, notifications...). Two live platforms meeting the same
    capability are a possible duplication."""

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "capabilities"

    def __str__(self) -> str:
        return self.name


class Standard(TimeStampedModel):
    """An open or government standard a platform conforms to."""

    name = models.CharField(max_length=150, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    url = models.URLField(blank=True)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


# The historical platform's columns that no reader looks up (see ``Platform.history``).
HISTORY_UNINDEXED = [
    "name",
    "slug",
    "kind",
    "owner",
    "replaced_by",
    "part_of",
    "created_at",
    "updated_at",
]


class Platform(TimeStampedModel):
    """A shared service or reusable component that one organisation runs for others."""

    class Phase(models.TextChoices):
        # The GOV.UK service phases, plus the two ends of a platform's life.
        DISCOVERY = "discovery", "Discovery"
        ALPHA = "alpha", "Alpha"
        BETA = "beta", "Beta"
        LIVE = "live", "Live"
        RETIRING = "retiring", "Retiring"
        RETIRED = "retired", "Retired"

    class State(models.TextChoices):
        DRAFT = "draft", "Draft"
        IN_REVIEW = "in_review", "In review"
        PUBLISHED = "published", "Published"

    class Classification(models.TextChoices):
        OFFICIAL = "official", "OFFICIAL"
        OFFICIAL_SENSITIVE = "official_sensitive", "OFFICIAL-SENSITIVE"
        SECRET = "secret", "SECRET"

    class Pricing(models.TextChoices):
        FREE = "free", "Free to use"
        COST_RECOVERY = "cost_recovery", "Cost recovery"
        SUBSCRIPTION = "subscription", "Subscription"
        PER_TRANSACTION = "per_transaction", "Per transaction"
        UNKNOWN = "unknown", "Not stated"

    class Kind(models.TextChoices):
        # What sort of thing it is; Backstage's Component, API, System and Resource map onto it.
        SERVICE_PLATFORM = "service_platform", "Service platform"
        API = "api", "API"
        SOFTWARE_COMPONENT = "software_component", "Software component"
        DATA_REGISTER = "data_register", "Data or register"

    RETIREMENT_PHASES = (Phase.RETIRING, Phase.RETIRED)

    # Indexed in ``Meta.indexes`` (``platform_name``, ``platform_slug``), not by ``db_index``:
    # on PostgreSQL ``db_index`` adds a second, ``varchar_pattern_ops`` copy for ``LIKE 'x%'``,
    # which nothing here asks, and every write paid for both (issue 14: the import).
    name = models.CharField(max_length=200)
    # Unique among published platforms and within an owner (``Meta.constraints``), not across
    # the catalogue: a draft nobody else may see must not hold a name others cannot then take.
    slug = models.SlugField(
        max_length=120,
        db_index=False,
        help_text="Its address in the catalogue: unique among published platforms and within "
        "the owner's own.",
    )
    summary = models.CharField(max_length=300, help_text="One sentence: what it does for whom.")
    description = models.TextField(blank=True)
    kind = models.CharField(
        max_length=30,
        choices=Kind.choices,
        default=Kind.SERVICE_PLATFORM,
        help_text="A service platform, an API, a software component or a data register.",
    )
    descriptions = models.JSONField(
        default=dict,
        blank=True,
        help_text="The description in every language the source gives: {language tag: text}.",
    )
    part_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="parts",
        help_text="The system this platform is part of (Backstage spec.system/subcomponentOf).",
    )
    original_document = models.TextField(
        blank=True,
        help_text="The file it was imported from, as published (kept so that nothing is lost).",
    )
    original_format = models.CharField(
        max_length=20, blank=True, help_text="The format of the original document, e.g. publiccode."
    )
    owner = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="platforms",
        # ``Meta.indexes`` (owner, state) and the unique (owner, slug) begin with it.
        db_index=False,
        help_text="The organisation that runs the platform and answers for it.",
    )
    capabilities = models.ManyToManyField(Capability, related_name="platforms", blank=True)
    standards = models.ManyToManyField(Standard, related_name="platforms", blank=True)
    tags = models.JSONField(default=list, blank=True, help_text="Free keywords, as a list.")
    phase = models.CharField(max_length=20, choices=Phase.choices, default=Phase.DISCOVERY)
    state = models.CharField(
        "publication state", max_length=20, choices=State.choices, default=State.DRAFT
    )
    replaced_by = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replaces",
        help_text="Only for a retiring or retired platform: what to use instead.",
    )
    service_url = models.URLField("service URL", blank=True)
    documentation_url = models.URLField("documentation URL", blank=True)
    source_code_url = models.URLField("source code URL", blank=True)
    is_open_source = models.BooleanField("open source", default=False)
    licence = models.CharField(max_length=64, blank=True, help_text="SPDX identifier, e.g. MIT.")
    hosting = models.CharField(max_length=200, blank=True)
    supplier = models.CharField(
        max_length=200, blank=True, help_text="'In-house' or the vendor's name."
    )
    contract_end_date = models.DateField(null=True, blank=True)
    contact_email = models.EmailField(blank=True)
    data_classification = models.CharField(
        max_length=20, choices=Classification.choices, default=Classification.OFFICIAL
    )
    handles_personal_data = models.BooleanField(default=False)
    pricing_model = models.CharField(
        max_length=20, choices=Pricing.choices, default=Pricing.UNKNOWN
    )
    sources = models.TextField(
        blank=True, help_text="Public sources for the facts in this record, one URL a line."
    )
    review_note = models.TextField(
        blank=True, help_text="Why a reviewer sent the last submission back to draft."
    )
    version = models.PositiveIntegerField(
        default=1, help_text="Increases on every change; used to refuse stale writes."
    )
    # Organisations other than the owner with an adoption in use: stored so that the list can be
    # ordered by it through an index, kept right by ``platforms.services`` (``recount_reuse``).
    reuse_count = models.PositiveIntegerField(
        default=0,
        editable=False,
        help_text="Organisations other than the owner using it (maintained by the services).",
    )
    # Written only by ``platforms.search`` (PostgreSQL); a typeless, unused column on SQLite.
    search_vector = SearchVectorField(null=True, editable=False)

    history = HistoricalRecords(
        m2m_fields=[capabilities, standards],
        # The original file can be large and is replaced whole by the next import.
        excluded_fields=["search_vector", "reuse_count", "original_document"],
        # A platform's versions are read by its id, in date order: those two indexes (and the
        # changer's) serve every reader; these columns' copies were only written, 11 more
        # index entries per version (issue 14: 2-4 s of a 100k import).
        no_db_index=HISTORY_UNINDEXED,
    )
    objects = PlatformQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        indexes = [
            models.Index(fields=["name"], name="platform_name"),
            models.Index(fields=["slug"], name="platform_slug"),
            # A rare kind (the APIs among 100,000 platforms): its page without walking the
            # name order over every other kind (104 ms -> 4 ms at 100k).
            models.Index(fields=["kind"], name="platform_kind"),
            models.Index(fields=["state", "phase"]),
            models.Index(fields=["owner", "state"]),
            # The list's orderings, each ending with the cursor's tiebreak (slug), after the
            # visibility filter (state): a page is an index range scan, never a sort of all rows.
            models.Index(fields=["state", "name", "slug"], name="platform_state_name"),
            # The default order of every list (``sort_name``, case-insensitive, then slug), for
            # every reader (staff see all states): page 1 read 90,000 rows and sorted them on disk.
            models.Index(Lower("name"), "slug", name="platform_sort_name"),
            models.Index(fields=["state", "-reuse_count", "slug"], name="platform_state_reuse"),
            models.Index(fields=["-reuse_count", "slug"], name="platform_reuse"),
            models.Index(fields=["state", "-updated_at", "slug"], name="platform_state_updated"),
            # Impact analysis: the platforms a walk must not follow (drafts and submissions, with
            # their owner for a member's own), a small index probed once per platform reached.
            models.Index(
                fields=["id", "owner"],
                condition=~Q(state="published"),
                name="platform_unpublished",
            ),
            # Impact analysis: each platform reached, by id, with what the answer shows of it
            # (owner, name for the order, slug), read from the index alone.
            models.Index(fields=["id", "owner", "name", "slug"], name="platform_impact_node"),
            # The insights' most reused platforms in service per capability (duplication, an
            # organisation's alternatives): a walk in reuse order that reads the index alone,
            # checking phase, owner and visibility on the way (issue 14).
            models.Index(
                fields=["-reuse_count", "name", "slug", "id", "phase", "owner", "state"],
                condition=Q(phase__in=["beta", "live", "retiring"]),
                name="platform_in_service_reuse",
            ),
            # The contract horizon: contracts ending within months, a range of a few hundred
            # rows (issue 14: was a scan of every platform).
            models.Index(
                fields=["contract_end_date"],
                condition=Q(contract_end_date__isnull=False),
                name="platform_contract_end",
            ),
            # PostgreSQL only (the migration skips them elsewhere): see platforms/search.
            GinIndex(fields=["search_vector"], name="platform_search_vector_gin"),
            GinIndex(fields=["name"], name="platform_name_trgm", opclasses=["gin_trgm_ops"]),
        ]
        constraints = [
            # Unpublished platforms stay out of the public namespace: two organisations may each
            # have a draft "x", and one published "x" may exist beside them. Lookups by slug
            # resolve among what the reader may see (``PlatformQuerySet.by_slug``).
            models.UniqueConstraint(
                fields=["slug"],
                condition=Q(state="published"),
                name="platform_published_slug_unique",
                violation_error_message="A published platform already has this slug.",
            ),
            models.UniqueConstraint(
                fields=["owner", "slug"],
                name="platform_owner_slug_unique",
                violation_error_message="The organisation already has a platform with this slug.",
            ),
            models.CheckConstraint(
                condition=Q(replaced_by__isnull=True) | Q(phase__in=["retiring", "retired"]),
                name="platform_replaced_by_only_when_retiring",
                violation_error_message="Only a retiring or retired platform can be replaced.",
            ),
            models.CheckConstraint(
                condition=~Q(replaced_by=F("id")),
                name="platform_not_replaced_by_itself",
                violation_error_message="A platform cannot replace itself.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_published(self) -> bool:
        return self.state == self.State.PUBLISHED


class Synonym(TimeStampedModel):
    """A word people search with, and what the catalogue calls it ("sms" -> "text message").
    Search adds the expansions to a query that contains the term."""

    term = models.CharField(
        max_length=100, unique=True, help_text="What people type, e.g. 'sms' or 'card payment'."
    )
    expansions = models.TextField(
        help_text="Words or phrases to search for as well, separated by commas or new lines."
    )

    class Meta:
        ordering = ["term"]

    def __str__(self) -> str:
        return f"{self.term} -> {', '.join(self.expansion_list)}"

    def clean(self) -> None:
        self.term = " ".join(self.term.lower().split())

    @property
    def expansion_list(self) -> list[str]:
        return [e.strip() for e in self.expansions.replace("\n", ",").split(",") if e.strip()]


class Adoption(TimeStampedModel):
    """The reuse fact: an organisation uses a platform, and how we know."""

    class Status(models.TextChoices):
        EXPLORING = "exploring", "Exploring"
        PLANNED = "planned", "Planned"
        PILOTING = "piloting", "Piloting"
        IN_USE = "in_use", "In use"
        STOPPED = "stopped", "Stopped"

    platform = models.ForeignKey(Platform, on_delete=models.PROTECT, related_name="adoptions")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="adoptions"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.IN_USE)
    use_case = models.CharField(
        max_length=200, blank=True, default="", help_text="The consuming service or use."
    )
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    notes = models.TextField(blank=True)
    evidence_source = models.CharField(
        max_length=200, blank=True, help_text="Where the fact comes from, e.g. a published list."
    )
    evidence_url = models.URLField(blank=True)
    evidence_date = models.DateField(null=True, blank=True, help_text="When the evidence said so.")
    evidence_name = models.CharField(
        max_length=255, blank=True, help_text="The organisation's name as the evidence spells it."
    )
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords()
    objects = AdoptionQuerySet.as_manager()

    class Meta:
        ordering = ["platform__name", "organisation__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["platform", "organisation", "use_case"],
                name="adoption_unique_platform_organisation_use_case",
                violation_error_message=(
                    "This organisation already has an adoption of this platform for that use."
                ),
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True)
                | Q(start_date__isnull=True)
                | Q(end_date__gte=F("start_date")),
                name="adoption_end_not_before_start",
                violation_error_message="The end date cannot be before the start date.",
            ),
        ]
        indexes = [
            models.Index(fields=["platform", "status"]),
            # A platform's or an organisation's adoptions in cursor order (id), and the
            # "adopted_by" filter.
            models.Index(fields=["platform", "id"], name="adoption_platform_id"),
            models.Index(fields=["organisation", "id"], name="adoption_organisation_id"),
            models.Index(fields=["organisation", "status"], name="adoption_organisation_status"),
            # The insight matrix: each platform's adopters and their statuses, from the index
            # alone (issue 14).
            models.Index(
                fields=["platform", "organisation", "status"],
                name="adoption_platform_org_status",
            ),
            # Impact analysis: who has each dependent in use, read from the index alone.
            models.Index(
                fields=["platform", "organisation"],
                condition=Q(status="in_use"),
                name="adoption_in_use",
            ),
            # Impact analysis: the dependents each organisation listed has in use, by platform.
            models.Index(
                fields=["organisation", "platform"],
                condition=Q(status="in_use"),
                name="adoption_in_use_by_org",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} uses {self.platform}"


class Dependency(TimeStampedModel):
    """Platform A needs platform B to work."""

    class Kind(models.TextChoices):
        RUNTIME = "runtime", "Runtime"
        DATA = "data", "Data"
        BUILD = "build", "Build"

    platform = models.ForeignKey(Platform, on_delete=models.CASCADE, related_name="dependencies")
    depends_on = models.ForeignKey(Platform, on_delete=models.PROTECT, related_name="dependents")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.RUNTIME)
    description = models.CharField(max_length=300, blank=True)

    history = HistoricalRecords()
    objects = DependencyQuerySet.as_manager()

    class Meta:
        ordering = ["platform__name", "depends_on__name"]
        verbose_name_plural = "dependencies"
        indexes = [
            # Impact analysis walks from a platform to those depending on it: the index alone.
            models.Index(fields=["depends_on", "platform"], name="dependency_walk"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["platform", "depends_on"],
                name="dependency_unique_pair",
                violation_error_message="This dependency is already recorded.",
            ),
            models.CheckConstraint(
                condition=~Q(platform=F("depends_on")),
                name="dependency_not_on_itself",
                violation_error_message="A platform cannot depend on itself.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.platform} depends on {self.depends_on}"


class Membership(TimeStampedModel):
    """A user acts for an organisation: editors register and maintain, reviewers also publish."""

    class Role(models.TextChoices):
        EDITOR = "editor", "Editor"
        REVIEWER = "reviewer", "Reviewer"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.EDITOR)

    class Meta:
        ordering = ["organisation__name", "user__username"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation"],
                name="membership_unique_user_organisation",
                violation_error_message="This user is already a member of this organisation.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()}, {self.organisation})"


# --- figures kept for the insights (issue 14) -------------------------------------------------
# Derived counts, a cache of aggregates over platforms, capabilities and adoptions in use, kept
# right by ``platforms.insight_figures`` (signals for single-row writes, a set-based rebuild for
# bulk ones) so that the duplication and profile insights read a few thousand rows instead of
# every adoption in use. ``scope`` says who may see the platforms counted: 0 for published ones
# (everyone), otherwise the id of the owner of the unpublished ones counted (its members and
# staff); a reader sums the rows of the scopes it may see.


class CapabilityUse(models.Model):
    """How many platforms in service (beta, live, retiring) meeting a capability an organisation
    uses: owns, or has an adoption in use of."""

    capability = models.ForeignKey(Capability, on_delete=models.CASCADE, related_name="+")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    scope = models.BigIntegerField(help_text="0: published platforms; else their owner's id.")
    platforms = models.IntegerField(default=0)
    live_platforms = models.IntegerField(default=0, help_text="Of those, the live ones.")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["capability", "organisation", "scope"], name="capability_use_key"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id} uses {self.platforms} for {self.capability_id}"


class CapabilityCount(models.Model):
    """How many platforms meet a capability, by phase."""

    capability = models.ForeignKey(Capability, on_delete=models.CASCADE, related_name="+")
    scope = models.BigIntegerField(help_text="0: published platforms; else their owner's id.")
    in_service = models.IntegerField(default=0, help_text="Beta, live or retiring.")
    live = models.IntegerField(default=0)
    retired = models.IntegerField(default=0)
    platforms = models.IntegerField(default=0, help_text="Of every phase (the home page's tiles).")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["capability", "scope"], name="capability_count_key"),
        ]

    def __str__(self) -> str:
        return f"{self.capability_id}: {self.platforms}, {self.in_service} in service"


class OrganisationUse(models.Model):
    """What an organisation owns and uses of platforms owned by others (its profile's counts),
    and its adoptions in use (the admin home's figures)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    scope = models.BigIntegerField(help_text="0: published platforms; else their owner's id.")
    owns = models.IntegerField(default=0, help_text="Platforms it owns.")
    adoptions = models.IntegerField(default=0, help_text="Its adoptions of others' platforms.")
    reuses = models.IntegerField(
        default=0, help_text="Others' platforms it has an adoption in use of."
    )
    in_use = models.IntegerField(
        default=0,
        help_text="Its adoptions in use, of any platform (its own too), one per use case.",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "scope"], name="organisation_use_key"),
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id} owns {self.owns}, reuses {self.reuses}"


class FacetCount(models.Model):
    """How many platforms of a phase and openness hold a facet's value: each platform counts
    once as a platform (``value`` 0), once for its owner, and once for each capability and
    standard it has. The search facets of every platform a reader may see, or of those of some
    phases or openness (browsing without words, a phase ticked), are sums of a few thousand
    of these rows instead of counts over every platform (issue 14)."""

    class Facet(models.TextChoices):
        PLATFORM = "platform", "Platform"
        OWNER = "owner", "Owner"
        CAPABILITY = "capability", "Capability"
        STANDARD = "standard", "Standard"

    scope = models.BigIntegerField(help_text="0: published platforms; else their owner's id.")
    phase = models.CharField(max_length=20, choices=Platform.Phase.choices)
    is_open_source = models.BooleanField()
    facet = models.CharField(max_length=12, choices=Facet.choices)
    value = models.BigIntegerField(help_text="The owner's, capability's or standard's id; 0.")
    platforms = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["scope", "phase", "is_open_source", "facet", "value"],
                name="facet_count_key",
            ),
        ]
        # The rows a write brought down to 0, found without reading the other 40,000 (at
        # 100,000 platforms) to delete them.
        indexes = [
            models.Index(fields=["platforms"], condition=Q(platforms=0), name="facet_count_empty")
        ]

    def __str__(self) -> str:
        return f"{self.facet} {self.value} ({self.scope}, {self.phase}): {self.platforms}"
