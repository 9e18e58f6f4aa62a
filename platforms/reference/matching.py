"""Matching the free-text organisation names in adoption evidence to organisations.

Pure functions and one small index class: nothing here touches the database, so every rule can be
pinned by a unit test with real names from the evidence.

A name is looked up in tiers, and the first tier that answers wins:

1. ``exact``: the name as spelt is an organisation's name.
2. ``alias``: the maintained alias table names the organisation. An alias is a person's decision,
   so it comes before the heuristics below.
3. ``normalised``: the names are equal after :func:`normalise` (case, punctuation, ``&``, HTML
   entities, "Her Majesty's", a leading "The", common abbreviations such as ICB or PCC...).
4. ``abbreviation``: the name is an organisation's abbreviation ("DVLA", "FCDO").
5. ``qualified``: the name carries a qualifier (a bracketed abbreviation, a " - unit" suffix, a
   bilingual " / " name) and one of its parts, in the order written, matches by one of the tiers
   above, e.g. "Driving and Vehicle Licensing Agency (DVLA)" or "Home Office - ISC"; or the name
   is an organisation's name without its bracketed qualifier ("Department for Communities" for
   "Department for Communities (Northern Ireland)").

Last of all, a spelling that an earlier run recorded in an adoption still finds the organisation
it was matched to (reported as ``exact``), so that a body renamed in the admin is not added again.

A tier that finds several organisations does not pick one: the name is *ambiguous*, unless every
candidate leads to the same live successor (e.g. "ORR", the abbreviation of both the closed Office
of Rail Regulation and its successor, the Office of Rail and Road). :func:`closest` lists the
nearest names for a report, using ``difflib``; it never matches anything by itself.
"""

from __future__ import annotations

import difflib
import functools
import html
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from platforms.models import Organisation

Kind = Organisation.Kind

EXACT = "exact"
ALIAS = "alias"
NORMALISED = "normalised"
ABBREVIATION = "abbreviation"
QUALIFIED = "qualified"

# --- normalising -------------------------------------------------------------------------------

_QUOTES = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201b": "'",
        "\u2032": "'",
        "`": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2010": "-",
        "\u2011": "-",
    }
)

# Phrases the evidence writes in more than one way, each mapped to one form: "Her Majesty's Courts
# and Tribunals Service" and "HM Courts & Tribunals Service" are one name. Applied in order, on the
# lower-cased text with punctuation already removed ("H.M. Customs and Excise" is then "h m").
_PHRASES: tuple[tuple[str, str], ...] = (
    (r"\b(?:her|his) majestys\b", "hm"),
    (r"\bh m\b", "hm"),
    (r"\bpolice and crime commissioner\b", "pcc"),
    (r"\bintegrated care board\b", "icb"),
    (r"\bcommissioning support unit\b", "csu"),
    (r"\bclinical commissioning group\b", "ccg"),
    (r"\bunited kingdom\b", "uk"),
    (r"\broyal air ?force\b", "raf"),
    (r"\bnhs ?ft\b", "nhs foundation trust"),
    (r"\bnhsft\b", "nhs foundation trust"),
    # "London Borough of Barnet" and "Barnet London Borough Council" are one council.
    (r"^london borough of (.+?)(?: council)?$", r"\1 london borough council"),
    # "UK Shared Business Services Ltd" is the company "UK Shared Business Services".
    (r"\s(?:limited|plc)$", ""),
)
# Single words with one obvious long form.
_WORDS = {
    "sqn": "squadron",
    "dept": "department",
    "govt": "government",
    "ltd": "limited",
    "mbc": "metropolitan borough council",
}


def _fold(text: str) -> str:
    """Unescape HTML, straighten quotes and dashes, drop accents and case."""
    text = html.unescape(text)
    text = text.translate(_QUOTES)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return text.casefold()


@functools.lru_cache(maxsize=8192)
def normalise(name: str) -> str:
    """The key two spellings of one organisation's name have in common.

    >>> normalise("Her Majesty’s Courts and Tribunals Service")
    'hm courts and tribunals service'
    >>> normalise("HM Courts &amp; Tribunals Service")
    'hm courts and tribunals service'
    """
    text = _fold(name)
    text = text.replace("&", " and ")
    text = text.replace("'", "")  # "Majesty's" -> "majestys", "Guy's" -> "guys"
    text = re.sub(r"[^\w\s]", " ", text)
    text = " ".join(_WORDS.get(word, word) for word in text.split())
    for pattern, replacement in _PHRASES:
        text = re.sub(pattern, replacement, text)
    text = re.sub(r"^the\s+", "", text)
    return " ".join(text.split())


