import pytest

from platforms.selectors import impact as impact_module


@pytest.fixture
def nothing_kept():
    """No impact analysis kept from another test, nor left for the next one (the version
    tokens replaced before and after)."""
    impact_module._publish_change()
    yield
    impact_module._publish_change()
