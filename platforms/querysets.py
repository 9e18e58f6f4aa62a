"""The reads. Each method does its own eager loading and annotation, so no caller can cause N+1."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models import Case, Count, IntegerField, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce, Lower

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    User = AbstractBaseUser | AnonymousUser


def _member_organisation_ids(user: User, roles: tuple[str, ...] | None = None) -> models.QuerySet:
    from platforms.models import Membership

    memberships = Membership.objects.filter(user=user)
    if roles:
        memberships = memberships.filter(role__in=roles)
    return memberships.values("organisation_id")


class OrganisationQuerySet(models.QuerySet):
    def active(self) -> OrganisationQuerySet:
        return self.exclude(status="closed")

    def with_platform_counts(self) -> OrganisationQuerySet:
        """Annotate ``owned_platform_count`` and ``adoption_count`` (of published platforms).

        Correlated subqueries, not JOIN + GROUP BY: a join of the organisations with their
        platforms and all their adoptions made 1.2M rows (sorted on disk) to count a page of 20;
        a subquery counts only the rows of the page, each through an index."""
        from platforms.models import Adoption, Platform

        owned = (
            Platform.objects.filter(owner=OuterRef("pk"), state="published")
            .order_by()
            .values("owner")
            .annotate(count=Count("*"))
            .values("count")
        )
        adopted = (
            Adoption.objects.filter(organisation=OuterRef("pk"), platform__state="published")
            .order_by()
            .values("organisation")
            .annotate(count=Count("*"))
            .values("count")
        )
        return self.annotate(
            owned_platform_count=Coalesce(Subquery(owned, output_field=IntegerField()), 0),
            adoption_count=Coalesce(Subquery(adopted, output_field=IntegerField()), 0),
        )

    def for_listing(self) -> OrganisationQuerySet:
        # ``sort_name``: names sort without regard to case on every database ("GOV.UK publishing
        # platform" before "GOV.UK Verify"), and cursor pages can compare positions on it.
        return self.select_related("parent", "superseded_by").annotate(sort_name=Lower("name"))

    def editable_by(self, user: User) -> OrganisationQuerySet:
        """Organisations the user may act for: all for staff, their memberships otherwise."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self.all()
        return self.filter(id__in=_member_organisation_ids(user))


class PlatformQuerySet(models.QuerySet):
    def published(self) -> PlatformQuerySet:
        return self.filter(state="published")

    def visible_to(self, user: User) -> PlatformQuerySet:
        """Published platforms for everyone; members also see their own organisation's drafts;
        staff see everything."""
        if not user.is_authenticated:
            return self.published()
        if user.is_superuser:
            return self.all()
        return self.filter(Q(state="published") | Q(owner_id__in=_member_organisation_ids(user)))

    def editable_by(self, user: User) -> PlatformQuerySet:
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self.all()
        return self.filter(owner_id__in=_member_organisation_ids(user))

    # --- slugs -------------------------------------------------------------------------------
    # A slug is unique among published platforms and within an owner, not across the catalogue
    # (see ``Platform.Meta.constraints``): another organisation's draft must neither block a
    # name nor show through a lookup. So every lookup by slug goes through ``by_slug`` on the
    # rows the reader may see, and every slug check through
    # ``platforms.services.platform_slug_holders``.

    def in_slug_precedence(self) -> PlatformQuerySet:
        """The order in which rows sharing a slug answer to it: the published one (at most one),
        then the unpublished ones, oldest first. On ``visible_to(user)`` the unpublished ones are
        the user's own organisations' (catalogue administrators see every organisation's)."""
        published_first = Case(When(state="published", then=Value(0)), default=Value(1))
        return self.order_by(published_first, "pk")

    def by_slug(self, slug: str) -> PlatformQuerySet:
        """At most one row: the platform ``slug`` names among these rows (call it on
        ``visible_to(user)``, before annotations), in ``in_slug_precedence``. ``get()`` on it
        never raises ``MultipleObjectsReturned``, and never finds a row the reader may not see."""
        chosen = self.filter(slug=slug).in_slug_precedence().values("pk")[:1]
        return self.filter(pk__in=Subquery(chosen))

    def in_bulk_by_slug(self, slugs: Iterable[str]) -> dict[str, Any]:
        """{slug: platform} for the given slugs, each resolved as ``by_slug`` resolves it."""
        found: dict[str, Any] = {}
        for platform in self.filter(slug__in=list(slugs)).in_slug_precedence():
            found.setdefault(platform.slug, platform)
        return found

    def with_reuse_counts(self) -> PlatformQuerySet:
        """Kept for callers: ``reuse_count`` is now a stored column (see ``fresh_reuse_counts``)."""
        return self

    def fresh_reuse_counts(self) -> PlatformQuerySet:
        """Annotate ``fresh_reuse_count``: organisations other than the owner with an adoption in
        use, counted now. The stored ``reuse_count`` must always equal it: the services recount
        after every write that can change it (``platforms.services.recount_reuse``)."""
        return self.annotate(fresh_reuse_count=reuse_count_subquery())

    def without_search_document(self) -> PlatformQuerySet:
        """The rows without the search document (``search_vector``: about half of a row's
        bytes on PostgreSQL), which no page shows."""
        return self.defer("search_vector")

    def for_listing(self) -> PlatformQuerySet:
        """One query for the rows, two prefetches: the owner and the replacement joined with
        only the columns a page shows (not their search documents)."""
        return (
            self.select_related("owner", "replaced_by")
            .defer("search_vector", "replaced_by__search_vector", "replaced_by__description")
            .prefetch_related("capabilities", "standards")
            .annotate(sort_name=Lower("name"))  # case-insensitive name order, as above
        )


def reuse_count_subquery():
    """The fresh reuse count of the outer platform, as an expression."""
    from platforms.models import Adoption

    adopters = (
        Adoption.objects.filter(platform=OuterRef("pk"), status="in_use")
        .exclude(organisation=OuterRef("owner"))
        .order_by()
        .values("platform")
        .annotate(count=Count("organisation", distinct=True))
        .values("count")
    )
    return Coalesce(Subquery(adopters, output_field=IntegerField()), 0)


class AdoptionQuerySet(models.QuerySet):
    def in_use(self) -> AdoptionQuerySet:
        return self.filter(status="in_use")

    def visible_to(self, user: User) -> AdoptionQuerySet:
        """Adoptions of the platforms the user can see."""
        if user.is_authenticated and user.is_superuser:
            return self.all()
        # A join on the platform's state, not "platform IN (all visible platforms)": the page
        # of an organisation with 30,000 adoptions then reads 20 rows in index order.
        if not user.is_authenticated:
            return self.filter(platform__state="published")
        return self.filter(
            Q(platform__state="published")
            | Q(platform__owner_id__in=_member_organisation_ids(user))
        )

    def editable_by(self, user: User) -> AdoptionQuerySet:
        """Adoptions where the user's organisation is the consumer."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self.all()
        return self.filter(organisation_id__in=_member_organisation_ids(user))

    def for_listing(self) -> AdoptionQuerySet:
        return self.select_related("platform", "platform__owner", "organisation")


class DependencyQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> DependencyQuerySet:
        """Dependencies whose both ends the user can see."""
        from platforms.models import Platform

        if user.is_authenticated and user.is_superuser:
            return self.all()
        visible = Platform.objects.visible_to(user).values("id")
        return self.filter(platform__in=visible, depends_on__in=visible)

    def for_listing(self) -> DependencyQuerySet:
        return self.select_related("platform", "platform__owner", "depends_on", "depends_on__owner")
