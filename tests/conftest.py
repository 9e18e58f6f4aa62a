from collections.abc import Iterator
from contextlib import contextmanager
from importlib import import_module
from io import StringIO

import pytest
from django.apps import apps as django_apps
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection, transaction
from pytest_django.plugin import blocking_manager_key
from rest_framework.test import APIClient

from platforms.reference import catalogue, loader, organisations
from platforms.reference.report import LoadReport
from tests.factories import OrganisationFactory

# Tests of one database's own machinery (the suite runs once on SQLite, once on PostgreSQL):
# ``@pytest.mark.postgres(reason=...)`` or ``@pytest.mark.sqlite(reason=...)`` on a test or as
# a module's ``pytestmark`` skips it on the other database, saying why.
ONLY_ON = {"postgres": "postgresql", "sqlite": "sqlite"}


def pytest_collection_modifyitems(items):
    for item in items:
        # schemathesis names each operation's test ("...[GET /api/v1/adoptions/]") but gives them
        # all the function's node id. pytest-xdist sends tests to its workers by node id, and would
        # run one operation of 61: each id is made whole.
        if "[" in item.name and not item.nodeid.endswith("]"):
            item._id = item.parent.id.child(item.name)
        for marker_name, vendor in ONLY_ON.items():
            marker = item.get_closest_marker(marker_name)
            if marker is not None and connection.vendor != vendor:
                reason = marker.kwargs.get("reason", f"needs {vendor}")
                item.add_marker(pytest.mark.skip(reason=f"{vendor} only: {reason}"))


def _empties_the_database(item) -> bool:
    """Whether ``item`` is a transactional test (pytest-django's own test of it), which Django
    ends by emptying every table."""
    marker = item.get_closest_marker("django_db")
    if marker is not None and (
        marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences")
    ):
        return True
    return bool({"transactional_db", "live_server"} & set(getattr(item, "fixturenames", ())))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """pytest-django runs the transactional tests, which end by emptying every table (the search
    synonyms the migrations seed included), after all the others; pytest-xdist, sending whole
    modules to its workers, does not keep that order, and a later test would search without
    them ("send text messages" found other platforms). They are seeded again after each such
    test, as a new database has them."""
    result = yield
    # The last test's teardown has dropped the test database too.
    if nextitem is not None and _empties_the_database(item):
        seed = import_module("platforms.migrations.0002_search")
        with item.config.stash[blocking_manager_key].unblock():
            seed.seed_synonyms(django_apps, None)
    return result


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _search_forgets_between_tests():
    """Search remembers synonyms and typo lookups for a few seconds: not across tests, whose
    rows are rolled back."""
    from platforms import search

    search.forget()
    yield
    search.forget()


@pytest.fixture
def api_client():
    return APIClient()


# The product counts throttled requests in the database cache (shared by every worker). Tests count
# in memory instead, so that the SQL query budgets measure the endpoints' own queries (the
# throttles' bookkeeping is a constant a few queries per request); tests/security/ runs the
# throttles on the database cache itself.
IN_MEMORY_CACHE = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


@pytest.fixture(autouse=True)
def _in_memory_cache(settings):
    settings.CACHES = IN_MEMORY_CACHE
    # Throttles and lockouts count requests in the cache: every test starts with the whole
    # allowance (emptied before, not after: a test may have moved the cache into its database).
    cache.clear()


@pytest.fixture(scope="module")
def reference_data(django_db_setup, django_db_blocker):
    """The real reference data, loaded once for a test module and rolled back after it."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("load_reference_data", stdout=StringIO())
        yield
        transaction.set_rollback(True)


def load_reference_catalogue() -> None:
    """The real organisations, capabilities, standards and platforms, through the same loader
    as ``manage.py load_reference_data`` (and so through the services, which index them). The
    adoption evidence is left out: search and the exports tested on it do not read it, and it
    takes most of the time."""
    data, report = loader.DEFAULT_DATA_DIR, LoadReport()
    register = organisations.read_register(data / loader.ORGANISATIONS_FILE)
    organisations.load_register(register, report)
    catalogue.load_capabilities(data / loader.CAPABILITIES_FILE, report)
    catalogue.load_standards(data / loader.STANDARDS_FILE, report)
    catalogue.load_platforms(data / loader.PLATFORMS_FILE, report)


@contextmanager
def reference_catalogue_loaded(django_db_blocker) -> Iterator[None]:
    """Load the reference catalogue once for a group of tests, and roll it back after them."""
    with django_db_blocker.unblock(), transaction.atomic():
        load_reference_catalogue()
        yield
        transaction.set_rollback(True)


@pytest.fixture(scope="class")
def reference_catalogue(django_db_setup, django_db_blocker):
    """``load_reference_catalogue`` once for a class of tests, rolled back after it."""
    with reference_catalogue_loaded(django_db_blocker):
        yield


# --- two organisations, an admin form posted back, an import -----------------------------------


@pytest.fixture
def org_a(db):
    return OrganisationFactory(name="Alpha Office", slug="alpha-office")


@pytest.fixture
def org_b(db):
    return OrganisationFactory(name="Beta Board", slug="beta-board")


def admin_form_data(response, **overrides) -> dict:
    """What the browser would post back from an admin add or change page: the form's current
    values plus the inline formsets' management forms, with ``overrides``."""
    data = {}
    form = response.context["adminform"].form
    for name in form.fields:
        value = form[name].value()
        if value is None:
            continue
        if isinstance(value, list | tuple):
            data[name] = [str(v) for v in value]
        elif isinstance(value, bool):
            if value:
                data[name] = "on"
        else:
            data[name] = str(value)
    for inline in response.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        for name in management.fields:
            data[f"{management.prefix}-{name}"] = management[name].value()
    data.update(overrides)
    return data


def admin_page_data(page) -> dict:
    """Everything an admin page's form would post back as it stands: the page's form (the
    admin's, or a plain one such as an action's), then each inline's management form and its
    existing rows, every field under its prefixed name (lists as lists, ticked boxes as "on",
    unticked and empty fields left out, as a browser does)."""
    data: dict = {}

    def add(form) -> None:
        for name in form.fields:
            value = form[name].value()
            if value is None or value is False:
                continue
            if isinstance(value, list | tuple):
                data[form.add_prefix(name)] = [str(v) for v in value]
            else:
                data[form.add_prefix(name)] = "on" if value is True else str(value)

    context = page.context
    add(context["adminform"].form if context.get("adminform") else context["form"])
    for inline in context.get("inline_admin_formsets", []):
        add(inline.formset.management_form)
        for form in inline.formset.initial_forms:
            add(form)
    return data


IMPORTS = "/api/v1/imports/"

# One Backstage component, "case-tracker", as a team's catalog-info.yaml describes it.
CATALOG_INFO = b"""apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: case-tracker
  description: Track casework across teams.
spec:
  type: service
  lifecycle: production
  owner: group:platform-team
"""


def upload(name: str = "catalog-info.yaml", content: bytes = CATALOG_INFO) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/yaml")


def post_import(client, files=None, **fields):
    """POST files to the import endpoint: a Backstage dry run for Alpha Office unless ``fields``
    say otherwise; ``CATALOG_INFO`` unless ``files`` are given."""
    data = {"format": "backstage", "owner": "alpha-office", **fields}
    data["file"] = files if files is not None else [upload()]
    return client.post(IMPORTS, data, format="multipart")
