"""Representations. Read serializers only read what the querysets loaded and annotated (no query per
row); write serializers only check the shape of the input, and the views hand it to the services.
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from platforms.models import Adoption, Capability, Dependency, Organisation, Platform, Standard

# --- relations -------------------------------------------------------------------------------


@extend_schema_field(OpenApiTypes.STR)
class VisiblePlatformSlugField(serializers.SlugRelatedField):
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


class OrganisationSummarySerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(
        view_name="api:organisation-detail", lookup_field="slug"
    )

    class Meta:
        model = Organisation
        fields = ["slug", "name", "url"]


class CapabilitySummarySerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(
        view_name="api:capability-detail", lookup_field="slug"
    )

    class Meta:
        model = Capability
        fields = ["slug", "name", "url"]


class StandardSummarySerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:standard-detail", lookup_field="slug")

    class Meta:
        model = Standard
        fields = ["slug", "name", "url"]


class PlatformSummarySerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:platform-detail", lookup_field="slug")

    class Meta:
        model = Platform
        fields = ["slug", "name", "url"]


# --- taxonomies and organisations ------------------------------------------------------------


class CapabilitySerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(
        view_name="api:capability-detail", lookup_field="slug"
    )

    class Meta:
        model = Capability
        fields = ["url", "slug", "name", "description", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]


class StandardSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:standard-detail", lookup_field="slug")
    specification_url = serializers.URLField(
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


class OrganisationSerializer(serializers.ModelSerializer):
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


class OrganisationWriteSerializer(serializers.ModelSerializer):
    """For catalogue administrators: parent and superseded_by are organisation slugs."""

    parent = serializers.SlugRelatedField(
        slug_field="slug", queryset=Organisation.objects.all(), required=False, allow_null=True
    )
    superseded_by = serializers.SlugRelatedField(
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


class PlatformListSerializer(serializers.ModelSerializer):
    """The compact form used in lists."""

    url = serializers.HyperlinkedIdentityField(view_name="api:platform-detail", lookup_field="slug")
    owner = OrganisationSummarySerializer(read_only=True)
    capabilities = CapabilitySummarySerializer(many=True, read_only=True)
    standards = StandardSummarySerializer(many=True, read_only=True)
    replaced_by = PlatformSummarySerializer(read_only=True, allow_null=True)
    tags = serializers.ListField(child=serializers.CharField(), read_only=True)
    reuse_count = serializers.IntegerField(
        read_only=True,
        help_text="Organisations other than the owner with an adoption in use.",
    )

    class Meta:
        model = Platform
        fields = PLATFORM_LIST_FIELDS
        read_only_fields = fields


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

    class Meta(PlatformListSerializer.Meta):
        fields = [
            *PLATFORM_LIST_FIELDS[:4],
            "description",
            *PLATFORM_LIST_FIELDS[4:],
            "sources",
            "review_note",
            "adoptions_url",
            "dependencies_url",
            "dependents_url",
        ]
        read_only_fields = fields


class PlatformWriteSerializer(serializers.ModelSerializer):
    """Register or change a platform. Related records are named by slug. Whether the user may act
    for the owner is the service's decision (403), not a validation error."""

    owner = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Organisation.objects.all(),
        help_text="Slug of the owning organisation; you must be a member of it.",
    )
    capabilities = serializers.SlugRelatedField(
        slug_field="slug", queryset=Capability.objects.all(), many=True, required=False
    )
    standards = serializers.SlugRelatedField(
        slug_field="slug", queryset=Standard.objects.all(), many=True, required=False
    )
    replaced_by = VisiblePlatformSlugField(
        required=False,
        allow_null=True,
        help_text="Only for a retiring or retired platform: the replacement's slug.",
    )
    tags = serializers.ListField(
        child=serializers.CharField(max_length=50), required=False, max_length=50
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
        extra_kwargs = {"slug": {"required": False}}


class RejectSerializer(serializers.Serializer):
    reason = serializers.CharField(help_text="Why the submission goes back to draft.")


class RetireSerializer(serializers.Serializer):
    replaced_by = VisiblePlatformSlugField(
        required=False, allow_null=True, default=None, help_text="The replacement's slug, or null."
    )
    retiring = serializers.BooleanField(
        required=False,
        default=False,
        help_text="true: still running but closed to new adopters; false: retired.",
    )


# --- adoptions -------------------------------------------------------------------------------


class AdoptionSerializer(serializers.ModelSerializer):
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


class AdoptionUpdateSerializer(serializers.ModelSerializer):
    """Change an adoption (its platform and organisation are fixed once recorded)."""

    class Meta:
        model = Adoption
        fields = ADOPTION_WRITE_FIELDS
        # The (platform, organisation, use_case) uniqueness is the service's to check.
        validators: list = []


class AdoptionCreateSerializer(AdoptionUpdateSerializer):
    platform = VisiblePlatformSlugField(help_text="Slug of the platform adopted.")
    organisation = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Organisation.objects.all(),
        help_text="Slug of the adopting organisation; you must be a member of it.",
    )

    class Meta(AdoptionUpdateSerializer.Meta):
        fields = ["platform", "organisation", *ADOPTION_WRITE_FIELDS]


class AdoptionEndSerializer(serializers.Serializer):
    end_date = serializers.DateField(
        required=False, allow_null=True, default=None, help_text="Defaults to today."
    )


# --- dependencies ----------------------------------------------------------------------------


class DependencySerializer(serializers.ModelSerializer):
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


class DependencyWriteSerializer(serializers.ModelSerializer):
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


class AffectedOrganisationSerializer(serializers.Serializer):
    organisation = OrganisationSummarySerializer()
    owns = serializers.ListField(
        child=serializers.SlugField(), help_text="Dependent platforms it owns."
    )
    uses = serializers.ListField(
        child=serializers.SlugField(), help_text="Dependent platforms it has in use."
    )


class ImpactSerializer(serializers.Serializer):
    platform = PlatformSummarySerializer()
    dependents = DependentSerializer(many=True)
    organisations_affected = AffectedOrganisationSerializer(many=True)
    truncated = serializers.BooleanField(
        help_text="true if the chain is deeper than the analysis follows (see max_depth)."
    )
    max_depth = serializers.IntegerField()


@extend_schema_field({"type": "string", "example": "ab12cd34ef56..."})
class _TokenField(serializers.CharField):
    pass


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField()
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)


class TokenSerializer(serializers.Serializer):
    token = _TokenField(help_text="Send as 'Authorization: Token <token>'.")
