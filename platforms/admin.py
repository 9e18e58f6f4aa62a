"""The Django admin, where departments register and maintain their platforms and adoptions.

Scoping: a department user (``is_staff`` with memberships) sees and changes only their own
organisations' platforms and adoptions; catalogue administrators (superusers) see everything. Every
save and action goes through ``platforms.services``, so the admin enforces the API's rules.
"""

from __future__ import annotations

from functools import partial
from types import MethodType
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import ORDER_VAR, SEARCH_VAR, ChangeList
from django.contrib.admin.widgets import AutocompleteSelect
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import EmptyResultSet, FullResultSet, ValidationError
from django.db import connections
from django.db.models import (
    CharField,
    Count,
    Exists,
    F,
    Lookup,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, Concat, Lower
from django.db.models.lookups import IContains
from django.forms.models import ModelChoiceIterator
from django.http import (
    Http404,
    HttpRequest,
    HttpResponseNotAllowed,
    HttpResponseRedirect,
    JsonResponse,
)
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.text import smart_split, unescape_string_literal
from simple_history.admin import SimpleHistoryAdmin
from simple_history.models import ModelChange, ModelDelta, to_historic
from simple_history.utils import get_m2m_reverse_field_name

from platforms import rules, search, services
from platforms.auth_backends import load_access
from platforms.models import (
    Adoption,
    Capability,
    Dependency,
    Membership,
    Organisation,
    Platform,
    Standard,
    Synonym,
)


def is_catalogue_admin(request: HttpRequest) -> bool:
    return request.user.is_active and request.user.is_superuser


def is_member(request: HttpRequest) -> bool:
    """Signed in to the admin and acting for at least one organisation."""
    user = request.user
    if not (user.is_active and user.is_staff):
        return False
    # The memberships and the permissions for the navigation in one query, not two.
    load_access(user)
    return user.is_superuser or bool(rules.roles_of(user))


class ServiceErrorMixin:
    """A rule broken at save time (e.g. a race with another editor) becomes a message, not a 500.
    The admin's own transaction has rolled back by then, so nothing is half-saved."""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except services.CatalogueError as error:
            self.message_user(request, error.message, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except services.CatalogueError as error:
            self.message_user(request, error.message, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def run_service(self, request: HttpRequest, queryset: QuerySet, verb: str, call) -> None:
        """Run ``call(obj)`` for each selected row; report what worked and what was refused."""
        done = 0
        for obj in queryset:
            try:
                call(obj)
            except services.CatalogueError as error:
                self.message_user(request, f"{obj}: {error.message}", messages.ERROR)
            else:
                done += 1
        if done:
            self.message_user(request, f"{verb} {done} record(s).", messages.SUCCESS)


def _same_statement(one: QuerySet, other: QuerySet) -> bool:
    """Whether two querysets select the same rows: the same SQL and parameters once ordering
    and the related rows joined for display (``list_select_related``) are set aside."""

    def rows(queryset: QuerySet):
        return queryset.order_by().select_related(None).query.sql_with_params()

    try:
        return rows(one) == rows(other)
    except (EmptyResultSet, FullResultSet):  # nothing to compare: count as Django does
        return False


def _counted(queryset: QuerySet, count: int) -> QuerySet:
    """A copy of ``queryset`` whose ``count()`` answers ``count`` without a query (the querysets
    made from it, such as a page's slice, count again)."""
    copy = queryset.all()
    # A bound method, as ``QuerySet.count``: the paginator calls only a method without arguments
    # (anything else, it takes the length of the whole list).
    copy.count = MethodType(lambda self: count, copy)
    return copy


class _WithoutFullCount:
    """A model admin as it is, but for ``show_full_result_count`` (for one changelist only:
    the model admin itself is shared by every request)."""

    show_full_result_count = False

    def __init__(self, model_admin):
        self._model_admin = model_admin

    def __getattr__(self, name):
        return getattr(self._model_admin, name)


class CountOnceChangeList(ChangeList):
    """A changelist that counts its rows once when nothing narrows them. Django counts the
    filtered rows for the paginator and then every row for "N total", and without a filter or
    a search both are the same statement: a COUNT over 100,000 platforms, run twice."""

    def get_results(self, request):
        show_total = self.model_admin.show_full_result_count
        if show_total and self.query:
            # A search says how many rows it found, and links to all of them ("Show all"), as
            # Django does without ``show_full_result_count``: their number would cost one more
            # COUNT over every row the user may see (100,000 platforms), for a figure no one
            # searching needs.
            admin, self.model_admin = self.model_admin, _WithoutFullCount(self.model_admin)
            try:
                return super().get_results(request)
            finally:
                self.model_admin = admin
        if not (show_total and _same_statement(self.queryset, self.root_queryset)):
            return super().get_results(request)
        count = self.queryset.count()
        root, self.root_queryset = self.root_queryset, _counted(self.root_queryset, count)
        self.queryset = _counted(self.queryset, count)
        try:
            return super().get_results(request)
        finally:
            self.root_queryset = root  # actions rebuild the selection from it


class CountOnceMixin:
    def get_changelist(self, request, **kwargs):
        return CountOnceChangeList


class CappedSearchCountChangeList(CountOnceChangeList):
    """A changelist whose search counts at most ``model_admin.search_count_limit`` + 1 rows: a
    word in 120,000-400,000 adoptions ("pay", "department") costs a count of every one (0.3-1.5 s
    at 1,000,000 adoptions) for a figure no one reads. Beyond the limit the page says "more than
    N results" (``results_capped``), pages through the first N, and in the default order asks
    ``model_admin.search_page_in_window`` for the page first; below it the count is exact."""

    results_capped = False

    def get_results(self, request):
        limit = self.model_admin.search_count_limit
        if not self.query or limit is None:
            return super().get_results(request)
        found, cutoff = self._count_found(limit)
        self.results_capped = found > limit
        self.results_capped_at = f"{limit:,}"
        self.queryset = _counted(self.queryset, found)
        super().get_results(request)
        if self.results_capped and self.multi_page and ORDER_VAR not in self.params:
            page = self.paginator.page(self.page_num)
            rows = self.model_admin.search_page_in_window(
                request, cutoff, page.start_index() - 1, page.end_index()
            )
            if rows is not None:
                self.result_list = rows
        return None

    def _count_found(self, limit: int) -> tuple[int, Any]:
        """The rows found, counted up to ``limit`` + 1, and the window's last name
        (``model_admin.search_window``), in one query."""
        found = self.queryset.order_by().values("pk")[: limit + 1]
        window = self.model_admin.search_window()
        try:
            found_sql, found_params = found.query.sql_with_params()
        except EmptyResultSet:
            return 0, None
        window_sql, window_params = window.query.sql_with_params()
        connection = connections[self.queryset.db]
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT (SELECT COUNT(*) FROM ({found_sql}) found), ({window_sql})",  # noqa: S608 - the ORM's SQL, values as parameters
                (*found_params, *window_params),
            )
            count, cutoff = cursor.fetchone()
        return count, cutoff


class ReferenceAdmin(CountOnceMixin, ServiceErrorMixin, admin.ModelAdmin):
    """Reference records (organisations, capabilities, standards): everyone who signs in may
    read them (to pick from), only catalogue administrators change them."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_member(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_member(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return is_catalogue_admin(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_catalogue_admin(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_catalogue_admin(request)

    def save_model(self, request, obj, form, change):
        if type(obj) not in services.REFERENCE_FIELDS:  # e.g. synonyms: no rule beyond the form
            return super().save_model(request, obj, form, change)
        data = {name: form.cleaned_data[name] for name in form.changed_data}
        saved = services.reference_save(
            actor=request.user, model=type(obj), data=data, instance=obj if change else None
        )
        obj.pk = saved.pk

    def delete_model(self, request, obj):
        if type(obj) not in services.REFERENCE_FIELDS:
            return super().delete_model(request, obj)
        services.reference_delete(actor=request.user, instance=obj)

    def delete_queryset(self, request, queryset):
        if queryset.model not in services.REFERENCE_FIELDS:
            return super().delete_queryset(request, queryset)
        for record in queryset:
            services.reference_delete(actor=request.user, instance=record)


class KnownAutocompleteSelect(AutocompleteSelect):
    """Django's autocomplete, showing the record a row already holds (``known``) instead of
    reading it again: one query per inline row before."""

    known = None

    def optgroups(self, name, value, attr=None):
        known = self.known
        chosen = {str(v) for v in value if str(v) not in self.choices.field.empty_values}
        if known is None or chosen != {str(known.pk)}:
            return super().optgroups(name, value, attr)
        default = (None, [], 0)
        if not self.is_required and not self.allow_multiple_selected:
            default[1].append(self.create_option(name, "", "", False, 0))
        label = self.choices.field.label_from_instance(known)
        default[1].append(self.create_option(name, known.pk, label, chosen, len(default[1])))
        return [default]


class KnownRelatedInlineMixin:
    """Inline rows that show their related records (``known_fields``: in each row's title and
    autocomplete) without a query per row: read with the rows, handed to the widgets."""

    known_fields: tuple[str, ...] = ()

    def get_queryset(self, request):
        return super().get_queryset(request).select_related(*self.known_fields)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        known = db_field.name in self.known_fields and "widget" not in kwargs
        if known and db_field.name in self.get_autocomplete_fields(request):
            using = kwargs.get("using")
            kwargs["widget"] = KnownAutocompleteSelect(db_field, self.admin_site, using=using)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        names = self.known_fields

        class KnownRelatedFormSet(formset):
            def _construct_form(self, i, **form_kwargs):
                form = super()._construct_form(i, **form_kwargs)
                if form.instance.pk:
                    for name in names:
                        field = form.fields.get(name)
                        widget = getattr(field.widget, "widget", field.widget) if field else None
                        if isinstance(widget, KnownAutocompleteSelect):
                            widget.known = getattr(form.instance, name)
                return form

        return KnownRelatedFormSet


class MembershipInline(KnownRelatedInlineMixin, admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]
    fk_name = "organisation"
    known_fields = ("user", "organisation")

    def has_view_permission(self, request, obj=None):
        return is_catalogue_admin(request)

    def has_add_permission(self, request, obj=None):
        return is_catalogue_admin(request)

    def has_change_permission(self, request, obj=None):
        return is_catalogue_admin(request)

    def has_delete_permission(self, request, obj=None):
        return is_catalogue_admin(request)


@admin.register(Organisation)
class OrganisationAdmin(ReferenceAdmin):
    list_display = ["name", "abbreviation", "kind", "status", "parent"]
    ordering = [Lower("name"), "slug"]
    list_filter = ["kind", "status"]
    list_select_related = ["parent"]
    search_fields = ["name", "abbreviation", "slug"]
    autocomplete_fields = ["parent", "superseded_by"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["created_at", "updated_at"]
    inlines = [MembershipInline]

    def get_search_results(self, request, queryset, search_term):
        # The owner of a platform and the consumer of an adoption can only be organisations the
        # user acts for: the autocomplete offers nothing else (the form refuses the rest too).
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if request.GET.get("field_name") in {"owner", "organisation"} and request.GET.get(
            "model_name"
        ) in {"platform", "adoption"}:
            queryset = queryset.filter(
                pk__in=Organisation.objects.editable_by(request.user).values("pk")
            )
        return queryset, may_have_duplicates


@admin.register(Capability)
class CapabilityAdmin(ReferenceAdmin):
    list_display = ["name", "slug", "description"]
    search_fields = ["name", "description"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Standard)
class StandardAdmin(ReferenceAdmin):
    list_display = ["name", "slug", "url"]
    search_fields = ["name", "description"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Synonym)
class SynonymAdmin(ReferenceAdmin):
    """The words people search with; every search adds the expansions of the terms it holds."""

    list_display = ["term", "expansions"]
    search_fields = ["term", "expansions"]


# --- platforms -------------------------------------------------------------------------------


def _history_m2m_rows(records: list) -> dict[int, dict[str, list[tuple[int, str]]]]:
    """{history id: {many-to-many field: [(related id, related name)], ...}} for historical
    ``records``, in ONE query over the fields' history tables (a UNION), ordered by related id
    as django-simple-history compares them. Its own diff reads each field of each record twice
    and once more per change (about four queries for each pair of versions on a page). The
    related models here (capabilities, standards) show by their ``name``."""
    fields = records[0]._history_m2m_fields if records else []
    if not fields:
        return {}
    ids = [record.history_id for record in records]
    parts = []
    for field in fields:
        through = getattr(records[0], field.name).model  # the field's history table
        target = get_m2m_reverse_field_name(field)
        parts.append(
            through.objects.filter(history_id__in=ids)
            .order_by()
            .annotate(
                m2m_history=F("history_id"),
                m2m_field=Value(field.name, output_field=CharField()),
                m2m_target=F(f"{target}_id"),
                m2m_name=F(f"{target}__name"),
            )
            .values_list("m2m_history", "m2m_field", "m2m_target", "m2m_name")
        )
    found: dict[int, dict[str, list[tuple[int, str]]]] = {
        pk: {field.name: [] for field in fields} for pk in ids
    }
    for history_id, name, target_id, target_name in parts[0].union(*parts[1:], all=True):
        found[history_id][name].append((target_id, target_name))
    for by_field in found.values():
        for rows in by_field.values():
            rows.sort()
    return found


def _related(field, rows: list[tuple[int, str]]) -> list:
    """The related records of ``rows`` as model instances (id and name: all a page shows)."""
    model = field.related_model
    return [model(pk=pk, name=name) for pk, name in rows]


class ReadOnlyHistoryMixin:
    """History pages show old versions; they never write. django-simple-history's form view
    saves on POST (``SIMPLE_HISTORY_REVERT_DISABLED`` only hides the button), and decides on the
    historical copy, which may name a former owner: so POST is refused outright, and a GET is
    allowed only for a record the user can open today.

    Their queries are bounded: the list of versions reads the record, its versions (one page)
    and, for the changes between them, the many-to-many fields of the whole page in one query;
    a version's page is read-only, its fields shown as text (no choices to read), its related
    records taken from the current record where they are the same."""

    def _does_not_exist(self, request, object_id):
        return self._get_obj_does_not_exist_redirect(request, self.model._meta, object_id)

    def _object_pk(self, object_id):
        try:
            return self.model._meta.pk.to_python(unquote(object_id))
        except ValidationError:
            return None

    def history_view(self, request, object_id, extra_context=None):
        # django-simple-history shows the history of a row missing from ``get_queryset`` (it
        # takes it for deleted): another organisation's draft must read as absent instead. The
        # versions are those of a row the user may open (``get_history_queryset``), so for any
        # other the library finds neither the row nor a version, and says 404.
        if self._object_pk(object_id) is None:
            return self._does_not_exist(request, object_id)
        try:
            return super().history_view(request, object_id, extra_context)
        except Http404:
            return self._does_not_exist(request, object_id)

    def get_history_queryset(self, request, history_manager, pk_name, object_id):
        visible = self.get_queryset(request).filter(pk=object_id).values("pk")
        versions = super().get_history_queryset(request, history_manager, pk_name, object_id)
        return versions.filter(**{f"{pk_name}__in": visible})

    def set_history_delta_changes(self, request, historical_records, foreign_keys_are_objs=True):
        records = list(historical_records)
        for record in records:
            # The page names each version by its record (e.g. an adoption by its platform and
            # organisation), built afresh at each use: once here instead, with the related
            # records the versions were read with (``get_history_queryset`` joins them).
            version = record.history_object
            for field in self.model._meta.fields:
                if field.many_to_one and record._meta.get_field(field.name).is_cached(record):
                    setattr(version, field.name, getattr(record, field.name))
            record.__dict__["history_object"] = version
        m2m_fields = records[0]._history_m2m_fields if records else []
        if not m2m_fields:
            return super().set_history_delta_changes(
                request, records, foreign_keys_are_objs=foreign_keys_are_objs
            )
        rows = _history_m2m_rows(records)
        names = [field.name for field in m2m_fields]
        # As the library: each version is compared with the one before it (the next in the
        # list, newest first); the other fields as it compares them, the related ones here.
        for newer, older in zip(records, records[1:], strict=False):
            delta = newer.diff_against(
                older, excluded_fields=names, foreign_keys_are_objs=foreign_keys_are_objs
            )
            changes = list(delta.changes)
            for field in m2m_fields:
                before, after = (
                    rows[older.history_id][field.name],
                    rows[newer.history_id][field.name],
                )
                if [pk for pk, _ in before] != [pk for pk, _ in after]:
                    target = get_m2m_reverse_field_name(field)
                    changes.append(
                        ModelChange(
                            field.name,
                            [{target: obj} for obj in _related(field, before)],
                            [{target: obj} for obj in _related(field, after)],
                        )
                    )
            changes.sort(key=lambda change: change.field)
            delta = ModelDelta(changes, [change.field for change in changes], older, newer)
            helper = self.get_historical_record_context_helper(request, newer)
            newer.history_delta_changes = helper.context_for_delta_changes(delta)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method != "GET":
            return HttpResponseNotAllowed(["GET"])
        pk = self._object_pk(object_id)
        related = [f.name for f in self.model._meta.fields if f.is_relation and f.many_to_one]
        current = (
            self.get_queryset(request).filter(pk=pk).select_related(*related).first()
            if pk is not None
            else None
        )
        if current is None:
            return self._does_not_exist(request, object_id)
        request.catalogue_history_current = current
        return super().history_form_view(request, object_id, version_id, extra_context)

    def get_readonly_fields(self, request, obj=None):
        current = getattr(request, "catalogue_history_current", None)
        if current is None or obj is None:
            return super().get_readonly_fields(request, obj)
        # A version's page: every field as text, but those the library hands to the slug's
        # prepopulation script (plain text inputs: nothing to read).
        self._prime_version(obj, current)
        opts = self.model._meta
        prepopulated = {
            name for slug, sources in self.prepopulated_fields.items() for name in (slug, *sources)
        }
        editable = [
            f.name
            for f in [*opts.fields, *opts.many_to_many]
            if f.editable and f.name not in prepopulated
        ]
        return [*super().get_readonly_fields(request, obj), *editable]

    def _prime_version(self, obj, current) -> None:
        """Give a historical copy what its page shows without a query each: the related records
        the current record shares with it, and its own many-to-many rows (one query)."""
        if getattr(obj, "_catalogue_primed", False):
            return
        obj._catalogue_primed = True
        for field in self.model._meta.fields:
            if field.is_relation and field.many_to_one:
                value = getattr(obj, field.attname)
                if value is not None and value == getattr(current, field.attname):
                    setattr(obj, field.name, getattr(current, field.name))
        record = to_historic(obj)
        rows = _history_m2m_rows([record]) if record is not None else {}
        for field in getattr(record, "_history_m2m_fields", []):
            objs = _related(field, rows[record.history_id][field.name])
            chosen = field.related_model.objects.filter(pk__in=[o.pk for o in objs])
            chosen._result_cache, chosen._prefetch_done = objs, True  # as prefetch_related
            obj._prefetched_objects_cache = getattr(obj, "_prefetched_objects_cache", {})
            obj._prefetched_objects_cache[field.name] = chosen


class OrganisationScopedAdmin(CountOnceMixin, ReadOnlyHistoryMixin, ServiceErrorMixin):
    """Records that belong to an organisation. Members browse everything the catalogue shows
    them (``get_queryset``: published records and their own drafts) and change a row only when
    ``may_edit`` says the rules let them. Django's per-model permission table is not used:
    rights come from memberships."""

    def may_edit(self, user, obj) -> bool:
        raise NotImplementedError

    def has_module_permission(self, request):
        return is_member(request)

    def has_view_permission(self, request, obj=None):
        # Rows come from ``get_queryset``, already scoped to what the user may see.
        return is_member(request)

    def has_add_permission(self, request):
        return is_member(request)

    def has_change_permission(self, request, obj=None):
        return is_member(request) and (obj is None or self.may_edit(request.user, obj))

    def has_delete_permission(self, request, obj=None):
        return self.has_change_permission(request, obj)


class PickerFilter(admin.SimpleListFilter):
    """Filter a changelist by one related record, given by id in the URL (the platform page
    links here). Offers only the selected record, so the sidebar stays small however many
    records there are, and the choice is limited to what the user may see."""

    field = ""

    def __init__(self, request, params, model, model_admin):
        self.request = request
        super().__init__(request, params, model, model_admin)

    def choices_queryset(self):
        raise NotImplementedError

    def lookups(self, request, model_admin):
        value = self.value()
        if not value or not str(value).isdigit():
            return []
        return [(str(p.pk), p.name) for p in self.choices_queryset().filter(pk=value)[:1]]

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        if not str(value).isdigit():
            return queryset.none()
        return queryset.filter(**{f"{self.field}_id": value})


class PlatformPicker(PickerFilter):
    title = "platform"
    parameter_name = "platform"
    field = "platform"

    def choices_queryset(self):
        return Platform.objects.visible_to(self.request.user)


class DependsOnPicker(PlatformPicker):
    title = "depends on"
    parameter_name = "depends_on"
    field = "depends_on"


class OrganisationPicker(PickerFilter):
    title = "organisation"
    parameter_name = "organisation"
    field = "organisation"

    def choices_queryset(self):
        return Organisation.objects.all()


class MineFilter(admin.SimpleListFilter):
    """ "Ours" or the whole catalogue: editors browse everything, change their own."""

    title = "whose"
    parameter_name = "whose"
    lookup = "owner_id__in"

    def lookups(self, request, model_admin):
        return [("mine", "My organisation's")]

    def queryset(self, request, queryset):
        if self.value() == "mine":
            own = Organisation.objects.editable_by(request.user).values("pk")
            return queryset.filter(**{self.lookup: own})
        return queryset


class AdoptionMineFilter(MineFilter):
    lookup = "organisation_id__in"


class DependencyMineFilter(MineFilter):
    lookup = "platform__owner_id__in"


class TagsField(forms.CharField):
    """Keywords typed as "payments, card, fees" and stored as a list."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", "Keywords separated by commas, e.g. payments, card, fees.")
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return ", ".join(str(v) for v in value)
        return value

    def to_python(self, value):
        if isinstance(value, list | tuple):
            return [str(v) for v in value]
        text = super().to_python(value) or ""
        tags: list[str] = []
        for part in text.split(","):
            tag = " ".join(part.split())
            if tag and tag not in tags:
                tags.append(tag)
        return tags

    def has_changed(self, initial, data):
        return self.to_python(initial or []) != self.to_python(data)


class VersionedForm(forms.ModelForm):
    """Carries the version the editor loaded; a save over a newer one is refused rather than
    silently overwriting someone else's change."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    stale_message = "Someone else changed this record after you opened it."

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if self.instance.pk and cleaned.get("version") is not None:
            model = type(self.instance)
            current = model.objects.filter(pk=self.instance.pk).values_list("version", flat=True)
            if current and current[0] != cleaned["version"]:
                raise forms.ValidationError(self.stale_message, code="stale")
        return cleaned


class PlatformForm(VersionedForm):
    tags = TagsField(max_length=1000)
    stale_message = (
        "Someone else changed this platform after you opened it. Your changes were not saved: "
        "reload the page to see the new version, then make them again."
    )

    class Meta:
        model = Platform
        exclude = ["state", "review_note"]  # noqa: DJ006 - the admin's fieldsets pick the rest

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        # The service's own rule, as a field error that keeps what the editor typed (it would
        # refuse the save anyway). Other organisations' drafts never count.
        slug, owner = cleaned.get("slug"), cleaned.get("owner") or self.instance.owner_id
        if slug and owner and ("slug" in self.changed_data or "owner" in self.changed_data):
            refusal = services.platform_slug_refusal(
                slug=slug, owner=owner, exclude=self.instance.pk
            )
            if refusal:
                self.add_error("slug", refusal)
        return cleaned


class DependencyInline(KnownRelatedInlineMixin, admin.TabularInline):
    """What the platform depends on: a handful of rows, edited on the platform's page by whoever
    may edit the platform. The target may be any platform the editor can see (published, or
    their own organisation's); saves go through the services."""

    model = Dependency
    fk_name = "platform"
    extra = 0
    fields = ["depends_on", "kind", "description"]
    autocomplete_fields = ["depends_on"]
    known_fields = ("platform", "depends_on")  # both name a row (its title)

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .filter(depends_on__in=Platform.objects.visible_to(request.user).values("pk"))
        )

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "depends_on":
            kwargs["queryset"] = Platform.objects.visible_to(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_view_permission(self, request, obj=None):
        return is_member(request)  # the platform page around it is already scoped

    def has_add_permission(self, request, obj=None):
        return is_member(request) and (obj is None or rules.can_edit_platform(request.user, obj))

    def has_change_permission(self, request, obj=None):
        return self.has_add_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self.has_add_permission(request, obj)


def _how_many(n: int, one: str, many: str) -> str:
    """``n`` and the words for one or for several: "1 platform depends", "3 platforms depend"."""
    return f"{n} {one if n == 1 else many}"


def _counted_rows(model, field: str) -> Coalesce:
    """How many ``model`` rows point at the outer platform through ``field``: a counted
    subquery each, not COUNT(DISTINCT) over a join of adoptions and dependents (that join is
    adoptions x dependents rows: GOV.UK Notify at 100k platforms, past the statement timeout)."""
    rows = model.objects.filter(**{field: OuterRef("pk")}).order_by().values(field)
    return Coalesce(Subquery(rows.annotate(n=Count("pk")).values("n")), 0)


# The many-to-many fields of a platform whose choices are small reference tables.
REFERENCE_FIELDS = {"capabilities": Capability, "standards": Standard}
REFERENCE_COLUMNS = ["id", "created_at", "updated_at", "name", "slug", "description", "url"]


def _references_of(platform: Platform) -> dict[str, list]:
    """{field: every capability (or standard)} for the pickers, in one query (a UNION of both
    tables, each row saying whether the platform has it), and ``platform``'s own capabilities
    and standards set as if prefetched."""
    parts = []
    for name, model in REFERENCE_FIELDS.items():
        through = getattr(Platform, name).through
        target = f"{model._meta.model_name}_id"
        chosen = through.objects.filter(platform_id=platform.pk, **{target: OuterRef("pk")})
        parts.append(
            model.objects.order_by()
            .annotate(
                reference_url=F("url") if model is Standard else Value(""),
                reference_field=Value(name),
                reference_chosen=Exists(chosen),
            )
            .values_list(
                *REFERENCE_COLUMNS[:-1], "reference_url", "reference_field", "reference_chosen"
            )
        )
    found: dict[str, list] = {name: [] for name in REFERENCE_FIELDS}
    chosen_ones: dict[str, list] = {name: [] for name in REFERENCE_FIELDS}
    db = Platform.objects.db
    for *values, name, is_chosen in parts[0].union(*parts[1:], all=True):
        model = REFERENCE_FIELDS[name]
        columns = REFERENCE_COLUMNS if model is Standard else REFERENCE_COLUMNS[:-1]
        record = model.from_db(db, columns, values[: len(columns)])
        found[name].append(record)
        if is_chosen:
            chosen_ones[name].append(record)
    cache = platform.__dict__.setdefault("_prefetched_objects_cache", {})
    for name, model in REFERENCE_FIELDS.items():
        found[name].sort(key=lambda record: record.name)  # as Meta.ordering
        chosen_ones[name].sort(key=lambda record: record.name)
        selected = model.objects.filter(pk__in=[r.pk for r in chosen_ones[name]])
        selected._result_cache, selected._prefetch_done = chosen_ones[name], True
        cache[name] = selected
    return found


class _ListedChoiceIterator(ModelChoiceIterator):
    """A model choice field's choices from records already read (see ``_references_of``)."""

    def __init__(self, field, records):
        super().__init__(field)
        self.records = records

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for record in self.records:
            yield self.choice(record)

    def __len__(self):
        return len(self.records) + (self.field.empty_label is not None)


@admin.register(Platform)
class PlatformAdmin(OrganisationScopedAdmin, SimpleHistoryAdmin):
    """The whole catalogue a user may see: published platforms (read-only unless theirs) and
    their own organisation's drafts. Adopters and dependents are counted and linked to their own
    filtered, paginated changelists, so the page stays small whatever the platform's reuse."""

    form = PlatformForm
    list_display = ["name", "owner", "kind", "phase", "state", "reuse_count", "updated_at"]
    ordering = [Lower("name"), "slug"]  # "GOV.UK publishing platform" before "GOV.UK Verify"
    list_filter = [
        MineFilter,
        "kind",
        "state",
        "phase",
        "is_open_source",
        "capabilities",
        "data_classification",
    ]
    list_select_related = ["owner"]
    search_fields = ["name", "summary", "slug", "owner__name", "owner__abbreviation"]
    autocomplete_fields = ["owner", "replaced_by"]
    filter_horizontal = ["capabilities", "standards"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["state", "review_note", "reuse", "created_at", "updated_at"]
    inlines = [DependencyInline]
    actions = ["submit_for_review", "publish", "retire"]
    save_on_top = True
    fieldsets = [
        (None, {"fields": ["name", "slug", "owner", "kind", "summary", "description", "version"]}),
        ("Lifecycle", {"fields": ["phase", "replaced_by", "state", "review_note"]}),
        ("Reuse", {"fields": ["reuse"]}),
        ("What it does", {"fields": ["capabilities", "standards", "tags"]}),
        (
            "Links",
            {"fields": ["service_url", "documentation_url", "source_code_url", "sources"]},
        ),
        (
            "Running it",
            {
                "fields": [
                    "is_open_source",
                    "licence",
                    "hosting",
                    "supplier",
                    "contract_end_date",
                    "pricing_model",
                    "contact_email",
                    "data_classification",
                    "handles_personal_data",
                ]
            },
        ),
        ("Record", {"fields": ["created_at", "updated_at"]}),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        # Another organisation's draft is not in it: opening one reads exactly like a platform
        # that does not exist.
        return Platform.objects.visible_to(request.user).with_reuse_counts()

    def get_object(self, request, object_id, from_field=None):
        # Django's, with the counts of "Who uses it" read in the same query.
        queryset = self.get_queryset(request).annotate(
            adoption_count=_counted_rows(Adoption, "platform"),
            dependent_count=_counted_rows(Dependency, "depends_on"),
        )
        field = (
            self.model._meta.pk if from_field is None else self.model._meta.get_field(from_field)
        )
        try:
            obj = queryset.get(**{field.name: field.to_python(object_id)})
        except (self.model.DoesNotExist, ValidationError, ValueError):
            return None
        # Its capabilities and standards, and every capability and standard to choose from,
        # in one query (four before): for the form's initial values and its two pickers, and
        # for the similar platforms' comparison and reasons.
        request.catalogue_choices = _references_of(obj)
        return obj

    def get_fieldsets(self, request, obj=None):
        # Nothing to count yet, or an old version: its page shows what the record said then.
        if obj is None or getattr(request, "catalogue_history_current", None) is not None:
            return [(n, o) for n, o in self.fieldsets if n != "Reuse"]
        return self.fieldsets

    # Search: the catalogue's search backend ranks the changelist, best match first, unless the
    # user sorted by a column. The autocomplete of a dependency's own platform offers only the
    # platforms the user may change.
    def get_search_results(self, request, queryset, search_term):
        if (request.GET.get("model_name"), request.GET.get("field_name")) == (
            "dependency",
            "platform",
        ):
            queryset = queryset.filter(
                pk__in=Platform.objects.editable_by(request.user).values("pk")
            )
        if not search_term.strip():
            return super().get_search_results(request, queryset, search_term)
        ordering = queryset.query.order_by
        if queryset.query.where:
            # The rows to rank as a subquery of their ids: the ranked result is then selected
            # by its ids alone, and counted without a query (a filter kept beside the ids, such
            # as a member's visibility, made the paginator count the page again).
            ids = queryset.order_by().values("pk")
            queryset = queryset.model.objects.filter(pk__in=ids).select_related(
                *self.list_select_related
            )
        results = search.search(queryset, search_term)
        if request.GET.get("o"):
            results = results.order_by(*ordering)
        return results, False

    # Possible duplicates: a warning on the form, never a block.
    def get_urls(self):
        similar = path(
            "similar/",
            self.admin_site.admin_view(self.similar_view),
            name="platforms_platform_similar",
        )
        return [similar, *super().get_urls()]

    def similar_to(self, request: HttpRequest, draft: Any, exclude: Any = None) -> list:
        return search.similar(
            draft, queryset=Platform.objects.visible_to(request.user), exclude=exclude, limit=5
        )

    def similar_view(self, request: HttpRequest) -> JsonResponse:
        """JSON for the form's panel: GET name, summary (and exclude, the platform's own id)."""
        if not self.has_add_permission(request):
            return JsonResponse({"detail": "Not allowed."}, status=403)
        exclude = request.GET.get("exclude", "")
        draft = {"name": request.GET.get("name", ""), "summary": request.GET.get("summary", "")}
        found = self.similar_to(request, draft, int(exclude) if exclude.isdigit() else None)
        return JsonResponse({"results": _similar_entries(request.user, found)})

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        form = context["adminform"].form
        if obj is not None and obj.pk and not rules.can_edit_platform(request.user, obj):
            draft = None  # the warning is for whoever registers or edits, not for a reader
        elif obj is not None and obj.pk:
            draft = obj
        elif form.is_bound:
            draft = {f: form.data.get(f, "") for f in ("name", "summary", "description")}
            draft["capabilities"] = [c for c in form.data.getlist("capabilities") if c.isdigit()]
        else:
            draft = None
        found = self.similar_to(request, draft) if draft else []
        context["similar_platforms"] = found
        context["similar_entries"] = _similar_entries(request.user, found)
        context["similar_url"] = reverse("admin:platforms_platform_similar")
        if obj is not None and obj.pk:
            may_edit = rules.can_edit_platform(request.user, obj)
            context["owned_by"] = None if may_edit else obj.owner
            context["adopt_url"] = (
                reverse("admin:platforms_adoption_add") + f"?platform={obj.pk}"
                if obj.is_published
                else None
            )
            context["may_submit"] = may_edit and obj.state == Platform.State.DRAFT
            context["may_publish"] = obj.state == Platform.State.IN_REVIEW and (
                rules.can_review_platform(request.user, obj)
            )
        return super().render_change_form(request, context, add, change, form_url, obj)

    @admin.display(description="Who uses it")
    def reuse(self, obj: Platform) -> str:
        """Counts and links, never the list itself: GOV.UK Notify has a thousand adopters."""
        if not obj.pk:
            return "-"

        if hasattr(obj, "adoption_count"):  # read with the platform (``get_object``)
            adoptions, dependents = obj.adoption_count, obj.dependent_count
        else:
            adoptions, dependents = (
                Platform.objects.filter(pk=obj.pk)
                .annotate(
                    adoption_count=_counted_rows(Adoption, "platform"),
                    dependent_count=_counted_rows(Dependency, "depends_on"),
                )
                .values_list("adoption_count", "dependent_count")
                .get()
            )
        adoption_list = reverse("admin:platforms_adoption_changelist") + f"?platform={obj.pk}"
        dependent_list = reverse("admin:platforms_dependency_changelist") + f"?depends_on={obj.pk}"
        reusers = getattr(obj, "reuse_count", 0)
        return format_html(
            "{} other than the owner {} it. "
            '<a href="{}">See {}</a> (filter by status, search by organisation) · '
            '<a href="{}">{} on it</a>',
            _how_many(reusers, "organisation", "organisations"),
            "uses" if reusers == 1 else "use",
            adoption_list,
            "the 1 adoption" if adoptions == 1 else f"all {adoptions} adoptions",
            dependent_list,
            _how_many(dependents, "platform depends", "platforms depend"),
        )

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # The form sets capabilities and standards after the service saved the platform.
        search.reindex(form.instance)

    @admin.display(description="Reuse", ordering="reuse_count")
    def reuse_count(self, obj: Platform) -> int:
        return obj.reuse_count

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        formfield = super().formfield_for_manytomany(db_field, request, **kwargs)
        records = getattr(request, "catalogue_choices", {}).get(db_field.name)
        if formfield is not None and records is not None:
            formfield.iterator = partial(_ListedChoiceIterator, records=records)
            formfield.widget.choices = formfield.choices
        return formfield

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "owner":
            kwargs["queryset"] = Organisation.objects.editable_by(request.user)
        if db_field.name == "replaced_by":
            # Published platforms or the user's own: another organisation's draft is refused
            # with the same message as an id that does not exist.
            kwargs["queryset"] = Platform.objects.visible_to(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        own = list(Organisation.objects.editable_by(request.user)[:2])
        if len(own) == 1 and not request.user.is_superuser:
            initial.setdefault("owner", own[0].pk)
        return initial

    def may_edit(self, user, obj) -> bool:
        return rules.can_edit_platform(user, obj)

    def save_model(self, request, obj, form, change):
        data = {
            name: form.cleaned_data[name]
            for name in form.changed_data
            if name in services.PLATFORM_FIELDS or name == "owner"
        }
        if change:
            saved = services.platform_update(
                actor=request.user,
                platform=obj,
                data=data,
                expected_version=form.cleaned_data.get("version"),
            )
        else:
            data.pop("owner", None)
            saved = services.platform_register(
                actor=request.user,
                owner=form.cleaned_data["owner"],
                name=data.pop("name"),
                summary=data.pop("summary"),
                **data,
            )
        # The admin goes on with ``obj`` (messages, redirect) and ``form.instance`` (many-to-many).
        obj.pk, obj.slug, obj.version, obj.state = saved.pk, saved.slug, saved.version, saved.state
        form.instance = saved

    def save_formset(self, request, form, formset, change):
        if formset.model is not Dependency:
            return super().save_formset(request, form, formset, change)
        platform = form.instance
        dependencies = formset.save(commit=False)
        for dependency in formset.deleted_objects:
            services.dependency_remove(actor=request.user, dependency=dependency)
        changed = {f.instance.pk: f.changed_data for f in formset.initial_forms if f.instance.pk}
        for dependency in dependencies:
            fields = changed.get(dependency.pk, [])
            if dependency.pk and "depends_on" not in fields:
                services.dependency_update(
                    actor=request.user,
                    dependency=dependency,
                    data={f: getattr(dependency, f) for f in fields if f != "id"},
                )
                continue
            if dependency.pk:  # pointed at another platform: a new dependency replaces it
                services.dependency_remove(actor=request.user, dependency=dependency)
            services.dependency_add(
                actor=request.user,
                platform=platform,
                depends_on=dependency.depends_on,
                kind=dependency.kind,
                description=dependency.description,
            )

    # The review buttons on the change form: save, then take the step (Django's own pattern for
    # "Save and continue editing").
    def response_change(self, request, obj):
        for button, service, verb in (
            ("_submit_for_review", services.platform_submit, "submitted for review"),
            ("_publish", services.platform_publish, "published"),
        ):
            if button in request.POST:
                done = service(actor=request.user, platform=obj)
                self.message_user(request, f"{done.name} was {verb}.", messages.SUCCESS)
                return HttpResponseRedirect(request.path)
        return super().response_change(request, obj)

    def delete_view(self, request, object_id, extra_context=None):
        # Say why before showing Django's list of protected rows: retiring is the way out.
        platform = self.get_object(request, unquote(object_id))
        refusal = platform and services.platform_deletion_refusal(platform)
        if refusal:
            self.message_user(request, refusal, messages.ERROR)
            return HttpResponseRedirect(
                reverse("admin:platforms_platform_change", args=[platform.pk])
            )
        return super().delete_view(request, object_id, extra_context)

    def delete_model(self, request, obj):
        services.platform_delete(actor=request.user, platform=obj)

    def delete_queryset(self, request, queryset):
        for platform in queryset:
            services.platform_delete(actor=request.user, platform=platform)

    @admin.action(description="Submit selected platforms for review")
    def submit_for_review(self, request, queryset):
        self.run_service(
            request,
            queryset,
            "Submitted",
            lambda p: services.platform_submit(actor=request.user, platform=p),
        )

    @admin.action(description="Publish selected platforms (reviewers)")
    def publish(self, request, queryset):
        self.run_service(
            request,
            queryset,
            "Published",
            lambda p: services.platform_publish(actor=request.user, platform=p),
        )

    @admin.action(description="Retire selected platforms")
    def retire(self, request, queryset):
        self.run_service(
            request,
            queryset,
            "Retired",
            lambda p: services.platform_retire(actor=request.user, platform=p),
        )

    def response_action(self, request, queryset):
        try:
            return super().response_action(request, queryset)
        except services.CatalogueError as error:
            self.message_user(request, error.message, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())


def _similar_entries(user, found: list[search.SimilarPlatform]) -> list[dict[str, Any]]:
    """The warning's entries: each a link to the platform, and for a retired or retiring one,
    what replaced it, when the user may see the replacement (one query for all of them)."""
    wanted = {s.platform.replaced_by_id for s in found if s.platform.replaced_by_id}
    replacements = (
        {p.pk: p for p in Platform.objects.visible_to(user).filter(pk__in=wanted)} if wanted else {}
    )
    return [_similar_json(s, replacements.get(s.platform.replaced_by_id)) for s in found]


def _similar_json(similar: search.SimilarPlatform, replacement: Platform | None) -> dict[str, Any]:
    platform = similar.platform
    return {
        "slug": platform.slug,
        "name": platform.name,
        "url": reverse("admin:platforms_platform_change", args=[platform.pk]),
        "owner": platform.owner.name,
        "phase": platform.get_phase_display(),
        "retired": platform.phase in Platform.RETIREMENT_PHASES,
        "replaced_by": (
            {
                "name": replacement.name,
                "url": reverse("admin:platforms_platform_change", args=[replacement.pk]),
            }
            if replacement
            else None
        ),
        "score": similar.score,
        "reasons": similar.reasons,
    }


# --- adoptions and dependencies --------------------------------------------------------------


class AdoptionForm(VersionedForm):
    stale_message = (
        "Someone else changed this adoption after you opened it. Reload the page and make your "
        "change again."
    )

    class Meta:
        model = Adoption
        exclude = ["version"]  # noqa: DJ006 - the form's own hidden field replaces it


class _Contains(IContains):
    """``column`` contains the word, whatever the case, as Django's ``icontains``; on
    PostgreSQL written ``column ILIKE '%word%'``, which a trigram index serves (``icontains``
    writes ``UPPER(column) LIKE UPPER('%word%')``, which none does)."""

    def as_postgresql(self, compiler, connection):
        lhs, lhs_params = Lookup.process_lhs(self, compiler, connection)  # no UPPER()
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} ILIKE {rhs}", (*lhs_params, *rhs_params)


class _AmongIds(Lookup):
    """``column`` is one of the ids the subquery selects. On PostgreSQL written
    ``column = ANY(ARRAY(subquery))``: the ids are read once, before the outer query, which can
    then look them up in the column's index and combine that with other indexed conditions
    (``IN (subquery)`` inside an OR is checked row by row, over every row)."""

    lookup_name = "among_ids"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} IN {rhs}", (*lhs_params, *rhs_params)

    def as_postgresql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY(ARRAY{rhs})", (*lhs_params, *rhs_params)


def _adoption_word_matches(word: str) -> Q:
    """The adoptions where ``word`` is in the platform's name, the organisation's name, the
    use case or the evidence's name (``AdoptionAdmin.search_fields``), matched without joining
    the adoptions to the platforms and organisations: the names are matched on their own
    tables (100,000 platforms, through their trigram index; a few thousand organisations),
    and the adoptions of the ids found read through the adoptions' indexes."""
    platforms = Platform.objects.filter(_Contains(F("name"), word)).order_by().values("pk")
    organisations = Organisation.objects.filter(_Contains(F("name"), word)).order_by().values("pk")
    return (
        Q(_AmongIds(F("platform_id"), platforms.query))
        | Q(_AmongIds(F("organisation_id"), organisations.query))
        | Q(_Contains(F("use_case"), word))
        | Q(_Contains(F("evidence_name"), word))
    )


class _DistinctValues:
    """The values of ``column`` among the rows of ``queryset``, in order, read lazily and once.

    Not a DISTINCT over every row (1,000,000 adoptions: 0.15 s, and 0.4 s for an editor, whose
    visibility joins each adoption to its platform) but a walk through the column's index from
    one value to the next (a recursive query: one index lookup per value), each value kept if
    ``queryset`` holds one row with it (the user's visibility rules, written by the ORM)."""

    def __init__(self, queryset: QuerySet, field):
        self.queryset, self.field = queryset, field
        self._values: list | None = None

    def __iter__(self):
        if self._values is None:
            self._values = self._read()
        return iter(self._values)

    def _read(self) -> list:
        connection = connections[self.queryset.db]
        table = connection.ops.quote_name(self.queryset.model._meta.db_table)
        column = connection.ops.quote_name(self.field.column)
        one_row = (
            self.queryset.filter(**{self.field.name: RawSQL("walk.value", [])})
            .order_by()
            .values("pk")[:1]
        )
        # A scalar subquery, not EXISTS: PostgreSQL turns an EXISTS into a join with every
        # visible adoption (0.5 s), but runs this once per value and stops at the first row.
        first, params = one_row.query.get_compiler(self.queryset.db).as_sql()
        sql = (
            "WITH RECURSIVE walk(value) AS ("  # noqa: S608 - names from the model, values as parameters
            f" SELECT MIN({column}) FROM {table}"
            f" UNION ALL SELECT (SELECT MIN({column}) FROM {table} WHERE {column} > walk.value)"
            " FROM walk WHERE walk.value IS NOT NULL)"
            f" SELECT value FROM walk WHERE value IS NOT NULL AND ({first}) IS NOT NULL"
            " ORDER BY value"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return [value for (value,) in cursor.fetchall()]


class EvidenceSourceFilter(admin.AllValuesFieldListFilter):
    """Django's filter on every value of the field, its values read by ``_DistinctValues``
    (the field is never empty: no "empty" choice to find)."""

    def __init__(self, field, request, params, model, model_admin, field_path):
        super().__init__(field, request, params, model, model_admin, field_path)
        self.lookup_choices = _DistinctValues(model_admin.get_queryset(request), field)


@admin.register(Adoption)
class AdoptionAdmin(OrganisationScopedAdmin, SimpleHistoryAdmin):
    """Every adoption of a platform the user can see (read-only unless their organisation is
    the consumer): the platform page links here, filtered to that platform."""

    form = AdoptionForm
    list_display = ["platform", "organisation", "status", "use_case", "evidence_source"]

    class Media:
        css = {"all": ["platforms/admin/adoption-list.css"]}

    list_filter = [
        AdoptionMineFilter,
        PlatformPicker,
        OrganisationPicker,
        "status",
        ("evidence_source", EvidenceSourceFilter),
    ]
    list_select_related = ["platform", "organisation"]
    search_fields = ["platform__name", "organisation__name", "use_case", "evidence_name"]
    autocomplete_fields = ["platform", "organisation"]
    readonly_fields = ["created_at", "updated_at"]
    actions = ["end_adoptions"]
    # A search counts at most this many adoptions (CappedSearchCountChangeList): above the
    # 12,623 of "notify" (GOV.UK Notify and its namesakes at 100,000 platforms), whose matches
    # lie beyond the window below and are sorted in full either way.
    search_count_limit = 20_000
    # Beyond it, a page is first looked for among the adoptions of the first platforms by name.
    search_window_platforms = 500

    def get_changelist(self, request, **kwargs):
        return CappedSearchCountChangeList

    def get_queryset(self, request):
        # The platform and the organisation name an adoption (its pages' titles, its history).
        return Adoption.objects.visible_to(request.user).select_related("platform", "organisation")

    def get_search_results(self, request, queryset, search_term):
        # The rows Django's search finds (every word in one of ``search_fields``, a quoted
        # phrase as one word), without its joins: at 1,000,000 adoptions Django's search runs
        # UPPER(...) LIKE over every adoption joined to its platform and organisation (2-3 s).
        # The user's visibility rules stay in ``queryset``, unchanged.
        words = []
        for bit in smart_split(search_term):
            if bit.startswith(('"', "'")) and bit[0] == bit[-1]:
                bit = unescape_string_literal(bit)
            words.append(bit)
        request._adoption_search = (queryset, words)  # for search_page_in_window
        for word in words:
            queryset = queryset.filter(_adoption_word_matches(word))
        return queryset, False

    def search_window(self) -> QuerySet:
        """The name of the last of the first ``search_window_platforms`` platforms by name."""
        first = self.search_window_platforms
        return Platform.objects.order_by("name").values("name")[first - 1 : first]

    def search_page_in_window(self, request, cutoff, bottom: int, top: int) -> list | None:
        """Rows ``bottom:top`` of a search that found more than ``search_count_limit``
        adoptions, looked for among the adoptions of the platforms named up to ``cutoff``
        only (the first ``search_window_platforms``, every platform of the same name with
        them); None when fewer than ``top`` of those match, so the changelist's own query
        (every match, sorted) gives the page.

        The rows and their order are those of the changelist's query: it orders by the
        platform's name first, so when the window holds ``top`` matches, no match beyond it
        (a platform named after ``cutoff``) can come before them. A word in 400,000 adoptions
        ("department") otherwise sorts every one of them for a page of 100 (1-2 s); here a few
        thousand are read and sorted (30-60 ms). The words are matched on the joined rows (the
        names are joined for the order anyway), the same fields and the same way as
        ``_adoption_word_matches``: the rows before the search come from
        ``get_search_results``, kept on the request."""
        found = getattr(request, "_adoption_search", None)
        if cutoff is None or found is None:
            return None
        queryset, words = found
        for word in words:
            queryset = queryset.filter(
                _Contains(F("platform__name"), word)
                | _Contains(F("organisation__name"), word)
                | _Contains(F("use_case"), word)
                | _Contains(F("evidence_name"), word)
            )
        # The window's adoptions read through the platform index (about 6,000 at 100,000
        # platforms: 30-60 ms whatever the word), not "platform name <= cutoff" on the join,
        # for which PostgreSQL may read every adoption and hash the window's platforms.
        window = Platform.objects.filter(name__lte=cutoff).order_by().values("pk")
        ordering = [*Adoption._meta.ordering, "-pk"]
        rows = list(
            queryset.filter(Q(_AmongIds(F("platform_id"), window.query))).order_by(*ordering)[
                bottom:top
            ]
        )
        return rows if len(rows) == top - bottom else None

    def get_ordering(self, request):
        ordering = super().get_ordering(request) or Adoption._meta.ordering
        if not request.GET.get(SEARCH_VAR):
            return ordering
        # The same order, but by the platform's name as an expression no index holds: else
        # PostgreSQL, expecting a few matches spread evenly, walks every platform in name
        # order through its index to fill the page (1.4 s for "notify"), instead of sorting
        # the rows found (12,623 in 0.1 s).
        return [
            Concat(F(name), Value("")) if name == "platform__name" else name for name in ordering
        ]

    def get_changeform_initial_data(self, request):
        # The platform comes from the "record an adoption" link; the organisation is the
        # user's own when they act for one only.
        initial = super().get_changeform_initial_data(request)
        own = list(Organisation.objects.editable_by(request.user)[:2])
        if len(own) == 1 and not request.user.is_superuser:
            initial.setdefault("organisation", own[0].pk)
        return initial

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "organisation":
            kwargs["queryset"] = Organisation.objects.editable_by(request.user)
        if db_field.name == "platform":
            kwargs["queryset"] = Platform.objects.visible_to(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def may_edit(self, user, obj) -> bool:
        return rules.can_edit_adoption(user, obj)

    def save_model(self, request, obj, form, change):
        data = {
            name: form.cleaned_data[name]
            for name in form.changed_data
            if name in services.ADOPTION_FIELDS
        }
        if change:
            saved = services.adoption_update(
                actor=request.user,
                adoption=obj,
                data=data,
                expected_version=form.cleaned_data.get("version"),
            )
        else:
            saved = services.adoption_record(
                actor=request.user,
                platform=form.cleaned_data["platform"],
                organisation=form.cleaned_data["organisation"],
                **data,
            )
        obj.pk, obj.version = saved.pk, saved.version
        form.instance = saved

    def delete_model(self, request, obj):
        services.adoption_delete(actor=request.user, adoption=obj)

    def delete_queryset(self, request, queryset):
        for adoption in queryset:
            services.adoption_delete(actor=request.user, adoption=adoption)

    @admin.action(description="End selected adoptions (stopped using the platform)")
    def end_adoptions(self, request, queryset):
        self.run_service(
            request,
            queryset,
            "Ended",
            lambda a: services.adoption_end(actor=request.user, adoption=a),
        )


@admin.register(Dependency)
class DependencyAdmin(OrganisationScopedAdmin, SimpleHistoryAdmin):
    """Which platform needs which, for every pair the user can see; changed by whoever may
    change the depending platform."""

    list_display = ["platform", "depends_on", "kind"]
    list_filter = [DependencyMineFilter, PlatformPicker, DependsOnPicker, "kind"]
    list_select_related = ["platform", "depends_on"]
    search_fields = ["platform__name", "depends_on__name"]
    autocomplete_fields = ["platform", "depends_on"]

    def get_queryset(self, request):
        # Both platforms name a dependency (its pages' titles, its history).
        return Dependency.objects.visible_to(request.user).select_related("platform", "depends_on")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "platform":
            kwargs["queryset"] = Platform.objects.editable_by(request.user)
        if db_field.name == "depends_on":
            kwargs["queryset"] = Platform.objects.visible_to(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def may_edit(self, user, obj) -> bool:
        return rules.can_edit_platform(user, obj.platform)

    def save_model(self, request, obj, form, change):
        if change:
            fields = {"kind", "description"} & set(form.changed_data)
            if "platform" in form.changed_data or "depends_on" in form.changed_data:
                raise services.InvalidData(
                    "To point at another platform, delete this dependency and add a new one."
                )
            services.dependency_update(
                actor=request.user,
                dependency=obj,
                data={name: form.cleaned_data[name] for name in fields},
            )
            return
        saved = services.dependency_add(
            actor=request.user,
            platform=form.cleaned_data["platform"],
            depends_on=form.cleaned_data["depends_on"],
            kind=form.cleaned_data["kind"],
            description=form.cleaned_data["description"],
        )
        obj.pk = saved.pk

    def delete_model(self, request, obj):
        services.dependency_remove(actor=request.user, dependency=obj)

    def delete_queryset(self, request, queryset):
        for dependency in queryset:
            services.dependency_remove(actor=request.user, dependency=dependency)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organisation", "role"]
    list_filter = ["role"]
    list_select_related = ["user", "organisation"]
    search_fields = ["user__username", "user__email", "organisation__name"]
    autocomplete_fields = ["user", "organisation"]

    def has_module_permission(self, request):
        return is_catalogue_admin(request)

    def has_view_permission(self, request, obj=None):
        return is_catalogue_admin(request)

    def has_add_permission(self, request):
        return is_catalogue_admin(request)

    def has_change_permission(self, request, obj=None):
        return is_catalogue_admin(request)

    def has_delete_permission(self, request, obj=None):
        return is_catalogue_admin(request)


class UserMembershipInline(KnownRelatedInlineMixin, admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["organisation"]
    known_fields = ("user", "organisation")


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class CatalogueUserAdmin(UserAdmin):
    """Catalogue administrators give users their organisations and roles here."""

    inlines = [*UserAdmin.inlines, UserMembershipInline]
