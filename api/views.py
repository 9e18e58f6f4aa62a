"""Thin viewsets: the queryset comes from a selector scoped to the user, the filters from one
FilterSet per resource, and every write is a call to ``platforms.services`` with ``actor``."""

from __future__ import annotations

import re

from django.conf import settings
from django.db import transaction
from django.db.models.functions import Lower
from drf_spectacular.utils import extend_schema, extend_schema_view
from knox.models import AuthToken
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.decorators import (
    action,
    api_view,
    authentication_classes,
    permission_classes,
)
from rest_framework.decorators import schema as schema_decorator
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from api import discovery, fast, filters, rows, schema, serializers
from api.base import CatalogueViewSetMixin
from api.exceptions import refuse_unreadable_request
from api.impact import impact_response
from api.pagination import (
    CataloguePagination,
    PlatformListPagination,
    SmallCollectionPagination,
    searching,
)
from api.parsers import PARSERS, JSONParser
from api.permissions import IsCatalogueAdminOrReadOnly
from api.renderers import JSONRenderer
from api.security import LoginRateThrottle, SignInLockedOut
from platforms import rules, services
from platforms.models import Adoption, Capability, Dependency, Organisation, Platform, Standard


def _expected_version(request) -> int | None:
    """The version the client read, from ``If-Match: "<version>"``."""
    header = request.headers.get("If-Match", "").strip()
    if not header or header == "*":
        return None
    value = header.removeprefix("W/").strip('"')
    if not value.isdigit():
        raise ValidationError({"If-Match": ['Send the ETag you read, e.g. If-Match: "3".']})
    return int(value)


def _etag(instance) -> str:
    return f'"{instance.version}"'


def _not_modified(request, instance) -> bool:
    tags = [
        t.strip().removeprefix("W/") for t in request.headers.get("If-None-Match", "").split(",")
    ]
    return _etag(instance) in tags or "*" in tags


class VersionedRetrieveMixin:
    """ETag on detail responses; ``If-None-Match`` answers 304 when nothing changed."""

    def retrieve(self, request, *args, **kwargs):
        instance = self.get_object()
        if _not_modified(request, instance):
            return Response(status=status.HTTP_304_NOT_MODIFIED, headers={"ETag": _etag(instance)})
        data = self.get_serializer(instance).data
        return Response(data, headers={"ETag": _etag(instance)})


class CanActForOwner(permissions.BasePermission):
    """Writes to a platform are for members of its owner (the services check the finer rules)."""

    def has_object_permission(self, request, view, obj) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        platform = obj.platform if isinstance(obj, Dependency) else obj
        if not rules.can_edit_platform(request.user, platform):
            self.message = (
                f"You cannot change {platform.name}: it belongs to {platform.owner.name}."
            )
            return False
        return True


class CanActForConsumer(permissions.BasePermission):
    """Adoptions belong to the consuming organisation."""

    def has_object_permission(self, request, view, obj: Adoption) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        if not rules.can_edit_adoption(request.user, obj):
            self.message = (
                f"You cannot change this adoption: it belongs to {obj.organisation.name}."
            )
            return False
        return True


WRITE_PERMISSIONS = [permissions.IsAuthenticatedOrReadOnly]

# The adopted platform's long columns: an adoption row shows its slug and name only.
ADOPTION_DEFERRED = tuple(
    f"platform__{name}"
    for name in ("search_vector", "description", "descriptions", "original_document", "sources")
)

# Platform columns the list's rows never show (see serializers.PLATFORM_LIST_FIELDS).
LIST_DEFERRED = (
    "description",
    "descriptions",
    "original_document",
    "original_format",
    "sources",
    "review_note",
)


# --- taxonomies ------------------------------------------------------------------------------


@extend_schema_view(
    **schema.taxonomy_docs("capability", "capabilities", serializers.CapabilitySerializer)
)
class CapabilityViewSet(CatalogueViewSetMixin, viewsets.ModelViewSet):
    """The needs platforms meet. Administrators maintain the list."""

    queryset = Capability.objects.order_by(Lower("name"), "slug")
    serializer_class = serializers.CapabilitySerializer
    lookup_field = "slug"
    permission_classes = [IsCatalogueAdminOrReadOnly]
    pagination_class = SmallCollectionPagination
    filter_backends: list = []


