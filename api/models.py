"""The API's own bookkeeping: how many requests each client has made in its current throttle
window (see ``api.security``). No domain data lives here."""

from django.db import models


class ThrottleCount(models.Model):
    """One client's requests in one throttle scope's current window, counted and renewed by one
    ``INSERT ... ON CONFLICT DO UPDATE ... RETURNING`` per request (``api.security``).

    A fixed window that starts at the client's first request: ``count`` requests until
    ``expires`` (seconds since the epoch), then a new window. On PostgreSQL the table is
    UNLOGGED (no write-ahead log, so a count costs no disk flush; it is emptied after a crash,
    which only forgives the counts in flight). Expired rows are pruned now and then."""

    key = models.CharField(max_length=255, primary_key=True)
    count = models.PositiveIntegerField()
    expires = models.FloatField(db_index=True)

    class Meta:
        db_table = "api_throttle_count"

    def __str__(self) -> str:
        return f"{self.key}: {self.count}"
