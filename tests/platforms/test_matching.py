"""Matching the adoption evidence's organisation names: the tricky real cases.

The index is built from the real register and alias table in platforms/reference_data, without a
database. The names are spelt as in the evidence files.
"""

import pytest

from platforms.models import Organisation
from platforms.reference import loader, organisations
from platforms.reference.matching import (
    ABBREVIATION,
    ALIAS,
    EXACT,
    NORMALISED,
    QUALIFIED,
    Candidate,
    OrganisationIndex,
    infer_kind,
    name_parts,
    normalise,
    resolve_successor,
)

Kind = Organisation.Kind


@pytest.fixture(scope="module")
def register():
    return organisations.read_register(loader.DEFAULT_DATA_DIR / loader.ORGANISATIONS_FILE)


@pytest.fixture
def index(register):
    aliases = loader.read_aliases(loader.DEFAULT_DATA_DIR / loader.ALIASES_FILE)
    return OrganisationIndex.build(
        [
            Candidate(
                slug=entry.slug,
                name=entry.name,
                abbreviation=entry.abbreviation,
                closed=entry.closed,
                superseded_by=entry.successor_slug,
            )
            for entry in register
        ],
        aliases=aliases["organisations"],
        same_body=aliases["same_body"],
        not_a_body=aliases["not_a_body"],
    )


# --- normalising -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("one", "other"),
    [
        # '&' and 'and', punctuation, case
        ("Animal & Plant Health Agency", "Animal and Plant Health Agency"),
        ("Ministry Of Justice", "Ministry of Justice"),
        # HTML entities, as in GOV.UK's scraped organisation list
        ("Department for Business &amp; Trade", "Department for Business and Trade"),
        (
            "Prime Minister&#39;s Office 10 Downing Street",
            "Prime Minister's Office, 10 Downing Street",
        ),
        # curly apostrophe, and "Her/His Majesty's" for "HM"
        ("Her Majesty’s Courts and Tribunals Service", "HM Courts & Tribunals Service"),
        ("His Majesty's Passport Office", "HM Passport Office"),
        # a leading "The"
        ("The National Archives", "National Archives"),
        # abbreviations the evidence writes both ways
        ("NHS Somerset ICB", "NHS Somerset Integrated Care Board"),
        ("Barnsley MBC", "Barnsley Metropolitan Borough Council"),
        ("PCC for Sussex", "Police and Crime Commissioner for Sussex"),
        ("240 Darlaston SQN RAFAC", "240 Darlaston Squadron RAFAC"),
        ("Defence Academy of the UK", "Defence Academy of the United Kingdom"),
        ("UK Shared Business Services", "UK Shared Business Services Ltd"),
        ("London Borough of Barnet", "Barnet London Borough Council"),
    ],
)
def test_normalise_makes_spellings_of_one_name_equal(one, other):
    assert normalise(one) == normalise(other)


def test_normalise_keeps_different_bodies_apart():
    assert normalise("Department for Education") != normalise("Department of Education")
    assert normalise("Dorset Council") != normalise("Dorset County Council")


def test_name_parts_split_qualifiers_but_not_places_in_brackets():
    assert name_parts("Driving and Vehicle Licensing Agency (DVLA)") == [
        "Driving and Vehicle Licensing Agency",
        "DVLA",
    ]
    assert name_parts("Driver and Vehicle Standards Agency – DVSA") == [
        "Driver and Vehicle Standards Agency",
        "DVSA",
    ]
    assert name_parts("152 (City of Hull) Squadron RAFAC") == ["152 Squadron RAFAC"]
    assert name_parts("Cabinet Office") == []


def test_register_titles_are_repaired():
    assert organisations.repair_mojibake("Treasury Solicitorâ\x80\x99s Department") == (
        "Treasury Solicitor’s Department"
    )
    assert organisations.repair_mojibake("Victoria ClimbiÃ© Inquiry") == "Victoria Climbié Inquiry"
    assert organisations.repair_mojibake("Cabinet Office") == "Cabinet Office"