@extend_schema_view(**schema.taxonomy_docs("standard", "standards", serializers.StandardSerializer))
class StandardViewSet(CatalogueViewSetMixin, viewsets.ModelViewSet):
    """Open and government standards platforms conform to. Administrators maintain the list."""

    queryset = Standard.objects.order_by(Lower("name"), "slug")
    serializer_class = serializers.StandardSerializer
    lookup_field = "slug"
    permission_classes = [IsCatalogueAdminOrReadOnly]
    pagination_class = SmallCollectionPagination
    filter_backends: list = []


# --- organisations ---------------------------------------------------------------------------


@extend_schema_view(**schema.organisation_docs())
class OrganisationViewSet(CatalogueViewSetMixin, viewsets.ModelViewSet):
    """Government bodies. Administrators maintain the register."""

    queryset = Organisation.objects.for_listing().with_platform_counts()
    lookup_field = "slug"
    permission_classes = [IsCatalogueAdminOrReadOnly]
    filterset_class = filters.OrganisationFilter
    pagination_class = CataloguePagination
    ordering = ("sort_name", "slug")
    fast_reads = {"organisation_adoptions": fast.organisation_adoptions}

    def get_serializer_class(self):
        if self.action in ("create", "update", "partial_update"):
            return serializers.OrganisationWriteSerializer
        return serializers.OrganisationSerializer

    def _respond(self, organisation, status_code=status.HTTP_200_OK):
        organisation = self.get_queryset().get(pk=organisation.pk)
        data = serializers.OrganisationSerializer(
            organisation, context=self.get_serializer_context()
        ).data
        return Response(data, status=status_code)

    # No organisation service exists yet; the administrators' writes save the validated model
    # (with its full_clean) until one does.
    @transaction.atomic
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        organisation = Organisation(**serializer.validated_data)
        organisation.full_clean()
        organisation.save()
        return self._respond(organisation, status.HTTP_201_CREATED)

    @transaction.atomic
    def update(self, request, *args, **kwargs):
        instance = self.get_object()
        serializer = self.get_serializer(
            instance, data=request.data, partial=kwargs.get("partial", False)
        )
        serializer.is_valid(raise_exception=True)
        for field, value in serializer.validated_data.items():
            setattr(instance, field, value)
        instance.full_clean()
        instance.save()
        return self._respond(instance)

    def _nested_owner(self) -> Organisation:
        """The organisation of a nested list, without the counts the detail shows (counting a
        body's 30,000 adoptions to list 20 of them was most of the request)."""
        organisation = get_object_or_404(Organisation.objects.all(), slug=self.kwargs["slug"])
        self.check_object_permissions(self.request, organisation)
        return organisation

    @action(detail=True, methods=["get"])
    def platforms(self, request, slug=None):
        organisation = self._nested_owner()
        queryset = Platform.objects.visible_to(request.user).for_listing()
        queryset = filters.filter_nested(
            filters.PlatformFilter,
            queryset.filter(owner=organisation),
            request,
            fixed_by_url=("owner", "owner_tree", "q"),
        )
        return self.paginated(
            queryset,
            serializers.PlatformListSerializer,
            ("sort_name", "slug"),
            rows=rows.platform_rows(),
        )

    @action(detail=True, methods=["get"], url_path="adoptions", url_name="adoptions")
    def organisation_adoptions(self, request, slug=None):
        organisation = self._nested_owner()
        queryset = Adoption.objects.visible_to(request.user).for_listing().defer(*ADOPTION_DEFERRED)
        queryset = filters.filter_nested(
            filters.AdoptionFilter,
            queryset.filter(organisation=organisation),
            request,
            fixed_by_url=("organisation",),
        )
        return self.paginated(
            queryset, serializers.AdoptionSerializer, ("id",), rows=rows.adoption_rows()
        )


# --- platforms -------------------------------------------------------------------------------


