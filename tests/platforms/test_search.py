"""Search, as an architect meets it: plain words, typos, synonyms, facets. The same tests run on
SQLite (the portable backend) and PostgreSQL (full text + trigrams); CI runs both."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.urls import reverse

from platforms import search, services
from platforms.models import Platform, Synonym
from platforms.search.portable import PortableSearchBackend
from platforms.search.text import expansions_for, stem, terms

# tests/api/test_similar_api.py still imports it from here (another branch's file).
from tests.conftest import reference_catalogue_loaded  # noqa: F401
from tests.factories import (
    AdminUserFactory,
    CapabilityFactory,
    DraftPlatformFactory,
    OrganisationFactory,
    PublishedPlatformFactory,
    StandardFactory,
    editor_of,
)


def slugs(queryset, n=None):
    return [p.slug for p in queryset[:n]]


def platform(name, summary="A shared component.", **fields):
    """A published platform, indexed as the services would index it."""
    created = PublishedPlatformFactory(name=name, summary=summary, **fields)
    search.reindex(created)
    return created


# --- words -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("word", "stemmed"),
    [
        ("payments", "payment"),
        ("payment", "payment"),
        ("messages", "messag"),
        ("message", "messag"),
        ("hosting", "host"),
        ("hosted", "host"),
        ("services", "servic"),
        ("identities", "identity"),
        ("sms", "sms"),
    ],
)
def test_the_light_stemmer_meets_plurals_and_endings(word, stemmed):
    assert stem(word) == stemmed


def test_dotted_names_are_also_words_joined_up():
    assert set(terms("GOV.UK Notify")) >= {"gov", "uk", "govuk", "notify"}


def test_a_synonym_applies_when_its_words_appear_in_order():
    synonyms = [("card payment", ["payments"]), ("sms", ["text message"]), ("pay", ["payments"])]
    assert expansions_for("take card payments", synonyms) == ["payments"]
    assert expansions_for("send an SMS", synonyms) == ["text message"]
    assert expansions_for("payment card", synonyms) == []


# --- the backend -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_backend_follows_the_database():
    backend = search.get_backend()
    assert backend is search.get_backend()
    if connection.vendor == "postgresql":
        assert backend.vendor == "postgresql"
    else:
        assert isinstance(backend, PortableSearchBackend)


@pytest.mark.django_db
def test_the_migration_seeds_general_synonyms():
    assert Synonym.objects.get(term="sms").expansion_list == ["text message"]
    assert "sign in" in Synonym.objects.get(term="login").expansion_list


@pytest.mark.django_db
def test_an_empty_query_returns_the_queryset_unranked():
    platform("GOV.UK Pay")
    platform("GOV.UK Notify")
    result = search.search(Platform.objects.order_by("name"), "   ")
    assert [(p.name, p.score) for p in result] == [("GOV.UK Notify", 0.0), ("GOV.UK Pay", 0.0)]


@pytest.mark.django_db
def test_a_name_match_ranks_above_a_description_match():
    platform("Payments hub", summary="Take card payments.")
    platform("Letters", summary="Print letters.", description="Payments for postage are invoiced.")
    result = search.search(Platform.objects.all(), "payments")
    assert [p.name for p in result] == ["Payments hub", "Letters"]
    assert result[0].score > result[1].score > 0


@pytest.mark.django_db
def test_stemming_finds_payments_for_payment():
    platform("Collect", summary="Take card payments online.")
    platform("Unrelated", summary="Host websites.")
    assert [p.name for p in search.search(Platform.objects.all(), "payment")] == ["Collect"]


@pytest.mark.django_db
def test_a_typo_in_a_name_still_finds_it():
    platform("GOV.UK Notify", summary="Send emails and letters.")
    platform("GOV.UK Pay", summary="Take payments.")
    assert slugs(search.search(Platform.objects.all(), "notfy"), 1) == [
        Platform.objects.get(name="GOV.UK Notify").slug
    ]


@pytest.mark.django_db
def test_the_query_is_expanded_with_the_synonyms_in_the_admin():
    platform("Gadget store", summary="Keeps gadgets.")
    assert not search.search(Platform.objects.all(), "widget").exists()
    Synonym.objects.create(term="widget", expansions="gadget")
    assert [p.name for p in search.search(Platform.objects.all(), "widget")] == ["Gadget store"]


@pytest.mark.django_db
def test_a_long_plain_words_query_falls_back_to_any_of_its_words():
    platform("Messenger", summary="Send messages to residents.")
    platform("Cashier", summary="Take card payments.")
    # No record holds every word ("citizens", "quickly"): the ones holding some still come back.
    result = search.search(Platform.objects.all(), "send messages to citizens quickly")
    assert slugs(result, 1) == [Platform.objects.get(name="Messenger").slug]


@pytest.mark.django_db
def test_search_stays_inside_the_queryset_it_is_given():
    platform("Payments hub", summary="Take card payments.")
    draft = DraftPlatformFactory(name="Payments draft", summary="Take card payments too.")
    search.reindex(draft)
    everyone = Platform.objects.visible_to(AnonymousUser())
    assert [p.name for p in search.search(Platform.objects.published(), "payments")] == [
        "Payments hub"
    ]
    assert "Payments draft" not in [p.name for p in search.search(everyone, "payments")]


@pytest.mark.django_db
def test_the_services_keep_the_index_current():
    owner = OrganisationFactory()
    created = services.platform_register(
        actor=None, owner=owner, name="Courier", summary="Moves parcels.", state="published"
    )
    assert [p.name for p in search.search(Platform.objects.all(), "parcels")] == ["Courier"]
    services.platform_update(
        actor=None,
        platform=created,
        data={"summary": "Sends invoices.", "capabilities": [CapabilityFactory(name="Billing")]},
    )
    assert not search.search(Platform.objects.all(), "parcels").exists()
    assert [p.name for p in search.search(Platform.objects.all(), "billing")] == ["Courier"]
    # A later transition saves the row again: the document must survive it.
    services.platform_retire(actor=None, platform=created)
    assert [p.name for p in search.search(Platform.objects.all(), "invoices")] == ["Courier"]


@pytest.mark.django_db
def test_facets_count_the_matches_in_a_bounded_number_of_queries(django_assert_max_num_queries):
    payments, forms = CapabilityFactory(name="Payments"), CapabilityFactory(name="Forms")
    oauth = StandardFactory(name="OAuth 2.0")
    gds = OrganisationFactory(name="Government Digital Service")
    for n in range(6):
        p = platform(f"Payments {n}", owner=gds, is_open_source=n % 2 == 0)
        p.capabilities.set([payments, forms] if n < 2 else [payments])
        p.standards.set([oauth] if n == 0 else [])
    platform("Hosting", summary="Runs services.")
    search.reindex(Platform.objects.all())
    result = search.search(Platform.objects.all(), "payments")
    list(result)
    # The matched ids once, the five counts over them (PostgreSQL counted them while ranking).
    with django_assert_max_num_queries(1):
        facets = search.facets(result)
    assert facets["capability"] == [
        {"value": payments.slug, "label": "Payments", "count": 6},
        {"value": forms.slug, "label": "Forms", "count": 2},
    ]
    assert facets["owner"] == [{"value": gds.slug, "label": gds.name, "count": 6}]
    assert facets["phase"] == [{"value": "live", "label": "Live", "count": 6}]
    assert facets["standard"] == [{"value": oauth.slug, "label": "OAuth 2.0", "count": 1}]
    assert {r["value"]: r["count"] for r in facets["open_source"]} == {True: 3, False: 3}


@pytest.mark.django_db
def test_highlight_marks_matched_words_and_escapes_the_rest():
    p = platform("Messenger", summary='Send <script>alert("x")</script> text messages & letters.')
    html = search.highlight(p, "message")
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert "<mark>messages</mark>" in html
    assert "&amp;" in html
    assert search.highlights([p], "nothing-matches")[p.pk].count("<mark>") == 0


# --- the admin ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_admin_changelist_ranks_by_the_search_backend(client):
    owner = OrganisationFactory()
    client.force_login(editor_of(owner))
    platform("Letters", summary="Print letters.", description="Payments are invoiced.", owner=owner)
    platform("Payments hub", summary="Take card payments.", owner=owner)
    platform("Payments elsewhere", summary="Take card payments.")  # not the editor's
    # Editors browse the whole catalogue; "My organisation's" narrows it to theirs.
    response = client.get(
        reverse("admin:platforms_platform_changelist"), {"q": "payments", "whose": "mine"}
    )
    assert response.status_code == 200
    assert [p.name for p in response.context["cl"].result_list] == ["Payments hub", "Letters"]


@pytest.mark.django_db
def test_catalogue_administrators_edit_synonyms_in_the_admin(client):
    client.force_login(AdminUserFactory())
    response = client.post(
        reverse("admin:platforms_synonym_add"), {"term": "widget", "expansions": "gadget"}
    )
    assert response.status_code == 302
    assert Synonym.objects.get(term="widget").expansion_list == ["gadget"]


# --- relevance on the real reference data ------------------------------------------------------

RELEVANCE = [
    # (query, slug, must be within the first n results)
    ("send text messages to citizens", "govuk-notify", 3),
    ("sms", "govuk-notify", 2),
    ("email and letters", "govuk-notify", 2),
    ("notfy", "govuk-notify", 1),
    ("govuk notify", "govuk-notify", 1),
    ("take card payments", "govuk-pay", 1),
    ("payment", "govuk-pay", 1),
    ("refunds", "govuk-pay", 1),
    ("gov pay", "govuk-pay", 1),
    ("sign in for the public", "govuk-one-login", 3),
    ("login", "govuk-one-login", 1),
    ("single sign on", "govuk-one-login", 2),
    ("prove identity", "govuk-one-login", 2),
    ("online forms", "govuk-forms", 1),
    ("replace pdf forms", "govuk-forms", 1),
    ("design system", "govuk-design-system", 1),
    ("accessible components and patterns", "govuk-design-system", 2),
    ("prototype", "govuk-prototype-kit", 1),
    ("postcode address lookup", "os-places-api", 1),
    ("uprn", "os-places-api", 1),
    ("kubernetes hosting", "moj-cloud-platform", 2),
    ("paas", "govuk-paas", 1),
    ("data centre", "crown-hosting", 1),
    ("publish guidance on gov.uk", "govuk-publishing-platform", 2),
    ("hmrc tax platform", "hmrc-mdtp", 2),
    ("patient messaging", "nhs-notify", 1),
]


@pytest.mark.django_db
@pytest.mark.usefixtures("reference_catalogue")
class TestRelevanceOnTheReferenceData:
    @pytest.mark.parametrize(("query", "slug", "within"), RELEVANCE)
    def test_the_right_platform_comes_first(self, query, slug, within):
        found = slugs(search.search(Platform.objects.published(), query), within)
        assert slug in found, f"{query!r}: expected {slug} in the first {within}, got {found}"

    def test_retired_platforms_are_found_too(self):
        found = slugs(search.search(Platform.objects.published(), "verify identity"), 3)
        assert "govuk-verify" in found

    def test_facets_follow_the_query(self):
        facets = search.facets(search.search(Platform.objects.published(), "hosting"))
        capabilities = {row["value"]: row["count"] for row in facets["capability"]}
        assert capabilities["hosting"] >= 4
        assert "payments" not in capabilities
        assert {row["value"] for row in facets["phase"]} >= {"live", "retired"}

    def test_highlights_mark_the_words_searched_for(self):
        notify = Platform.objects.get(slug="govuk-notify")
        assert "<mark>text</mark> <mark>messages</mark>" in search.highlight(
            notify, "text messages"
        )