# --- matching ----------------------------------------------------------------------------------


def test_exact_name(index):
    match = index.match("Cabinet Office")
    assert (match.method, match.slug, match.resolved) == (EXACT, "cabinet-office", "cabinet-office")


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Her Majesty’s Courts and Tribunals Service", "hm-courts-and-tribunals-service"),
        ("His Majesty's Passport Office", "hm-passport-office"),
        ("Animal & Plant Health Agency", "animal-and-plant-health-agency"),
        ("NHS Blood & Transplant", "nhs-blood-and-transplant"),
        ("Department for Business &amp; Trade", "department-for-business-and-trade"),
        ("Defence Academy of the UK", "defence-academy"),
    ],
)
def test_normalised_name(index, name, slug):
    match = index.match(name)
    assert (match.method, match.slug) == (NORMALISED, slug)


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("DVLA", "driver-and-vehicle-licensing-agency"),
        ("FCDO", "foreign-commonwealth-development-office"),
    ],
)
def test_abbreviation(index, name, slug):
    match = index.match(name)
    assert (match.method, match.slug) == (ABBREVIATION, slug)


def test_old_name_of_a_closed_body_resolves_to_its_live_successor(index):
    match = index.match("Department for International Trade")
    assert match.slug == "department-for-international-trade"
    assert match.resolved == "department-for-business-and-trade"

    # Two steps: Oil and Gas Authority was renamed North Sea Transition Authority.
    assert index.match("Oil and Gas Authority").resolved == "north-sea-transition-authority"


def test_alias_for_the_ministry_as_named_in_2019_follows_the_chain(index):
    # Notify (2019) -> MHCLG 2018-2021 (closed) -> DLUHC (closed) -> today's MHCLG.
    match = index.match("Ministry of Housing, Communities & Local Government")
    assert match.method == ALIAS
    assert match.slug == "ministry-of-housing-communities-and-local-government-2018-2021"
    assert match.resolved == "ministry-of-housing-communities-local-government"


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Vetinary Medicines Directorate", "veterinary-medicines-directorate"),
        ("Department of Health of Social Care", "department-of-health-and-social-care"),
        (
            "National Institute of Health and Care Excellence",
            "national-institute-for-clinical-excellence",
        ),
    ],
)
def test_typos_are_matched_through_the_alias_table(index, name, slug):
    match = index.match(name)
    assert (match.method, match.slug) == (ALIAS, slug)


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Driving and Vehicle Licensing Agency (DVLA)", "driver-and-vehicle-licensing-agency"),
        ("Home Office - ISC", "home-office"),
        ("Department for Communities (NI)", "department-for-communities-northern-ireland"),
        ("Cyfoeth Naturiol Cymru / Natural Resources Wales", "natural-resources-wales"),
    ],
)
def test_a_qualified_name_matches_through_one_of_its_parts(index, name, slug):
    match = index.match(name)
    assert (match.method, match.slug) == (QUALIFIED, slug)


def test_ambiguous_abbreviation_is_reported_not_guessed(index):
    match = index.match("GCA")
    assert match.ambiguous and not match.matched
    assert match.slugs == ("government-commercial-agency", "groceries-code-adjudicator")
    assert match.resolved is None


def test_a_closed_body_and_its_successor_sharing_a_name_are_not_ambiguous(index):
    # "ORR" is both the closed Office of Rail Regulation and its successor.
    match = index.match("ORR")
    assert match.matched and match.resolved == "office-of-rail-and-road"


def test_an_unplaceable_name_is_unmatched_with_candidates(index):
    match = index.match("Child Maintenance Group")
    assert not match.matched and not match.ambiguous
    assert infer_kind("Child Maintenance Group") is None
    closest = index.closest("Child Maintenance Group")
    assert 1 <= len(closest) <= 3
    assert "Child Maintenance and Enforcement Commission" in closest


