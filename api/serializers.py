"""Representations. Read serializers only read what the querysets loaded and annotated (no query per
row); write serializers only check the shape of the input, and the views hand it to the services.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.http import QueryDict
from django.urls import reverse
from django.utils.encoding import smart_str
from django.utils.translation.trans_real import parse_accept_lang_header
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers
from rest_framework.relations import MANY_RELATION_KWARGS

from api.exceptions import ErrorSerializer
from api.representation import FastRepresentationMixin
from platforms import rules
from platforms.importers import FORMATS as IMPORT_FORMATS
from platforms.importers import OWNED_BY_ROW
from platforms.models import Adoption, Capability, Dependency, Organisation, Platform, Standard
from platforms.search import text as search_text

# --- input -----------------------------------------------------------------------------------

# Why a field a client sent cannot be set, where there is more to say than "unknown".
_NOT_SETTABLE = {
    "state": "The state changes through the submit, publish and reject actions.",
    "version": 'Send the version you read in the If-Match header, e.g. If-Match: "3".',
    "review_note": "Reviewers set it when they reject a submission.",
}


class RefuseUnknownFieldsMixin:
    """A field the write does not take is refused with a 400 naming it, never silently dropped: a
    typo ("sumary") or a read-only field ("state") would otherwise look like a saved change."""

    def to_internal_value(self, data):
        unknown = {}
        if isinstance(data, Mapping):
            writable = {name for name, field in self.fields.items() if not field.read_only}
            for name in sorted(set(data) - writable - {"csrfmiddlewaretoken"}):
                if name in _NOT_SETTABLE:
                    unknown[name] = [_NOT_SETTABLE[name]]
                elif name in self.fields:
                    unknown[name] = ["This field is read-only."]
                else:
                    unknown[name] = [
                        f"Unknown field. Allowed fields: {', '.join(sorted(writable))}."
                    ]
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as error:
            if unknown and isinstance(error.detail, dict):
                error.detail.update(unknown)
            raise
        if unknown:
            raise serializers.ValidationError(unknown)
        return value


class StrictStringMixin:
    """Text fields take JSON strings only: DRF would store 0 as "0" and true as "True"."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            raise serializers.ValidationError("Not a valid string.", code="invalid")
        return super().to_internal_value(data)


class StrictCharField(StrictStringMixin, serializers.CharField):
    pass


def _from_a_form(field: serializers.Field) -> bool:
    return isinstance(getattr(field.root, "initial_data", None), QueryDict)


class StrictBooleanField(serializers.BooleanField):
    """JSON true or false: DRF would also take 0, "yes" and "off". (A form post, from the
    browsable API, still sends its checkboxes as text.)"""

    def to_internal_value(self, data):
        if not isinstance(data, bool) and not _from_a_form(self):
            raise serializers.ValidationError("Must be true or false.", code="invalid")
        return super().to_internal_value(data)


class EmptyIsNotNullMixin:
    """A related record named by slug: "" is refused, not read as null (DRF's default), so that a
    blank is not mistaken for "none". Send null for none."""

    def run_validation(self, data=serializers.empty):
        if data == "" and not _from_a_form(self):
            raise serializers.ValidationError("Send a slug, or null for none.", code="blank")
        return super().run_validation(data)


class ManyRelatedField(serializers.ManyRelatedField):
    """A list of slugs, and only a list: DRF would iterate a JSON object's keys (``{}`` would
    empty the list)."""

    def to_internal_value(self, data):
        if isinstance(data, Mapping) and not _from_a_form(self):
            self.fail("not_a_list", input_type=type(data).__name__)
        return super().to_internal_value(data)


@extend_schema_field({"type": "string", "pattern": r"^[-a-zA-Z0-9_]+$"})
class SlugRelatedField(EmptyIsNotNullMixin, serializers.SlugRelatedField):
    @classmethod
    def many_init(cls, *args, **kwargs):
        # As DRF's, with the stricter list field.
        list_kwargs = {key: value for key, value in kwargs.items() if key in MANY_RELATION_KWARGS}
        return ManyRelatedField(child_relation=cls(*args, **kwargs), **list_kwargs)


