"""The pattern PostgreSQL uses to drop the generic words from names before comparing them
(``text.GENERIC_PG``, written as a tree of shared beginnings for speed) drops exactly those
words: no more ("andy", "us" inside "bus"), no fewer ("councils", "a")."""

import re

import pytest
from django.db import connection

from platforms.models import Platform
from platforms.search import text

GENERIC = sorted(text.COMMON_WORDS | text.STOPWORDS)
# Every beginning of a generic word, and every generic word with a letter more, that is not
# itself generic: the words a wrong tree would take for generic ones.
BEGINNINGS = {word[:i] for word in GENERIC for i in range(1, len(word))}
LONGER = {word + letter for word in GENERIC for letter in "adesy"}
NEAR_MISSES = sorted((BEGINNINGS | LONGER) - set(GENERIC))


def python_form(pattern: str) -> re.Pattern:
    return re.compile(pattern.replace(r"\m", r"\b").replace(r"\M", r"\b"))


def test_the_pattern_matches_each_generic_word_whole():
    pattern = python_form(text.GENERIC_PG)
    assert [w for w in GENERIC if not pattern.fullmatch(w)] == []
    assert [w for w in NEAR_MISSES if pattern.fullmatch(w)] == []


def test_the_tree_of_a_few_words():
    assert text.alternation(["a", "an", "and", "any", "are"]) == "a(?:n(?:d|y)?|re)?"
    assert text.alternation(["service", "services"]) == "services?"
    assert text.alternation(["online"]) == "online"


def test_only_plain_words_make_a_pattern():
    with pytest.raises(ValueError, match="not a plain word"):
        text.alternation(["gov.uk"])
    with pytest.raises(ValueError, match="not a plain word"):
        text.alternation([""])


@pytest.mark.django_db
@pytest.mark.postgres(reason="regexp_replace with \\m and \\M is PostgreSQL's")
@pytest.mark.usefixtures("reference_catalogue")
def test_postgres_drops_the_same_words_as_the_plain_list():
    """Against the plain list of alternatives, on the reference data's names and on names
    made of generic words and their near misses side by side."""
    plain = r"\m(" + "|".join(GENERIC) + r")\M"
    names = list(Platform.objects.values_list("name", flat=True))
    names += [
        " ".join(GENERIC),
        " ".join(NEAR_MISSES),
        "GOV.UK Platform as a Service",
        "Bus-use: the user's own services, andy's councils",
    ]
    assert len(names) > 20
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT n, regexp_replace(lower(n), %s, ' ', 'g'),"
            " regexp_replace(lower(n), %s, ' ', 'g') FROM unnest(%s::text[]) AS n",
            [plain, text.GENERIC_PG, names],
        )
        rows = cursor.fetchall()
    assert [(n, new) for n, old, new in rows if old != new] == []
    stripped = {n: new for n, _old, new in rows}
    assert stripped["GOV.UK Platform as a Service"].split() == ["."]
    assert stripped["Bus-use: the user's own services, andy's councils"].split() == [
        "bus-",
        ":",
        "'s",
        "own",
        ",",
        "andy's",
    ]
