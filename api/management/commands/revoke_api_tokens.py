"""Revoke (delete) every API token of a user, e.g. when they leave or a token leaks."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from knox.models import AuthToken


class Command(BaseCommand):
    help = "Revoke every API token of a user."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username: str, **options):
        User = get_user_model()
        if not User.objects.filter(**{User.USERNAME_FIELD: username}).exists():
            raise CommandError(f"There is no user named {username!r}.")
        count, _ = AuthToken.objects.filter(**{f"user__{User.USERNAME_FIELD}": username}).delete()
        self.stdout.write(f"Revoked {count} token(s) of {username}.")