_PARENTHESES = re.compile(r"\s*\(([^)]*)\)\s*")
_SEPARATORS = re.compile(r"\s+[-\u2013\u2014~/]\s+")


def name_parts(name: str) -> list[str]:
    """The parts of a name that carries a qualifier, in the order written; ``[]`` if it has none.

    "Driving and Vehicle Licensing Agency (DVLA)" -> the name without the brackets, then "DVLA";
    "Home Office - ISC" -> "Home Office", "ISC"; "Cyfoeth Naturiol Cymru / Natural Resources
    Wales" -> both languages. Only a one-word bracket (an abbreviation) counts as a part: "152 (City
    of Hull) Squadron" is a squadron, not the city.
    """
    text = name.strip()
    if _PARENTHESES.search(text):
        inner = [part for part in _PARENTHESES.findall(text) if len(part.split()) == 1]
        parts = [_PARENTHESES.sub(" ", text), *inner]
    elif _SEPARATORS.search(text):
        parts = _SEPARATORS.split(text)
    else:
        return []
    return [" ".join(part.split()) for part in parts if part.strip()]


def without_qualifiers(name: str) -> str:
    """An organisation's name without a bracketed qualifier: "Department for Communities
    (Northern Ireland)" -> "Department for Communities"."""
    return _PARENTHESES.sub(" ", name).strip()


# --- kinds of body the evidence names ----------------------------------------------------------

# Checked in this order: the first kind whose pattern matches wins. Cadet units come first
# ("St Paul's School for Girls CCF (RAF)" is a cadet force, "RAF Air Cadets - Buckinghamshire
# County" is not a county), then the police ("City of London Police", "Police, Fire and Crime
# Commissioner"), then health ("University Hospitals ..." are NHS trusts, not universities).
_KIND_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        Kind.ARMED_FORCES,
        re.compile(
            r"\bsquadron\b|\bcadets?\b|\batc\b|\brafac\b|\bair training co(?:rps|prs)\b|\bacf\b"
            r"|\bccf\b|\braf\b|\bgliding\b|\barmy\b|\broyal navy\b"
        ),
    ),
    (
        Kind.POLICE,
        re.compile(
            r"\bpolice\b|\bpolicing\b|\bconstabular(?:y|ies)\b|\bpcc\b|\bcriminal records office\b"
        ),
    ),
    (
        Kind.HEALTH,
        re.compile(
            r"\bnhs\b|\bhospitals?\b|\bhealth board\b|\bhealthcare\b|\bhealth and care\b"
            r"|\bccg\b|\bicb\b|\bics\b|\bcsu\b|\bambulance\b|\bfoundation trust\b"
        ),
    ),
    (
        Kind.EDUCATION,
        re.compile(r"\bschools?\b|\bcolleges?\b|\buniversit(?:y|ies)\b|\bacademy\b"),
    ),
    (
        Kind.LOCAL_AUTHORITY,
        re.compile(
            # Councils: "Cornwall Council", "Bracknell Town Council", "London Councils"; the
            # Gaelic and Welsh words too. Fire and rescue authorities are local authorities in law.
            r"\bcouncils?\b|\bcomhairle\b|\bcyngor\b|\bboroughs?\b|\bcounty council\b"
            r"|\bcombined authority\b|^city of\b|\bfire and rescue\b|\bfire service\b"
            r"|\bfire brigade\b"
        ),
    ),
)
# A "council" that is a regulator, a professional body or an association of councils, not a local
# authority: its kind cannot be told from its name.
_NOT_LOCAL_AUTHORITY = re.compile(
    r"\b(?:association|associations|registration|social services?|arts|research|science"
    r"|sports?|advisory|medical|nursing|professions|standards|safety|funding|consumer)\b"
)


