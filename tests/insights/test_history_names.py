"""Who changed a record: a username only for readers who know the people (administrators, the
person, members of the organisation they acted for); "an editor of <organisation>" for the rest."""

import pytest

from platforms import services
from platforms.models import Platform
from tests.factories import (
    AdminUserFactory,
    PublishedPlatformFactory,
    UserFactory,
    editor_of,
    reviewer_of,
)
from tests.insights.conftest import client_for, get_json

pytestmark = pytest.mark.django_db


@pytest.fixture
def changed(org_a):
    """A platform of Alpha Office registered by its editor, published by its reviewer, then
    changed by an administrator who belongs to no organisation."""
    editor = editor_of(org_a, user__username="alice.editor")
    reviewer = reviewer_of(org_a, user__username="rita.reviewer")
    platform = services.platform_register(
        actor=editor, owner=org_a, name="Pay", summary="Take payments.", slug="pay"
    )
    services.platform_submit(actor=editor, platform=platform)
    services.platform_publish(actor=reviewer, platform=Platform.objects.get(slug="pay"))
    admin = AdminUserFactory(username="root.admin")
    platform = Platform.objects.get(slug="pay")
    services.platform_update(actor=admin, platform=platform, data={"summary": "Payments."})
    return editor, reviewer, admin


def names(user):
    entries = get_json(client_for(user), "/api/v1/platforms/pay/history/")["results"]
    return [e["changed_by"] for e in entries]  # newest first


OUTSIDE = [
    "a catalogue administrator",
    "a reviewer of Alpha Office",
    "an editor of Alpha Office",
    "an editor of Alpha Office",
]


def test_anonymous_readers_and_other_organisations_read_roles_not_usernames(changed, org_b):
    assert names(None) == OUTSIDE
    assert names(editor_of(org_b)) == OUTSIDE
    assert names(UserFactory()) == OUTSIDE  # signed in, staff, but of no organisation


def test_colleagues_and_administrators_read_usernames(changed, org_a):
    editor, _reviewer, admin = changed
    colleagues = ["root.admin", "rita.reviewer", "alice.editor", "alice.editor"]
    assert names(editor_of(org_a)) == ["a catalogue administrator", *colleagues[1:]]
    assert names(AdminUserFactory()) == colleagues
    assert names(admin) == colleagues


def test_a_person_reads_their_own_name(changed, org_b):
    editor, _reviewer, _admin = changed
    editor.memberships.all().delete()  # has left Alpha Office since
    assert names(editor)[2:] == ["alice.editor", "alice.editor"]
    # Having left, to outsiders they are no one's editor any more.
    assert names(None)[2:] == ["a catalogue user", "a catalogue user"]


def test_an_adoption_names_the_consumers_editor(org_a, org_b):
    editor = editor_of(org_b, user__username="bob.editor")
    platform = PublishedPlatformFactory(slug="pay", owner=org_a)
    adoption = services.adoption_record(actor=editor, platform=platform, organisation=org_b)
    url = f"/api/v1/adoptions/{adoption.pk}/history/"
    assert get_json(client_for(None), url)["results"][0]["changed_by"] == "an editor of Beta Board"
    colleague = client_for(editor_of(org_b))
    assert get_json(colleague, url)["results"][0]["changed_by"] == "bob.editor"
    owner = client_for(editor_of(org_a))
    assert get_json(owner, url)["results"][0]["changed_by"] == "an editor of Beta Board"