@extend_schema_view(**schema.platform_docs())
class PlatformViewSet(CatalogueViewSetMixin, VersionedRetrieveMixin, viewsets.ModelViewSet):
    """Shared platforms. Anyone reads what is published; members of the owner also see its drafts
    (other organisations' drafts answer 404, as if they did not exist). Searched with the q
    parameter, the list is ranked and comes in offset pages."""

    lookup_field = "slug"
    permission_classes = [*WRITE_PERMISSIONS, CanActForOwner]
    filterset_class = filters.PlatformFilter
    schema = schema.PlatformSchema()
    fast_reads = {
        "list": fast.platform_list,
        "retrieve": fast.platform_detail,
        "adoptions": fast.platform_adoptions,
    }

    @property
    def pagination_class(self):
        # Only the list may be searched; the nested lists are in cursor pages (as documented).
        if getattr(self, "action", None) == "list":
            return PlatformListPagination
        return CataloguePagination

    # Then the id: a member sees the published "x" and their own drafts "x", all of one name.
    ordering = ("sort_name", "slug", "id")

    def get_queryset(self):
        if self.action in ("adoptions", "dependencies", "dependents"):
            # Only the platform's id is needed to list its rows (and its summary for the impact
            # analysis, ``dependents``): not its capabilities, standards and owner (three
            # queries for a page that shows none of them), nor its long texts.
            visible = Platform.objects.visible_to(self.request.user)
            return visible.only("id", "slug", "name", "state", "owner_id")
        queryset = Platform.objects.visible_to(self.request.user).for_listing()
        if self.action == "list":
            # The long texts only the detail shows (an imported original can be many kB a row).
            queryset = queryset.defer(*LIST_DEFERRED)
        return queryset

    def filter_queryset(self, queryset):
        # No filter named in the query: nothing for django-filter to do (building and checking
        # its form per request was a quarter of an unfiltered page's time).
        if not any(name in self.request.query_params for name in self.filterset_class.base_filters):
            return queryset
        # Only q named: searched without building the FilterSet.
        found = self.filterset_class.searched_only(queryset, self.request.query_params)
        return super().filter_queryset(queryset) if found is None else found

    def page_rows(self):
        # A searched list is ranked (its own pages and annotations): read as instances.
        if self.action == "list" and not searching(self.request):
            return rows.platform_rows()
        return None

    def get_serializer_class(self):
        if self.action == "list":
            return serializers.PlatformListSerializer
        if self.action in ("create", "update", "partial_update"):
            return serializers.PlatformWriteSerializer
        return serializers.PlatformDetailSerializer

    def _respond(self, platform, status_code=status.HTTP_200_OK):
        platform = self.get_queryset().get(pk=platform.pk)
        data = serializers.PlatformDetailSerializer(
            platform, context=self.get_serializer_context()
        ).data
        headers = {"ETag": _etag(platform)}
        if status_code == status.HTTP_201_CREATED:
            # A plain str: the serializer gives a Hyperlink (a str subclass), which WSGI servers
            # refuse in a header (wsgiref answered 500 after the row was committed).
            headers["Location"] = str(data["url"])
        return Response(data, status=status_code, headers=headers)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        platform = services.platform_register(actor=request.user, **serializer.validated_data)
        return self._respond(platform, status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        platform = self.get_object()
        serializer = self.get_serializer(
            platform, data=request.data, partial=kwargs.get("partial", False)
        )
        serializer.is_valid(raise_exception=True)
        platform = services.platform_update(
            actor=request.user,
            platform=platform,
            data=serializer.validated_data,
            expected_version=_expected_version(request),
        )
        return self._respond(platform)

    def destroy(self, request, *args, **kwargs):
        services.platform_delete(actor=request.user, platform=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @action(detail=True, methods=["post"])
    def submit(self, request, slug=None):
        platform = services.platform_submit(actor=request.user, platform=self.get_object())
        return self._respond(platform)

    @action(detail=True, methods=["post"])
    def publish(self, request, slug=None):
        platform = services.platform_publish(actor=request.user, platform=self.get_object())
        return self._respond(platform)

    @action(detail=True, methods=["post"])
    def reject(self, request, slug=None):
        platform = self.get_object()
        body = serializers.RejectSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        platform = services.platform_reject(
            actor=request.user, platform=platform, reason=body.validated_data["reason"]
        )
        return self._respond(platform)

    @action(detail=True, methods=["post"])
    def retire(self, request, slug=None):
        platform = self.get_object()
        body = serializers.RetireSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        body.is_valid(raise_exception=True)
        platform = services.platform_retire(
            actor=request.user, platform=platform, **body.validated_data
        )
        return self._respond(platform)

    @action(detail=True, methods=["get"])
    def adoptions(self, request, slug=None):
        platform = self.get_object()
        queryset = Adoption.objects.visible_to(request.user).for_listing().defer(*ADOPTION_DEFERRED)
        queryset = filters.filter_nested(
            filters.AdoptionFilter,
            queryset.filter(platform=platform),
            request,
            fixed_by_url=("platform",),
        )
        return self.paginated(
            queryset, serializers.AdoptionSerializer, ("id",), rows=rows.adoption_rows()
        )

    @action(detail=True, methods=["get"])
    def dependencies(self, request, slug=None):
        platform = self.get_object()
        queryset = Dependency.objects.visible_to(request.user).for_listing()
        queryset = filters.filter_nested(
            filters.DependencyFilter,
            queryset.filter(platform=platform),
            request,
            fixed_by_url=("platform",),
        )
        return self.paginated(queryset, serializers.DependencySerializer, ("id",))

    @action(detail=True, methods=["get"])
    def history(self, request, slug=None):
        return self.history_page(self.get_object())

    @action(detail=True, methods=["get"], throttle_classes=discovery.SIMILAR_THROTTLES)
    def similar(self, request, slug=None):
        return discovery.similar_response(self.get_object(), request, self.get_serializer_context())

    @action(
        detail=False,
        methods=["post"],
        url_path="similar",
        url_name="similar-draft",
        permission_classes=[permissions.AllowAny],
        throttle_classes=discovery.SIMILAR_THROTTLES,
    )
    def similar_draft(self, request):
        # A read that takes a body (a draft is too long for a query string): anyone may ask.
        body = serializers.SimilarDraftSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return discovery.similar_response(
            body.validated_data, request, self.get_serializer_context()
        )

    @action(detail=True, methods=["get"])
    def dependents(self, request, slug=None):
        return impact_response(self.get_object(), request, self.get_serializer_context())

    def get_object(self):
        # The nested and action endpoints look the platform up without the list's filters.
        # A slug can name a published platform and drafts of the reader's own organisation:
        # ``by_slug`` picks one of the rows the reader may see (the published one first), or
        # the one of ``?owner=`` (a draft whose slug a published platform took since).
        queryset = self.get_queryset()
        if "owner" in self.request.query_params:
            owner = self.request.query_params["owner"]
            if not re.fullmatch(schema.SLUG_PATTERN, owner):
                # As the schema says: a slug, not nothing (an empty ``?owner=`` was ignored).
                raise ValidationError({"owner": ["Enter the owning organisation's slug."]})
            queryset = queryset.filter(owner__slug=owner)
        summaries = self._detail_summaries()
        if summaries:
            queryset = queryset.prefetch_related(None)
        platform = get_object_or_404(queryset.by_slug(self.kwargs["slug"]))
        self.check_object_permissions(self.request, platform)
        if summaries:
            rows.fill_summaries([platform], summaries)
        return platform

    def _detail_summaries(self):
        """For a detail read in JSON: the capabilities and standards read as summaries (as in
        the list) rather than prefetched as instances. Not for the browsable API, whose forms
        read the instance's relations."""
        if self.action != "retrieve" or type(self.request.accepted_renderer) is not JSONRenderer:
            return None
        if not rows.platform_rows().usable(serializers.PlatformDetailSerializer):
            return None
        return rows.platform_rows().to_many


# --- adoptions -------------------------------------------------------------------------------


@extend_schema_view(**schema.adoption_docs())
class AdoptionViewSet(CatalogueViewSetMixin, VersionedRetrieveMixin, viewsets.ModelViewSet):
    """Reuse facts: an organisation uses a platform. They belong to the consumer: its members
    record, change and end them."""

    permission_classes = [*WRITE_PERMISSIONS, CanActForConsumer]
    filterset_class = filters.AdoptionFilter
    pagination_class = CataloguePagination
    ordering = ("id",)

    def get_queryset(self):
        return (
            Adoption.objects.visible_to(self.request.user).for_listing().defer(*ADOPTION_DEFERRED)
        )

    def page_rows(self):
        return rows.adoption_rows() if self.action == "list" else None

    def get_serializer_class(self):
        if self.action == "create":
            return serializers.AdoptionCreateSerializer
        if self.action in ("update", "partial_update"):
            return serializers.AdoptionUpdateSerializer
        return serializers.AdoptionSerializer

    def _respond(self, adoption, status_code=status.HTTP_200_OK):
        adoption = self.get_queryset().get(pk=adoption.pk)
        data = serializers.AdoptionSerializer(adoption, context=self.get_serializer_context()).data
        return Response(data, status=status_code, headers={"ETag": _etag(adoption)})

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        adoption = services.adoption_record(actor=request.user, **serializer.validated_data)
        return self._respond(adoption, status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        adoption = self.get_object()
        serializer = self.get_serializer(
            adoption, data=request.data, partial=kwargs.get("partial", False)
        )
        serializer.is_valid(raise_exception=True)
        adoption = services.adoption_update(
            actor=request.user,
            adoption=adoption,
            data=serializer.validated_data,
            expected_version=_expected_version(request),
        )
        return self._respond(adoption)

    def destroy(self, request, *args, **kwargs):
        services.adoption_delete(actor=request.user, adoption=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        adoption = self.get_object()
        body = serializers.AdoptionEndSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        adoption = services.adoption_end(
            actor=request.user, adoption=adoption, end_date=body.validated_data["end_date"]
        )
        return self._respond(adoption)

    @action(detail=True, methods=["get"])
    def history(self, request, pk=None):
        return self.history_page(self.get_object())


# --- dependencies ----------------------------------------------------------------------------


@extend_schema_view(**schema.dependency_docs())
class DependencyViewSet(
    CatalogueViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Platform A needs platform B. Recorded by A's owner."""

    permission_classes = [*WRITE_PERMISSIONS, CanActForOwner]
    filterset_class = filters.DependencyFilter
    pagination_class = CataloguePagination
    ordering = ("id",)

    def get_queryset(self):
        return Dependency.objects.visible_to(self.request.user).for_listing()

    def get_serializer_class(self):
        if self.action == "create":
            return serializers.DependencyWriteSerializer
        return serializers.DependencySerializer

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        dependency = services.dependency_add(actor=request.user, **serializer.validated_data)
        dependency = self.get_queryset().get(pk=dependency.pk)
        data = serializers.DependencySerializer(
            dependency, context=self.get_serializer_context()
        ).data
        return Response(data, status=status.HTTP_201_CREATED)

    def destroy(self, request, *args, **kwargs):
        services.dependency_remove(actor=request.user, dependency=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- anything else under /api/ --------------------------------------------------------------


@api_view(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])
@authentication_classes([])
@permission_classes([permissions.AllowAny])
@schema_decorator(None)
def not_found(request, path=""):
    """A path the API does not have (e.g. /platforms/1.5/) is a 404 in the error shape, not
    Django's HTML page."""
    raise NotFound(f"There is no API endpoint at /{request.path.lstrip('/')}.")


# --- authentication --------------------------------------------------------------------------


class ObtainTokenView(APIView):
    """Exchange a username and password for a new API token (django-rest-knox: stored as a
    digest, with an expiry). Throttled per address, and refused while django-axes has locked the
    username out at this address."""

    throttle_classes = [*api_settings.DEFAULT_THROTTLE_CLASSES, LoginRateThrottle]
    permission_classes = ()
    serializer_class = AuthTokenSerializer
    renderer_classes = (JSONRenderer,)
    parser_classes = PARSERS

    def initial(self, request, *args, **kwargs):
        refuse_unreadable_request(request)
        super().initial(request, *args, **kwargs)

    def get_parsers(self):
        if getattr(self, "swagger_fake_view", False):
            return [JSONParser()]  # as for the viewsets
        return super().get_parsers()

    @extend_schema(**schema.token_docs())
    def post(self, request, *args, **kwargs):
        serializer = AuthTokenSerializer(data=request.data, context={"request": request})
        try:
            serializer.is_valid(raise_exception=True)
        except ValidationError:
            # django-axes marks the request it was given (DRF's, not Django's) when it refuses.
            if getattr(request, "axes_locked_out", False):
                minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
                raise SignInLockedOut(minutes=minutes) from None
            raise
        instance, token = AuthToken.objects.create(serializer.validated_data["user"])
        return Response({"token": token, "expiry": instance.expiry})