def infer_kind(name: str) -> str | None:
    """The kind of body a name shows, or ``None`` when the name alone does not say.

    Only used for bodies the evidence names that are not in GOV.UK's register (councils, police
    forces, NHS trusts, cadet squadrons, colleges).
    """
    key = normalise(name)
    for kind, pattern in _KIND_PATTERNS:
        if pattern.search(key):
            if kind == Kind.LOCAL_AUTHORITY and _NOT_LOCAL_AUTHORITY.search(key):
                return None
            return kind
    return None


# --- the index -------------------------------------------------------------------------------

# Words too common in organisation names to say which names are alike.
_COMMON_WORDS_TEXT = (
    "the of and for in on a uk hm nhs council councils town parish district borough county city"
    " community metropolitan london royal office department service services agency authority"
    " commission committee board trust foundation police"
)
_COMMON_WORDS = frozenset(_COMMON_WORDS_TEXT.split())


@dataclass(frozen=True)
class Candidate:
    """What the index knows about one organisation."""

    slug: str
    name: str
    abbreviation: str = ""
    closed: bool = False
    superseded_by: str | None = None
    # Other spellings known to mean this organisation (e.g. its GOV.UK title, if it was renamed).
    spellings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Match:
    """The answer for one name: how it matched and the slug(s) it matched.

    ``slugs`` is empty when nothing matched and holds several when the name is ambiguous.
    ``resolved`` is the organisation an adoption should be recorded against: the live successor of
    a closed body, when there is one.
    """

    name: str
    method: str | None = None
    slugs: tuple[str, ...] = ()
    resolved: str | None = None
    via: str = ""  # the alias target or the name part that matched, for the report

    @property
    def matched(self) -> bool:
        return len(self.slugs) == 1

    @property
    def ambiguous(self) -> bool:
        return len(self.slugs) > 1

    @property
    def slug(self) -> str | None:
        return self.slugs[0] if self.matched else None


def resolve_successor(slug: str, candidates: Mapping[str, Candidate]) -> str:
    """Follow ``superseded_by`` from a closed body to the first live one.

    Returns ``slug`` itself when the body is live, or when the chain never reaches a live body (it
    ends at a closed body with no known successor, leaves the register, or loops back on itself).
    """
    seen = {slug}
    current = candidates.get(slug)
    while current is not None and current.closed and current.superseded_by:
        nxt = current.superseded_by
        if nxt in seen:  # a loop in the register: keep the body the evidence named
            return slug
        seen.add(nxt)
        current = candidates.get(nxt)
        if current is not None and not current.closed:
            return current.slug
    return slug