class StrictSlugField(StrictStringMixin, serializers.SlugField):
    pass


# Every URL and email the catalogue holds is optional and stored as "" when absent: say so in the
# schema, since "" is neither a "uri" nor an "email" (clients validating against it would fail).
@extend_schema_field(
    {"anyOf": [{"type": "string", "format": "uri"}, {"type": "string", "maxLength": 0}]}
)
class OptionalURLField(StrictStringMixin, serializers.URLField):
    pass


@extend_schema_field(
    {"anyOf": [{"type": "string", "format": "email"}, {"type": "string", "maxLength": 0}]}
)
class OptionalEmailField(StrictStringMixin, serializers.EmailField):
    pass


class ModelSerializer(serializers.ModelSerializer):
    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.CharField: StrictCharField,
        models.TextField: StrictCharField,
        models.SlugField: StrictSlugField,
        models.BooleanField: StrictBooleanField,
        models.URLField: OptionalURLField,
        models.EmailField: OptionalEmailField,
    }


# --- relations -------------------------------------------------------------------------------


@extend_schema_field({"type": "string", "pattern": r"^[-a-zA-Z0-9_]+$"})
class VisiblePlatformSlugField(SlugRelatedField):
    """A platform named by slug, among those the requesting user can see: another organisation's
    draft is "does not exist", exactly like a slug nobody uses."""

    def __init__(self, **kwargs):
        kwargs.setdefault("slug_field", "slug")
        super().__init__(**kwargs)

    def get_queryset(self):
        request = self.context.get("request")
        if request is None:
            return Platform.objects.none()
        return Platform.objects.visible_to(request.user)

    def to_internal_value(self, data):
        # As DRF's, resolving the slug with ``by_slug``: it may name a published platform and a
        # draft of the reader's own organisation (``get(slug=...)`` would answer 500).
        try:
            return self.get_queryset().by_slug(data).get()
        except ObjectDoesNotExist:
            self.fail("does_not_exist", slug_name=self.slug_field, value=smart_str(data))
        except (TypeError, ValueError):
            self.fail("invalid")


class OrganisationSummarySerializer(FastRepresentationMixin, ModelSerializer):
    url = serializers.HyperlinkedIdentityField(
        view_name="api:organisation-detail", lookup_field="slug"
    )

    class Meta:
        model = Organisation
        fields = ["slug", "name", "url"]


class CapabilitySummarySerializer(FastRepresentationMixin, ModelSerializer):
    url = serializers.HyperlinkedIdentityField(
        view_name="api:capability-detail", lookup_field="slug"
    )

    class Meta:
        model = Capability
        fields = ["slug", "name", "url"]


