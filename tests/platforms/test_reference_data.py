"""``manage.py load_reference_data`` with the real files in platforms/reference_data.

The load takes several seconds, so it runs once for the module, inside a transaction that is
rolled back at the end; each test then runs in its own savepoint, as usual.
"""

import datetime
import re
from io import StringIO

import pytest
import yaml
from django.apps import apps
from django.core.management import call_command
from django.db import transaction
from django.db.models.functions import Lower

from platforms import services
from platforms.models import Adoption, Dependency, Organisation, Platform
from platforms.reference import adoptions, loader
from platforms.reference.organisations import REGISTER_SOURCE

PAY_DATE = datetime.date(2026, 8, 3)


@pytest.fixture(scope="module")
def first_run(django_db_setup, django_db_blocker):
    """Load everything once; returns the command's output, with the full lists of names."""
    with django_db_blocker.unblock(), transaction.atomic():
        out = StringIO()
        call_command("load_reference_data", verbose=True, stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


@pytest.fixture(scope="module")
def platform_rows():
    path = loader.DEFAULT_DATA_DIR / loader.PLATFORMS_FILE
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def row_counts():
    return {
        model._meta.label: model.objects.count()
        for model in apps.get_app_config("platforms").get_models()
    }


def test_the_register_is_loaded_with_its_hierarchy(first_run, db):
    assert Organisation.objects.filter(source=REGISTER_SOURCE).count() == 1254
    added = Organisation.objects.filter(source__startswith="Named in GOV.UK")
    assert added.exists()
    assert Organisation.objects.count() == 1254 + added.count()

    dvla = Organisation.objects.get(slug="driver-and-vehicle-licensing-agency")
    assert dvla.kind == Organisation.Kind.EXECUTIVE_AGENCY
    assert dvla.parent.slug == "department-for-transport"
    assert (
        dvla.govuk_url
        == "https://www.gov.uk/government/organisations/driver-and-vehicle-licensing-agency"
    )
    # Several parents in the register: the first is kept.
    assert (
        Organisation.objects.get(slug="government-commercial-function").parent.slug
        == "civil-service"
    )
    # The one parent that is not in the register is left empty (and reported).
    assert Organisation.objects.get(slug="boundary-commission-for-scotland").parent is None
    assert "'scotland-office' is not in the register" in first_run
    # A title the snapshot holds as mis-decoded UTF-8 is repaired.
    assert Organisation.objects.filter(name="Treasury Solicitor’s Department").exists()


def test_a_closed_body_is_kept_with_its_successor(first_run, db):
    dit = Organisation.objects.get(slug="department-for-international-trade")
    assert dit.status == Organisation.Status.CLOSED
    assert dit.superseded_by.slug == "department-for-business-and-trade"
    # Only closed bodies get a successor: Natural Resources Wales is exempt, not superseded.
    assert Organisation.objects.get(slug="natural-resources-wales").superseded_by is None


def test_reference_platforms_are_published_with_their_owners(first_run, db, platform_rows):
    # The curated platforms, and the UK API catalogue's APIs whose provider is an organisation.
    assert Platform.objects.exclude(kind=Platform.Kind.API).count() == len(platform_rows)
    # 148 APIs have a matched provider; 3 of them (GOV.UK Notify, GOV.UK Pay, OS Places API) are
    # curated platforms already, so they are not loaded a second time.
    assert Platform.objects.filter(sources__contains="urn:uk-api-catalogue:").count() == 145
    names = list(Platform.objects.values_list("owner__slug", Lower("name")))
    assert len(names) == len(set(names)), "a platform is in the catalogue twice"
    for row in platform_rows:
        platform = Platform.objects.get(slug=row["slug"])
        assert platform.state == Platform.State.PUBLISHED
        assert platform.owner.slug == row["owner"]
        assert platform.sources.splitlines() == row["sources"]
        assert sorted(platform.capabilities.values_list("slug", flat=True)) == sorted(
            row["capabilities"]
        )
    verify = Platform.objects.get(slug="govuk-verify")
    assert verify.replaced_by.slug == "govuk-one-login"
    assert Dependency.objects.filter(
        platform__slug="govuk-forms", depends_on__slug="govuk-notify"
    ).exists()


def test_pay_and_notify_adoptions_come_from_the_evidence(first_run, db):
    pay = Adoption.objects.get(platform__slug="govuk-pay", organisation__slug="home-office")
    assert pay.status == Adoption.Status.IN_USE
    assert pay.evidence_source == adoptions.PAY_SOURCE
    assert pay.evidence_date == PAY_DATE
    assert pay.evidence_name == "Home Office; Home Office - ISC"
    assert pay.notes.startswith("5 live service(s) on GOV.UK Pay")

    notify = Adoption.objects.get(platform__slug="govuk-notify", organisation__slug="home-office")
    assert notify.status == Adoption.Status.IN_USE
    assert notify.evidence_date == datetime.date(2019, 4, 1)
    assert "ips.gsi.gov.uk" in notify.notes  # an alias of an alias of homeoffice.gov.uk

    # A closed body named by the evidence: recorded against its successor, spelling kept.
    dbt = Adoption.objects.get(
        platform__slug="govuk-notify", organisation__slug="department-for-business-and-trade"
    )
    assert dbt.evidence_name == "Department for International Trade"

    # Agreement not signed in 2019: exploring.
    met = Adoption.objects.get(platform__slug="govuk-notify", organisation__slug="met-office")
    assert met.status == Adoption.Status.EXPLORING
    assert "data-sharing agreement not signed as of 2019-04" in met.notes

    # A council named in both files is one organisation, added from the evidence.
    council = Organisation.objects.get(name="Aberdeenshire Council")
    assert council.kind == Organisation.Kind.LOCAL_AUTHORITY
    assert council.source == "Named in GOV.UK Pay performance data (2026-08)"
    assert set(council.adoptions.values_list("platform__slug", flat=True)) == {
        "govuk-pay",
        "govuk-notify",
    }

    # Several spellings of one police force: one adoption, services summed.
    cheshire = Adoption.objects.get(
        platform__slug="govuk-pay", organisation__name="Cheshire Constabulary"
    )
    assert cheshire.notes.startswith("5 live service(s)")

    assert "GOV.UK Pay performance data (2026-08-03): 623 names" in first_run
    assert "GOV.UK Notify domains list (2019-04): 1019 names" in first_run


@pytest.mark.parametrize(
    "name",
    ["Child Maintenance Group", "County Hall", "British Embassy Madrid", "DBS Mil Pers", "NHS"],
)
def test_no_adoption_for_an_unmatched_name(first_run, db, name):
    assert f"    {name!r}: " in first_run  # listed as unmatched
    assert not Organisation.objects.filter(name=name).exists()
    assert not any(
        name in spellings.split(adoptions.SPELLING_SEPARATOR)
        for spellings in Adoption.objects.values_list("evidence_name", flat=True)
    )


def test_a_second_run_changes_nothing_and_keeps_admin_edits(first_run, db):
    notify = Platform.objects.get(slug="govuk-notify")
    services.platform_update(actor=None, platform=notify, data={"summary": "Edited in the admin."})
    cabinet_office = Organisation.objects.get(slug="cabinet-office")
    cabinet_office.name = "Cabinet Office (edited)"
    cabinet_office.save()
    cheshire = Organisation.objects.get(name="Cheshire Constabulary")
    cheshire.name = "Cheshire Police force (edited)"
    cheshire.save()
    before = row_counts()

    out = StringIO()
    call_command("load_reference_data", stdout=out)

    assert row_counts() == before
    assert Platform.objects.get(slug="govuk-notify").summary == "Edited in the admin."
    assert Organisation.objects.get(slug="cabinet-office").name == "Cabinet Office (edited)"
    assert Organisation.objects.get(pk=cheshire.pk).name == "Cheshire Police force (edited)"
    report = out.getvalue()
    assert "GOV.UK organisations: 0 created, 0 filled in, 1254 unchanged" in report
    assert "Platforms: 0 created" in report
    assert "added as new organisations: 0" in report
    assert len(re.findall(r"adoptions: 0 created, \d+ unchanged", report)) == 2
