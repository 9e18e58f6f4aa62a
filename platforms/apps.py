from django.apps import AppConfig


class PlatformsConfig(AppConfig):
    name = "platforms"
    verbose_name = "Platform catalogue"

    def ready(self) -> None:
        from django.core.signals import request_started
        from django.db.models.signals import post_delete, post_save

        from platforms import search
        from platforms.models import Synonym
        from platforms.selectors import impact

        # Search remembers the synonyms for a few seconds: an edit applies at once here.
        def forget(**kwargs):
            search.forget()

        post_save.connect(forget, sender=Synonym, dispatch_uid="search_forget_synonyms_saved")
        post_delete.connect(forget, sender=Synonym, dispatch_uid="search_forget_synonyms_deleted")
        # And never from one request to the next: the memory only spares repeats within one.
        request_started.connect(forget, dispatch_uid="search_forget_per_request")
        # Impact analyses are kept until the next write that can change one.
        impact.connect_signals()

        # The figures kept for the insights follow every single-row write (issue 14).
        from platforms import insight_figures

        insight_figures.connect()
