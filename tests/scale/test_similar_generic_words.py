"""Similar-platform detection on the real reference data does not fire on the words most records
share ("service", "platform", "GOV.UK", "department"): a new platform is offered what it is
really like (issue 9, item 6). Both backends, as CI runs the suite on SQLite and PostgreSQL."""

import pytest

from platforms import search


@pytest.mark.django_db
@pytest.mark.usefixtures("reference_catalogue")
class TestSimilarOnTheReferenceData:
    @staticmethod
    def found(**draft):
        return [match.platform.slug for match in search.similar(draft)]

    def test_a_text_message_service_is_offered_notify_not_sign_in(self):
        found = self.found(
            name="Department text message service",
            summary="Sends text messages to people about their applications.",
        )
        assert found[:2] and "govuk-notify" in found[:2], found
        assert "govuk-one-login" not in found
        assert "government-gateway" not in found

    def test_the_name_alone_finds_notify(self):
        found = self.found(name="Department text message service")
        assert "govuk-notify" in found, found
        assert "govuk-one-login" not in found
        assert "government-gateway" not in found

    @pytest.mark.parametrize(
        "name",
        ["Widget booking service", "Widget booking platform", "GOV.UK Widget booking service"],
    )
    def test_a_generic_word_in_the_name_is_no_reason(self, name):
        found = search.similar({"name": name, "summary": "Book a widget inspection."})
        assert "govuk-paas" not in [match.platform.slug for match in found]
        assert not any(
            reason.startswith("similar name") for match in found for reason in match.reasons
        ), [(m.platform.slug, m.reasons) for m in found]

    def test_a_real_name_likeness_is_still_a_reason(self):
        found = search.similar({"name": "Notify for councils", "summary": "Sends letters."})
        reasons = {match.platform.slug: match.reasons for match in found}
        assert "govuk-notify" in reasons, reasons
        assert any(r.startswith("similar name") for r in reasons["govuk-notify"])
