"""Serializers of the insights (api/insights.py): they describe the shapes the selectors return
for the OpenAPI schema and add each record's API ``url``; they run no query."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse

from platforms.models import Adoption, Organisation, Platform
from platforms.selectors.contracts import ALTERNATIVES_LISTED

STATUSES = Adoption.Status.choices

# --- references: slug, name and the API url -------------------------------------------------


class _Reference(serializers.Serializer):
    view_name = ""
    slug = serializers.SlugField()
    name = serializers.CharField()
    url = serializers.SerializerMethodField()

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, obj: dict[str, str]) -> str:
        return reverse(
            self.view_name, kwargs={"slug": obj["slug"]}, request=self.context.get("request")
        )


class InsightPlatformSerializer(_Reference):
    view_name = "api:platform-detail"


class InsightOrganisationSerializer(_Reference):
    view_name = "api:organisation-detail"


class InsightCapabilitySerializer(_Reference):
    view_name = "api:capability-detail"


# --- duplication -----------------------------------------------------------------------------


class DuplicatePlatformSerializer(serializers.Serializer):
    platform = InsightPlatformSerializer()
    phase = serializers.ChoiceField(choices=Platform.Phase.choices)
    state = serializers.ChoiceField(choices=Platform.State.choices)
    owner = InsightOrganisationSerializer()
    adopters = serializers.IntegerField(
        help_text="Organisations other than the owner with it in use."
    )
    adopters_also_elsewhere = serializers.IntegerField(
        help_text="Of those, the ones also using or owning another platform of this capability."
    )
    replaced_by = InsightPlatformSerializer(allow_null=True)


class DuplicationSerializer(serializers.Serializer):
    rank = serializers.IntegerField(help_text="1 for the most split; ties share a rank.")
    capability = InsightCapabilitySerializer()
    platforms_in_service = serializers.IntegerField(
        help_text="Platforms in beta, live or retiring meeting it."
    )
    organisations = serializers.IntegerField(
        help_text="Organisations split across them: their owners and every organisation with "
        "one of them in use."
    )
    organisations_on_several = serializers.IntegerField(
        help_text="Of those, the ones using or owning more than one of them (paying twice)."
    )
    platforms_retired = serializers.IntegerField(help_text="Retired platforms that met it.")
    platforms = DuplicatePlatformSerializer(
        many=True,
        help_text="In service, most adopted first: the 10 most adopted of platforms_in_service.",
    )
    replaced = DuplicatePlatformSerializer(
        many=True,
        help_text="Retired platforms that met it, with what replaced them: the 10 most adopted "
        "of platforms_retired.",
    )


class DuplicationResponseSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    results = DuplicationSerializer(many=True)


# --- organisation profile --------------------------------------------------------------------


class OwnedPlatformSerializer(serializers.Serializer):
    platform = InsightPlatformSerializer()
    phase = serializers.ChoiceField(choices=Platform.Phase.choices)
    state = serializers.ChoiceField(choices=Platform.State.choices)
    capabilities = InsightCapabilitySerializer(many=True)
    reuse_count = serializers.IntegerField(
        help_text="Organisations other than the owner with it in use."
    )


class ReusedPlatformSerializer(serializers.Serializer):
    platform = InsightPlatformSerializer()
    owner = InsightOrganisationSerializer()
    status = serializers.ChoiceField(choices=STATUSES)
    use_case = serializers.CharField()
    start_date = serializers.DateField(allow_null=True)


class AlternativeSerializer(serializers.Serializer):
    platform = InsightPlatformSerializer()
    owner = InsightOrganisationSerializer()
    reuse_count = serializers.IntegerField(help_text="Organisations already using it.")
    adoption_status = serializers.ChoiceField(
        choices=STATUSES,
        allow_null=True,
        help_text="Where this organisation stands with it (exploring, planned...); null: no "
        "adoption recorded.",
    )


class CouldReuseSerializer(serializers.Serializer):
    capability = InsightCapabilitySerializer()
    own_platforms = InsightPlatformSerializer(
        many=True, help_text="Its own platforms in service meeting it: the first 10 by name."
    )
    own_platforms_count = serializers.IntegerField(
        help_text="How many of its own platforms in service meet it."
    )
    alternatives = AlternativeSerializer(
        many=True,
        help_text="Live platforms owned elsewhere meeting it, most reused first: the first 10.",
    )
    alternatives_count = serializers.IntegerField(
        help_text="How many live platforms owned elsewhere meet it (not already in use by it)."
    )


class ProfileOrganisationSerializer(InsightOrganisationSerializer):
    kind = serializers.ChoiceField(choices=Organisation.Kind.choices)
    parent = InsightOrganisationSerializer(allow_null=True)


class ProfileSummarySerializer(serializers.Serializer):
    owns = serializers.IntegerField()
    reuses = serializers.IntegerField(help_text="Platforms owned elsewhere it has in use.")
    could_reuse = serializers.IntegerField(help_text="Capabilities it could reuse for.")
    adoptions = serializers.IntegerField(
        help_text="Its adoptions of platforms owned elsewhere (every status)."
    )


class ProfileLinksSerializer(serializers.Serializer):
    owns = serializers.URLField(help_text="Every platform it owns, a page at a time.")
    adoptions = serializers.URLField(help_text="Every adoption it holds, a page at a time.")


class ProfileSerializer(serializers.Serializer):
    organisation = ProfileOrganisationSerializer()
    summary = ProfileSummarySerializer()
    owns = OwnedPlatformSerializer(
        many=True, help_text="The first 50 of summary.owns, by name; links.owns lists them all."
    )
    reuses = ReusedPlatformSerializer(
        many=True,
        help_text="The first 50 of summary.adoptions, by platform; links.adoptions lists them all.",
    )
    could_reuse = CouldReuseSerializer(many=True)
    links = ProfileLinksSerializer()


# --- contracts -------------------------------------------------------------------------------


class ContractAlternativeSerializer(serializers.Serializer):
    platform = InsightPlatformSerializer()
    owner = InsightOrganisationSerializer()
    phase = serializers.ChoiceField(choices=Platform.Phase.choices)
    reuse_count = serializers.IntegerField()
    shared_capabilities = serializers.ListField(child=serializers.SlugField())


class ContractSerializer(serializers.Serializer):
    platform = InsightPlatformSerializer()
    owner = InsightOrganisationSerializer()
    phase = serializers.ChoiceField(choices=Platform.Phase.choices)
    supplier = serializers.CharField()
    contract_end_date = serializers.DateField()
    capabilities = InsightCapabilitySerializer(many=True)
    alternatives_count = serializers.IntegerField(
        help_text="How many alternatives this contract has in all (each counted once)."
    )
    alternatives = ContractAlternativeSerializer(
        many=True,
        help_text=f"The first {ALTERNATIVES_LISTED}: most reused first, then by name and slug.",
    )


class QuarterCountSerializer(serializers.Serializer):
    quarter = serializers.CharField(help_text="e.g. 2027-Q1")
    contracts = serializers.IntegerField()


# "from" is a Python keyword, so the class is built from a dict of its fields.
ContractsResponseSerializer = type(
    "ContractsResponseSerializer",
    (serializers.Serializer,),
    {
        "within_months": serializers.IntegerField(),
        "from": serializers.DateField(help_text="Today: the window's first day."),
        "until": serializers.DateField(help_text="The window's last day (inclusive)."),
        "count": serializers.IntegerField(help_text="Contracts ending in the window, in all."),
        "next": serializers.URLField(allow_null=True, help_text="The next page of contracts."),
        "previous": serializers.URLField(allow_null=True, help_text="The previous page."),
        "by_quarter": QuarterCountSerializer(many=True),
        "results": ContractSerializer(
            many=True, help_text="One page of the contracts: soonest first, then by name."
        ),
    },
)


# --- matrix ----------------------------------------------------------------------------------


class MatrixPlatformSerializer(serializers.Serializer):
    platform = InsightPlatformSerializer()
    phase = serializers.ChoiceField(choices=Platform.Phase.choices)
    owner = InsightOrganisationSerializer()
    organisations = serializers.IntegerField(help_text="Organisations with a cell in its column.")
    in_use = serializers.IntegerField(help_text="Of those, the ones with it in use.")


class MatrixOrganisationSerializer(serializers.Serializer):
    organisation = InsightOrganisationSerializer()
    kind = serializers.ChoiceField(choices=Organisation.Kind.choices)
    parent = InsightOrganisationSerializer(allow_null=True)
    platforms = serializers.IntegerField(help_text="Cells in its row.")
    in_use = serializers.IntegerField(help_text="Of those, the platforms it has in use.")


class MatrixCellSerializer(serializers.Serializer):
    organisation = serializers.SlugField()
    platform = serializers.SlugField()
    status = serializers.ChoiceField(
        choices=STATUSES, help_text="The most advanced status of its adoptions."
    )
    adoptions = serializers.IntegerField(help_text="Its adoptions of the platform (use cases).")


class MatrixSerializer(serializers.Serializer):
    platforms_count = serializers.IntegerField(help_text="Platforms the filters keep.")
    platforms_used = serializers.IntegerField(
        help_text="Of those, the ones with an adoption by an organisation the filters keep."
    )
    platforms = MatrixPlatformSerializer(
        many=True,
        help_text="The columns, by name: the `columns` (default 50, at most 100) platforms "
        "with the most organisations.",
    )
    organisations_count = serializers.IntegerField(
        help_text="Every row: organisations with at least one cell in the columns."
    )
    next = serializers.URLField(allow_null=True, help_text="The next page of rows.")
    previous = serializers.URLField(allow_null=True, help_text="The previous page of rows.")
    organisations = MatrixOrganisationSerializer(
        many=True,
        help_text="The rows, by name, a page at a time (`page_size`, at most 100, and `offset`).",
    )
    cells = MatrixCellSerializer(many=True, help_text="The cells of this page's rows.")


# --- trend -----------------------------------------------------------------------------------


class TrendPointSerializer(serializers.Serializer):
    quarter = serializers.CharField(help_text="e.g. 2024-Q3")
    started = serializers.IntegerField(help_text="Organisations that started using it.")
    ended = serializers.IntegerField(help_text="Organisations that stopped using it.")
    in_use = serializers.IntegerField(help_text="Organisations using it at the quarter's end.")


class TrendSerializer(serializers.Serializer):
    platform = InsightPlatformSerializer()
    owner = InsightOrganisationSerializer()
    series = TrendPointSerializer(many=True)
    undated = serializers.IntegerField(
        help_text="Organisations using it whose start (or end) the records do not date."
    )