def test_a_defence_unit_is_not_taken_for_the_disclosure_and_barring_service(index):
    # "DBS" here is Defence Business Services; the Disclosure and Barring Service is also "DBS".
    assert index.match("DBS").slug == "disclosure-and-barring-service"
    assert not index.match("DBS Mil Pers").slugs


def test_names_that_stand_for_no_single_body(index):
    assert index.names_no_single_body("NHS")
    assert not index.names_no_single_body("NHS England")


def test_same_body_spellings_find_the_body_once_added(index):
    # Neither spelling is in GOV.UK's register: the first adds the body under the name the alias
    # table gives, the second then finds it.
    assert not index.match("Cheshire Police").slugs
    assert index.canonical_name("Cheshire Police") == "Cheshire Constabulary"
    index.add(Candidate(slug="cheshire-constabulary", name="Cheshire Constabulary"))
    match = index.match("Cheshire Police")
    assert (match.method, match.slug) == (ALIAS, "cheshire-constabulary")
    assert index.match("Cheshire Constabulary").method == EXACT


def test_a_spelling_recorded_by_an_earlier_run_is_the_last_resort(index):
    index.add(Candidate(slug="gwent-police", name="Heddlu Gwent (renamed in the admin)"))
    index.add_recorded_spelling("Gwent Police", "gwent-police")
    assert index.match("Gwent Police").slug == "gwent-police"
    assert index.match("Heddlu Gwent Police").slug == "gwent-police"


def test_successor_chain_is_guarded_against_loops():
    candidates = {
        "a": Candidate(slug="a", name="A", closed=True, superseded_by="b"),
        "b": Candidate(slug="b", name="B", closed=True, superseded_by="a"),
        "c": Candidate(slug="c", name="C", closed=True, superseded_by="gone"),
    }
    assert resolve_successor("a", candidates) == "a"
    assert resolve_successor("c", candidates) == "c"


# --- kinds of body -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("Cumberland Council", Kind.LOCAL_AUTHORITY),
        ("Alsager Town Council", Kind.LOCAL_AUTHORITY),
        ("London Borough of Hackney", Kind.LOCAL_AUTHORITY),
        ("Barnsley MBC", Kind.LOCAL_AUTHORITY),
        ("York & North Yorkshire Combined Authority", Kind.LOCAL_AUTHORITY),
        ("East Sussex Fire and Rescue Service", Kind.LOCAL_AUTHORITY),
        ("Comhairle nan Eilean Siar", Kind.LOCAL_AUTHORITY),
        ("Essex Police", Kind.POLICE),
        ("City of London Police", Kind.POLICE),
        ("Norfolk Constabulary", Kind.POLICE),
        ("PCC for Surrey", Kind.POLICE),
        ("ACRO Criminal Records Office", Kind.POLICE),
        ("The Mayor’s Office for Policing and Crime", Kind.POLICE),
        ("Lewisham and Greenwich NHS Trust", Kind.HEALTH),
        ("NHS Devon ICB", Kind.HEALTH),
        ("University Hospitals Dorset NHS Foundation Trust", Kind.HEALTH),
        ("Aneurin Bevan University Health Board", Kind.HEALTH),
        ("1079 (Tiverton) Squadron, RAF Air Cadets", Kind.ARMED_FORCES),
        ("1895 (Cromer) Squadron Air Training Coprs", Kind.ARMED_FORCES),
        ("Royal Air Force Air Cadets - Buckinghamshire County", Kind.ARMED_FORCES),
        ("St Paul's School for Girls CCF (RAF)", Kind.ARMED_FORCES),
        ("Bolton Sixth Form College", Kind.EDUCATION),
        ("County Hall", None),
        ("The Farriers Registration Council", None),
        ("Kent Association of Local Councils", None),
        ("Scottish Social Service Council", None),
        ("Achieving for Children", None),
    ],
)
def test_infer_kind(name, kind):
    assert infer_kind(name) == kind
