"""Create an API token for a user and print it once (only its digest is stored)."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from knox.models import AuthToken


class Command(BaseCommand):
    help = "Create an API token for a user and print it (it cannot be shown again)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help="Days until the token expires (default: API_TOKEN_TTL_DAYS).",
        )

    def handle(self, *args, username: str, days: int | None, **options):
        User = get_user_model()
        try:
            user = User.objects.get(**{User.USERNAME_FIELD: username})
        except User.DoesNotExist:
            raise CommandError(f"There is no user named {username!r}.") from None
        if days is not None and days < 1:
            raise CommandError("--days must be at least 1.")
        extra = {} if days is None else {"expiry": timedelta(days=days)}
        instance, token = AuthToken.objects.create(user, **extra)
        self.stdout.write(token)
        when = instance.expiry.isoformat() if instance.expiry else "never"
        self.stderr.write(f"Token for {username}, expires {when}. It is not stored: keep it now.")
