from django.apps import AppConfig


class WebConfig(AppConfig):
    """The public catalogue pages, in the GOV.UK Design System."""

    name = "catalogue.web"
    label = "web"
    verbose_name = "Public catalogue pages"