@dataclass
class OrganisationIndex:
    """Names, abbreviations and aliases of organisations, for looking up the evidence's names.

    ``aliases`` maps an evidence spelling to an organisation's slug; ``same_body`` maps a spelling
    to another spelling of the same body (for bodies not in GOV.UK's register, which have no slug
    until the loader adds them); ``not_a_body`` lists names that stand for no single body ("NHS").
    """

    aliases: Mapping[str, str] = field(default_factory=dict)
    same_body: Mapping[str, str] = field(default_factory=dict)
    not_a_body: Iterable[str] = ()
    candidates: dict[str, Candidate] = field(default_factory=dict)
    _exact: dict[str, set[str]] = field(default_factory=dict)
    _normalised: dict[str, set[str]] = field(default_factory=dict)
    _abbreviations: dict[str, set[str]] = field(default_factory=dict)
    _qualified: dict[str, set[str]] = field(default_factory=dict)
    _recorded: dict[str, set[str]] = field(default_factory=dict)
    _display: dict[str, str] = field(default_factory=dict)  # normalised name -> name, for closest
    _by_word: dict[str, set[str]] = field(default_factory=dict)  # word -> normalised names

    def __post_init__(self) -> None:
        self._alias_keys = {normalise(k): v for k, v in self.aliases.items()}
        self._same_body_keys = {normalise(k): v for k, v in self.same_body.items()}
        self._not_a_body = {normalise(name) for name in self.not_a_body}

    @classmethod
    def build(
        cls,
        candidates: Iterable[Candidate],
        *,
        aliases: Mapping[str, str] | None = None,
        same_body: Mapping[str, str] | None = None,
        not_a_body: Iterable[str] = (),
    ) -> OrganisationIndex:
        index = cls(
            aliases=dict(aliases or {}), same_body=dict(same_body or {}), not_a_body=not_a_body
        )
        for candidate in candidates:
            index.add(candidate)
        return index

    def add(self, candidate: Candidate) -> None:
        """Add an organisation, e.g. one the loader has just created."""
        self.candidates[candidate.slug] = candidate
        key = normalise(candidate.name)
        self._display.setdefault(key, candidate.name)
        for word in set(key.split()) - _COMMON_WORDS:
            self._by_word.setdefault(word, set()).add(key)
        for spelling in (candidate.name, *candidate.spellings):
            self._exact.setdefault(spelling.strip(), set()).add(candidate.slug)
            self._normalised.setdefault(normalise(spelling), set()).add(candidate.slug)
            stripped = normalise(without_qualifiers(spelling))
            self._qualified.setdefault(stripped, set()).add(candidate.slug)
        if candidate.abbreviation:
            self._abbreviations.setdefault(normalise(candidate.abbreviation), set()).add(
                candidate.slug
            )

    def add_recorded_spelling(self, spelling: str, slug: str) -> None:
        """Remember that an earlier run matched this spelling to ``slug``: the last resort, so
        that a body renamed in the admin since is still found."""
        self._recorded.setdefault(spelling.strip(), set()).add(slug)

    def names_no_single_body(self, name: str) -> bool:
        return normalise(name) in self._not_a_body

    # -- looking up

    def match(self, name: str) -> Match:
        """Look ``name`` up, tier by tier (see the module docstring)."""
        name = name.strip()
        if hits := self._exact.get(name):
            return self._answer(name, EXACT, hits)
        key = normalise(name)
        if (slug := self._alias_keys.get(key)) and slug in self.candidates:
            return self._answer(name, ALIAS, {slug}, via=slug)
        if target := self._same_body_keys.get(key):
            # The body goes by ``target``: look for that, and only that, below.
            tier, hits = self._find(target)
            if hits:
                return self._answer(name, ALIAS, hits, via=target)
        else:
            tier, hits = self._find(name, qualified=False)
            if hits:
                return self._answer(name, tier, hits)
            for part in [*name_parts(name), name]:
                tier, hits = self._find(part)
                if hits:
                    return self._answer(name, QUALIFIED, hits, via=part)
        for spelling in (name, target):
            if spelling and (hits := self._recorded.get(spelling.strip())):
                return self._answer(name, EXACT, hits, via="recorded by an earlier run")
        return Match(name=name, via=target or "")

    def canonical_name(self, name: str) -> str:
        """The spelling to record a new body under: the ``same_body`` target if there is one."""
        return self._same_body_keys.get(normalise(name), name.strip())

    def closest(self, name: str, n: int = 3) -> list[str]:
        """The ``n`` organisation names nearest to ``name``, best first, for a person to check.

        Only names that share a distinctive word with ``name`` are compared (which also keeps this
        fast), and only those at least half alike are listed."""
        key = normalise(name)
        pool = set().union(*(self._by_word.get(w, set()) for w in set(key.split()) - _COMMON_WORDS))
        keys = difflib.get_close_matches(key, sorted(pool or self._display), n=n, cutoff=0.5)
        return [self._display[k] for k in keys]

    # -- helpers

    def _find(self, text: str, *, qualified: bool = True) -> tuple[str | None, set[str]]:
        """The first of exact, normalised, abbreviation (and, with ``qualified``, the names
        without their bracketed qualifier) to know ``text``."""
        key = normalise(text)
        tables = [
            (EXACT, self._exact, text.strip()),
            (NORMALISED, self._normalised, key),
            (ABBREVIATION, self._abbreviations, key),
        ]
        if qualified:
            tables.append((QUALIFIED, self._qualified, key))
        for tier, table, lookup_key in tables:
            if hits := table.get(lookup_key):
                return tier, hits
        return None, set()

    def _answer(self, name: str, method: str | None, slugs: set[str], via: str = "") -> Match:
        ordered = tuple(sorted(slugs))
        resolved = {resolve_successor(slug, self.candidates) for slug in ordered}
        if len(resolved) == 1:
            # One body, possibly under several names (a closed body and its successor).
            (only,) = resolved
            matched = ordered if len(ordered) == 1 else (only,)
            return Match(name=name, method=method, slugs=matched, resolved=only, via=via)
        return Match(name=name, method=method, slugs=ordered, via=via)