class StandardSummarySerializer(FastRepresentationMixin, ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:standard-detail", lookup_field="slug")

    class Meta:
        model = Standard
        fields = ["slug", "name", "url"]


class PlatformSummarySerializer(FastRepresentationMixin, ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:platform-detail", lookup_field="slug")

    class Meta:
        model = Platform
        fields = ["slug", "name", "url"]


# --- taxonomies and organisations ------------------------------------------------------------


class CapabilitySerializer(FastRepresentationMixin, RefuseUnknownFieldsMixin, ModelSerializer):
    url = serializers.HyperlinkedIdentityField(
        view_name="api:capability-detail", lookup_field="slug"
    )

    class Meta:
        model = Capability
        fields = ["url", "slug", "name", "description", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]


class StandardSerializer(FastRepresentationMixin, RefuseUnknownFieldsMixin, ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:standard-detail", lookup_field="slug")
    specification_url = OptionalURLField(
        source="url", required=False, allow_blank=True, help_text="Where the standard is published."
    )

    class Meta:
        model = Standard
        fields = [
            "url",
            "slug",
            "name",
            "specification_url",
            "description",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]


class OrganisationSerializer(FastRepresentationMixin, ModelSerializer):
    url = serializers.HyperlinkedIdentityField(
        view_name="api:organisation-detail", lookup_field="slug"
    )
    parent = OrganisationSummarySerializer(read_only=True, allow_null=True)
    superseded_by = OrganisationSummarySerializer(read_only=True, allow_null=True)
    owned_platform_count = serializers.IntegerField(
        read_only=True, help_text="Published platforms it owns."
    )
    adoption_count = serializers.IntegerField(
        read_only=True, help_text="Its adoptions of published platforms."
    )
    platforms_url = serializers.HyperlinkedIdentityField(
        view_name="api:organisation-platforms", lookup_field="slug"
    )
    adoptions_url = serializers.HyperlinkedIdentityField(
        view_name="api:organisation-adoptions", lookup_field="slug"
    )

    class Meta:
        model = Organisation
        fields = [
            "url",
            "slug",
            "name",
            "abbreviation",
            "kind",
            "status",
            "parent",
            "superseded_by",
            "website",
            "govuk_url",
            "owned_platform_count",
            "adoption_count",
            "platforms_url",
            "adoptions_url",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class OrganisationWriteSerializer(RefuseUnknownFieldsMixin, ModelSerializer):
    """For catalogue administrators: parent and superseded_by are organisation slugs."""

    parent = SlugRelatedField(
        slug_field="slug", queryset=Organisation.objects.all(), required=False, allow_null=True
    )
    superseded_by = SlugRelatedField(
        slug_field="slug", queryset=Organisation.objects.all(), required=False, allow_null=True
    )

    class Meta:
        model = Organisation
        fields = [
            "slug",
            "name",
            "abbreviation",
            "kind",
            "status",
            "parent",
            "superseded_by",
            "website",
            "govuk_url",
            "source",
        ]


# --- platforms -------------------------------------------------------------------------------

PLATFORM_LIST_FIELDS = [
    "url",
    "slug",
    "name",
    "summary",
    "kind",
    "owner",
    "capabilities",
    "standards",
    "phase",
    "state",
    "replaced_by",
    "service_url",
    "documentation_url",
    "source_code_url",
    "is_open_source",
    "licence",
    "supplier",
    "contract_end_date",
    "data_classification",
    "handles_personal_data",
    "pricing_model",
    "hosting",
    "contact_email",
    "tags",
    "reuse_count",
    "created_at",
    "updated_at",
    "version",
]


class VisibleReplacementSerializer(PlatformSummarySerializer):
    """The replacement of a retiring platform, if the requester can see it: an editor may name
    their own organisation's draft, which stays theirs until it is published."""

    def get_attribute(self, instance):
        return self.fast_attribute(super().get_attribute(instance), self.context)

    def fast_attribute(self, replacement, context):
        request = context.get("request")
        if replacement is None or request is None:
            return replacement
        return replacement if rules.can_view_platform(request.user, replacement) else None


@extend_schema_field(
    {
        "type": "string",
        "enum": Platform.Kind.values,
        "description": "What sort of thing it is: " + ", ".join(Platform.Kind.values) + ".",
    },
    component_name="PlatformKind",  # its own component: "kind" also names other choice sets
)
class PlatformKindField(serializers.ChoiceField):
    pass


class PlatformListSerializer(FastRepresentationMixin, ModelSerializer):
    """The compact form used in lists."""

    url = serializers.HyperlinkedIdentityField(view_name="api:platform-detail", lookup_field="slug")
    owner = OrganisationSummarySerializer(read_only=True)
    capabilities = CapabilitySummarySerializer(many=True, read_only=True)
    standards = StandardSummarySerializer(many=True, read_only=True)
    replaced_by = VisibleReplacementSerializer(read_only=True, allow_null=True)
    kind = PlatformKindField(choices=Platform.Kind.choices, read_only=True)
    tags = serializers.ListField(child=serializers.CharField(), read_only=True)
    reuse_count = serializers.IntegerField(
        read_only=True,
        help_text="Organisations other than the owner with an adoption in use.",
    )

    class Meta:
        model = Platform
        fields = PLATFORM_LIST_FIELDS
        read_only_fields = fields


class ScoreField(serializers.FloatField):
    """A relevance score, rounded: more digits than these are noise from the database's floats."""

    def to_representation(self, value) -> float:
        return round(float(value), 4)


class HighlightsSerializer(FastRepresentationMixin, serializers.Serializer):
    name = serializers.CharField(
        help_text="The name as HTML: escaped, with the words that match in <mark>."
    )
    summary = serializers.CharField(
        help_text="The summary as HTML: escaped, with the words that match in <mark>."
    )


class SearchResultSerializer(PlatformListSerializer):
    """A search result: the compact platform, its relevance and the matched words marked."""

    score = ScoreField(
        read_only=True,
        help_text="Relevance to q: higher is better; only comparable within one search. "
        "0 when there is no q.",
    )
    highlights = HighlightsSerializer(read_only=True)

    class Meta(PlatformListSerializer.Meta):
        fields = [*PLATFORM_LIST_FIELDS, "score", "highlights"]
        read_only_fields = fields


class SimilarPlatformSerializer(PlatformListSerializer):
    """A platform that looks like the one described: the compact platform, how alike, and why.
    A retiring or retired one carries its replacement in ``replaced_by``."""

    score = ScoreField(read_only=True, help_text="How alike, 0 to 1.")
    reasons = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        help_text="Why it is listed, e.g. 'shares capability Notifications', 'similar name to "
        "GOV.UK Notify', 'similar description', 'retired — replaced by GOV.UK One Login'.",
    )

    class Meta(PlatformListSerializer.Meta):
        fields = [*PLATFORM_LIST_FIELDS, "score", "reasons"]
        read_only_fields = fields


MAX_SIMILAR = 50


class SimilarListSerializer(serializers.Serializer):
    results = SimilarPlatformSerializer(many=True)


# What one comparison may be asked to read. Its cost grows with the distinct words of the draft
# (each is looked up, with its synonyms, against every candidate), so the words are bounded as well
# as the characters: an anonymous caller cannot make one request cost seconds of CPU. (On
# PostgreSQL the words become one OR-ed query whose expression tree overflowed Python's stack
# past about 150 words: a 500. 80 leaves room.)
SIMILAR_DRAFT_LIMITS = {"description": 2_000, "capabilities": 20, "words": 80}


class SimilarDraftSerializer(RefuseUnknownFieldsMixin, serializers.Serializer):
    """The platform about to be registered (nothing is saved)."""

    name = StrictCharField(max_length=200, required=False, allow_blank=True, default="")
    summary = StrictCharField(max_length=300, required=False, allow_blank=True, default="")
    description = StrictCharField(
        max_length=SIMILAR_DRAFT_LIMITS["description"],
        required=False,
        allow_blank=True,
        default="",
        help_text=f"At most {SIMILAR_DRAFT_LIMITS['description']} characters; name, summary and "
        f"description together at most {SIMILAR_DRAFT_LIMITS['words']} distinct words.",
    )
    capabilities = serializers.ListField(
        child=SlugRelatedField(slug_field="slug", queryset=Capability.objects.all()),
        max_length=SIMILAR_DRAFT_LIMITS["capabilities"],
        required=False,
        default=list,
        help_text=f"Capability slugs, at most {SIMILAR_DRAFT_LIMITS['capabilities']}.",
    )

    def validate(self, attrs):
        if not any(str(attrs.get(f, "")).strip() for f in ("name", "summary", "description")) and (
            not attrs.get("capabilities")
        ):
            raise serializers.ValidationError(
                "Describe the platform: send a name, summary, description or capabilities."
            )
        draft = " ".join(attrs.get(f, "") for f in ("name", "summary", "description"))
        count = len(set(search_text.words(draft)))
        limit = SIMILAR_DRAFT_LIMITS["words"]
        if count > limit:
            raise serializers.ValidationError(
                f"Describe the platform in at most {limit} distinct words (this draft has "
                f"{count}): a short description finds similar platforms as well as a long one."
            )
        return attrs


class PlatformDetailSerializer(PlatformListSerializer):
    """The full record, with links to its adoptions, dependencies and dependents."""

    adoptions_url = serializers.HyperlinkedIdentityField(
        view_name="api:platform-adoptions", lookup_field="slug"
    )
    dependencies_url = serializers.HyperlinkedIdentityField(
        view_name="api:platform-dependencies", lookup_field="slug"
    )
    dependents_url = serializers.HyperlinkedIdentityField(
        view_name="api:platform-dependents", lookup_field="slug"
    )

    part_of = VisibleReplacementSerializer(
        read_only=True, allow_null=True, help_text="The system it is part of, if any."
    )
    descriptions = serializers.DictField(
        child=serializers.CharField(),
        read_only=True,
        help_text="The description in each language the source gave, by language tag. "
        "`description` is the one in the request's Accept-Language when there is one.",
    )
    original_document_url = serializers.SerializerMethodField(
        help_text="The file it was imported from, as published (null if none)."
    )

    class Meta(PlatformListSerializer.Meta):
        fields = [
            *PLATFORM_LIST_FIELDS[:5],
            "description",
            "descriptions",
            "part_of",
            *PLATFORM_LIST_FIELDS[5:],
            "original_format",
            "original_document_url",
            "sources",
            "review_note",
            "adoptions_url",
            "dependencies_url",
            "dependents_url",
        ]
        read_only_fields = fields

    def get_original_document_url(self, platform) -> str | None:
        if not platform.original_document:
            return None
        url = reverse("api:platform-original", kwargs={"slug": platform.slug})
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url

    def to_representation(self, platform):
        data = super().to_representation(platform)
        language = _wanted_language(self.context.get("request"), platform.descriptions or {})
        if language:
            data["description"] = platform.descriptions[language]
        return data


def _wanted_language(request, descriptions: dict) -> str | None:
    """The first language of the request's Accept-Language that the descriptions have
    (``en-GB`` also finds ``en``)."""
    if request is None or not descriptions:
        return None
    header = request.META.get("HTTP_ACCEPT_LANGUAGE", "")[:500]
    lower = {tag.lower(): tag for tag in descriptions}
    for tag, _ in parse_accept_lang_header(header):
        tag = tag.lower()
        for wanted in (tag, tag.split("-")[0]):
            if wanted in lower:
                return lower[wanted]
    return None


class PlatformWriteSerializer(RefuseUnknownFieldsMixin, ModelSerializer):
    """Register or change a platform. Related records are named by slug. Whether the user may act
    for the owner is the service's decision (403), not a validation error."""

    # Declared, so that DRF adds no uniqueness validators of its own: they would count every
    # organisation's drafts. Whether the slug is free is the service's decision (409), which
    # counts only published platforms and the owner's own.
    slug = StrictSlugField(
        max_length=120,
        required=False,
        help_text="Its address in the catalogue (made from the name when absent): unique among "
        "published platforms and within the owner's own.",
    )
    owner = SlugRelatedField(
        slug_field="slug",
        queryset=Organisation.objects.all(),
        help_text="Slug of the owning organisation; you must be a member of it.",
    )
    capabilities = SlugRelatedField(
        slug_field="slug", queryset=Capability.objects.all(), many=True, required=False
    )
    standards = SlugRelatedField(
        slug_field="slug", queryset=Standard.objects.all(), many=True, required=False
    )
    replaced_by = VisiblePlatformSlugField(
        required=False,
        allow_null=True,
        help_text="Only for a retiring or retired platform: the replacement's slug.",
    )
    tags = serializers.ListField(
        child=StrictCharField(max_length=50), required=False, max_length=50
    )

    class Meta:
        model = Platform
        fields = [
            "slug",
            "name",
            "summary",
            "description",
            "owner",
            "capabilities",
            "standards",
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
        ]
        validators: list = []


class RejectSerializer(RefuseUnknownFieldsMixin, serializers.Serializer):
    reason = StrictCharField(help_text="Why the submission goes back to draft.")


class RetireSerializer(RefuseUnknownFieldsMixin, serializers.Serializer):
    replaced_by = VisiblePlatformSlugField(
        required=False, allow_null=True, default=None, help_text="The replacement's slug, or null."
    )
    retiring = StrictBooleanField(
        required=False,
        default=False,
        help_text="true: still running but closed to new adopters; false: retired.",
    )


# --- adoptions -------------------------------------------------------------------------------


class AdoptionSerializer(FastRepresentationMixin, ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:adoption-detail")
    platform = PlatformSummarySerializer(read_only=True)
    organisation = OrganisationSummarySerializer(read_only=True)

    class Meta:
        model = Adoption
        fields = [
            "url",
            "id",
            "platform",
            "organisation",
            "status",
            "use_case",
            "start_date",
            "end_date",
            "notes",
            "evidence_source",
            "evidence_url",
            "evidence_date",
            "evidence_name",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


ADOPTION_WRITE_FIELDS = [
    "status",
    "use_case",
    "start_date",
    "end_date",
    "notes",
    "evidence_source",
    "evidence_url",
    "evidence_date",
    "evidence_name",
]


class AdoptionUpdateSerializer(RefuseUnknownFieldsMixin, ModelSerializer):
    """Change an adoption (its platform and organisation are fixed once recorded)."""

    class Meta:
        model = Adoption
        fields = ADOPTION_WRITE_FIELDS
        # The (platform, organisation, use_case) uniqueness is the service's to check.
        validators: list = []


class AdoptionCreateSerializer(AdoptionUpdateSerializer):
    platform = VisiblePlatformSlugField(help_text="Slug of the platform adopted.")
    organisation = SlugRelatedField(
        slug_field="slug",
        queryset=Organisation.objects.all(),
        help_text="Slug of the adopting organisation; you must be a member of it.",
    )

    class Meta(AdoptionUpdateSerializer.Meta):
        fields = ["platform", "organisation", *ADOPTION_WRITE_FIELDS]


class AdoptionEndSerializer(RefuseUnknownFieldsMixin, serializers.Serializer):
    end_date = serializers.DateField(
        required=False, allow_null=True, default=None, help_text="Defaults to today."
    )


# --- dependencies ----------------------------------------------------------------------------


class DependencySerializer(FastRepresentationMixin, ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:dependency-detail")
    platform = PlatformSummarySerializer(read_only=True)
    depends_on = PlatformSummarySerializer(read_only=True)

    class Meta:
        model = Dependency
        fields = [
            "url",
            "id",
            "platform",
            "depends_on",
            "kind",
            "description",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class DependencyWriteSerializer(RefuseUnknownFieldsMixin, ModelSerializer):
    platform = VisiblePlatformSlugField(help_text="Slug of the platform that needs the other.")
    depends_on = VisiblePlatformSlugField(help_text="Slug of the platform it needs.")

    class Meta:
        model = Dependency
        fields = ["platform", "depends_on", "kind", "description"]
        validators: list = []


# --- impact analysis -------------------------------------------------------------------------


class DependentSerializer(serializers.Serializer):
    platform = PlatformSummarySerializer()
    owner = OrganisationSummarySerializer(source="platform.owner")
    depth = serializers.IntegerField(help_text="1: depends on it directly; 2: through one other...")
    depends_on = serializers.ListField(
        child=serializers.SlugField(),
        help_text="Slugs of the platforms in the chain this one depends on directly.",
    )
    path = serializers.ListField(
        child=serializers.SlugField(),
        help_text="One shortest chain from the platform asked about to this one, as slugs.",
    )


class AffectedOrganisationSerializer(serializers.Serializer):
    organisation = OrganisationSummarySerializer()
    owns_count = serializers.IntegerField(help_text="How many dependent platforms it owns.")
    uses_count = serializers.IntegerField(help_text="How many dependent platforms it has in use.")
    owns = serializers.ListField(
        child=serializers.SlugField(),
        help_text="Dependent platforms it owns (at most 10, nearest first; see owns_count).",
    )
    uses = serializers.ListField(
        child=serializers.SlugField(),
        help_text="Dependent platforms it has in use (at most 10, nearest first; see uses_count).",
    )


class DepthCountSerializer(serializers.Serializer):
    depth = serializers.IntegerField()
    platforms = serializers.IntegerField()


class ImpactSerializer(serializers.Serializer):
    platform = PlatformSummarySerializer()
    count = serializers.IntegerField(help_text="How many platforms depend on it, in all.")
    next = serializers.URLField(
        allow_null=True, help_text="The next page of dependents (offset, page_size)."
    )
    previous = serializers.URLField(allow_null=True, help_text="The previous page of dependents.")
    dependents = DependentSerializer(
        many=True,
        help_text="A page of the dependents (page_size, at most 100 a page; offset), nearest "
        "first, then by name.",
    )
    organisations_count = serializers.IntegerField(
        help_text="How many organisations own or use a dependent platform, in all."
    )
    organisations_affected = AffectedOrganisationSerializer(
        many=True,
        help_text="The 50 organisations owning or using the most dependent platforms, most first.",
    )
    cycles = serializers.ListField(
        child=serializers.ListField(child=serializers.SlugField()),
        help_text="The dependency cycles met: for each group of platforms depending on each other "
        "round a loop, its shortest cycle as slugs, the first repeated at the end (at most 20). "
        "The analysis never goes round one.",
    )
    by_depth = DepthCountSerializer(many=True, help_text="Platforms hit at each depth.")
    truncated = serializers.BooleanField(
        help_text="true if the chain is deeper than the analysis follows (see max_depth) or "
        "reaches more than 20,000 platforms, and the answer is cut short."
    )
    max_depth = serializers.IntegerField()


# --- change history --------------------------------------------------------------------------


class FieldChangeSerializer(serializers.Serializer):
    field = serializers.CharField(help_text="The field's name, as in the record.")
    old = serializers.JSONField(
        allow_null=True,
        help_text="Its value before (related records as slugs, lists of them sorted).",
    )
    new = serializers.JSONField(allow_null=True, help_text="Its value after.")


class HistoryEntrySerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The history record's own id.")
    version = serializers.IntegerField(help_text="The record's version after this change.")
    changed_at = serializers.DateTimeField()
    changed_by = serializers.CharField(
        allow_null=True,
        help_text="Who made the change: their username for catalogue administrators and members "
        "of the organisation they acted for, otherwise 'an editor of <organisation>' (or 'a "
        "reviewer of', 'a catalogue administrator'); null for the system.",
    )
    change_type = serializers.ChoiceField(choices=["created", "changed", "deleted"])
    changes = FieldChangeSerializer(
        many=True,
        help_text="What changed since the previous entry (empty when created or deleted).",
    )


# --- search facets ---------------------------------------------------------------------------


@extend_schema_field({"oneOf": [{"type": "string"}, {"type": "boolean"}]})
class FacetValueField(serializers.JSONField):
    pass


class FacetSerializer(serializers.Serializer):
    value = FacetValueField(
        help_text="What to filter by: a slug (capability, owner, standard), a phase, or true/false "
        "(open_source)."
    )
    label = serializers.CharField(help_text="What to show.")
    count = serializers.IntegerField(help_text="Platforms matching the query and filters.")


class FacetsSerializer(serializers.Serializer):
    capability = FacetSerializer(many=True, help_text="Filter with ?capability=<value>.")
    owner = FacetSerializer(many=True, help_text="Filter with ?owner=<value>.")
    phase = FacetSerializer(many=True, help_text="Filter with ?phase=<value>.")
    standard = FacetSerializer(many=True, help_text="Filter with ?standard=<value>.")
    open_source = FacetSerializer(many=True, help_text="Filter with ?is_open_source=<value>.")


@extend_schema_serializer(many=False)  # a page itself, not a list to paginate
class SearchResponseSerializer(serializers.Serializer):
    count = serializers.IntegerField(
        help_text="How many platforms match; when count_capped is true, more than this match."
    )
    count_capped = serializers.BooleanField(
        help_text="True when the search stopped counting at count (a broad query): more "
        "platforms match, and the facets count the first count of them."
    )
    next = serializers.URLField(allow_null=True, help_text="The next page, or null.")
    previous = serializers.URLField(allow_null=True, help_text="The previous page, or null.")
    results = SearchResultSerializer(many=True)
    facets = FacetsSerializer(
        help_text="Counts of all the matching platforms (not only this page) by capability, "
        "owner, phase, standard and open source, most first."
    )


# --- imports ---------------------------------------------------------------------------------

MAX_IMPORT_FILES = 20


class ImportRequestSerializer(RefuseUnknownFieldsMixin, serializers.Serializer):
    file = serializers.ListField(
        child=serializers.FileField(allow_empty_file=False),
        min_length=1,
        max_length=MAX_IMPORT_FILES,
        help_text=f"One or more files (repeat the part), at most {MAX_IMPORT_FILES}, each at most "
        "1 MB: publiccode.yml, Backstage catalog-info.yaml, the catalogue's CSV (platforms, "
        "adoptions, dependencies) or the UK API catalogue's catalogue.csv + organisation.csv.",
    )
    format = serializers.ChoiceField(choices=list(IMPORT_FORMATS))
    owner = SlugRelatedField(
        slug_field="slug",
        queryset=Organisation.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text="Slug of the organisation that owns the platforms; you must be a member. "
        "Required for publiccode and backstage; a CSV names the owner on each row, and the UK "
        "API catalogue its provider.",
    )
    dry_run = serializers.BooleanField(
        required=False,
        default=True,
        help_text="true (the default): report what would happen and write nothing.",
    )
    create_organisations = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Catalogue administrators only: create the adopting organisations a file "
        "names that the register does not have.",
    )

    def validate(self, attrs):
        if attrs["format"] not in OWNED_BY_ROW and attrs.get("owner") is None:
            raise serializers.ValidationError(
                {"owner": [f"Say which organisation owns the platforms ({attrs['format']})."]}
            )
        return attrs


class ImportProblemSerializer(serializers.Serializer):
    file = serializers.CharField(help_text="The file's name as uploaded ('' for the request).")
    line = serializers.IntegerField(allow_null=True, help_text="1-based line, when known.")
    field = serializers.CharField(help_text="The field in the file's terms ('' if none).")
    message = serializers.CharField()
    severity = serializers.ChoiceField(choices=["error", "warning"])


class ImportItemSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    file = serializers.CharField()
    line = serializers.IntegerField(allow_null=True)
    changes = serializers.ListField(
        child=serializers.CharField(), help_text="The fields an update changes."
    )


class ImportPlanSerializer(serializers.Serializer):
    format = serializers.CharField()
    dry_run = serializers.BooleanField()
    applied = serializers.BooleanField(help_text="true if the catalogue was changed.")
    created = ImportItemSerializer(many=True)
    updated = ImportItemSerializer(many=True)
    unchanged = ImportItemSerializer(many=True)
    adoptions_created = serializers.IntegerField()
    dependencies_created = serializers.IntegerField()
    organisations_created = serializers.ListField(child=serializers.CharField())
    problems = ImportProblemSerializer(
        many=True, help_text="Errors (the import is refused) and warnings (it goes ahead)."
    )


@extend_schema_field({"type": "string", "example": "ab12cd34ef56..."})
class _TokenField(serializers.CharField):
    pass


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField()
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)


class TokenSerializer(serializers.Serializer):
    token = _TokenField(
        help_text="Send as 'Authorization: Token <token>'. Shown once: only a digest is kept."
    )
    expiry = serializers.DateTimeField(
        allow_null=True, help_text="When the token stops working (null: never)."
    )


class ImportRefusedSerializer(ErrorSerializer):
    """The error shape, with the plan: what is wrong, file by file and line by line."""

    plan = ImportPlanSerializer(
        required=False, help_text="When the files were read: the whole plan, problems included."
    )
