"""publiccode.yml (https://yml.publiccode.tools), the descriptor public-sector software keeps at
the root of its repository.

The rules follow the standard's core schema as the reference parser (italia/publiccode-parser-go,
``PublicCodeV0``) checks them for every 0.x version the files in the wild declare ("0", 0.2 to
0.5): required keys, types, enumerations, URLs, dates, BCP 47 language tags, SPDX licence
expressions, ISO 3166 countries, MIME types and Italian public-administration (IPA) codes.

Not checked, because an import sees the file and not the repository: that relative ``logo``,
``monochromeLogo``, ``screenshots`` and ``legal.authorsFile`` files exist, and that remote URLs
answer (nothing is fetched).
"""

from __future__ import annotations

import datetime
import functools
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from platforms.importers.base import (
    AdoptionRef,
    DependencyRef,
    Importer,
    LineMap,
    PlatformRecord,
    Problem,
    YamlProblem,
    dotted,
    excerpt,
    load_yaml_documents,
    one_line,
    text_value,
)

VERSIONS = (
    "0",
    "0.2",
    "0.2.0",
    "0.2.1",
    "0.2.2",
    "0.3",
    "0.3.0",
    "0.4",
    "0.4.0",
    "0.5",
    "0.5.0",
    "0.6",
    "0.6.0",
    "0.7",
    "0.7.0",
)
# The reference parser reads every 0.x file as the latest 0.x and warns about an older one.
LATEST_VERSION = "0.7"
# The reference parser's (italia/publiccode-parser-go) deprecation warnings, word for word, so a
# publisher sees here what its own validator says.
DEPRECATED_DROP = "This key is DEPRECATED and will be removed in the future. It's safe to drop it"
DEPRECATED_USE = "This key is DEPRECATED and will be removed in the future. Use {} instead"
# ``supports`` ids written as ``alias:<name>``: the aliases the reference parser's own test data
# shows (valid_with_supports.yml); any other alias is refused, as there. URLs and URNs are open.
SUPPORTS_ALIASES = frozenset({"gdpr", "spid"})
DEVELOPMENT_STATUSES = ("concept", "development", "beta", "stable", "obsolete")
SOFTWARE_TYPES = (
    "standalone/mobile",
    "standalone/iot",
    "standalone/desktop",
    "standalone/web",
    "standalone/backend",
    "standalone/other",
    "addon",
    "library",
    "configurationFiles",
)
MAINTENANCE_TYPES = ("internal", "contract", "community", "none")
COUNTRY_EXTENSION_VERSIONS = ("0.2", "1.0")

CATEGORIES = frozenset(
    [
        "accounting",
        "agile-project-management",
        "applicant-tracking",
        "application-development",
        "appointment-scheduling",
        "backup",
        "billing-and-invoicing",
        "blog",
        "budgeting",
        "business-intelligence",
        "business-process-management",
        "cad",
        "call-center-management",
        "cloud-management",
        "collaboration",
        "communications",
        "compliance-management",
        "contact-management",
        "content-management",
        "crm",
        "customer-service-and-support",
        "data-analytics",
        "data-collection",
        "data-visualization",
        "design",
        "design-system",
        "digital-asset-management",
        "digital-citizenship",
        "document-management",
        "donor-management",
        "e-commerce",
        "e-signature",
        "educational-content",
        "email-management",
        "email-marketing",
        "employee-management",
        "enterprise-project-management",
        "enterprise-social-networking",
        "erp",
        "event-management",
        "facility-management",
        "feedback-and-reviews-management",
        "financial-reporting",
        "fleet-management",
        "fundraising",
        "gamification",
        "geographic-information-systems",
        "grant-management",
        "graphic-design",
        "help-desk",
        "hr",
        "ide",
        "identity-management",
        "instant-messaging",
        "integrated-library-system",
        "inventory-management",
        "it-asset-management",
        "it-development",
        "it-management",
        "it-security",
        "it-service-management",
        "knowledge-management",
        "learning-management-system",
        "marketing",
        "mind-mapping",
        "mobile-marketing",
        "mobile-payment",
        "network-management",
        "office",
        "online-booking",
        "online-community",
        "payment-gateway",
        "payroll",
        "predictive-analysis",
        "procurement",
        "productivity-suite",
        "project-collaboration",
        "project-management",
        "property-management",
        "real-estate-management",
        "regulations-and-directives",
        "remote-support",
        "resource-management",
        "sales-management",
        "seo",
        "service-desk",
        "social-media-management",
        "survey",
        "talent-management",
        "task-management",
        "taxes-management",
        "test-management",
        "time-management",
        "time-tracking",
        "translation",
        "video-conferencing",
        "video-editing",
        "visitor-management",
        "voip",
        "warehouse-management",
        "web-collaboration",
        "web-conferencing",
        "whistleblowing",
        "website-builder",
        "workflow-management",
        "other",
    ]
)
SCOPES = frozenset(
    [
        "agriculture",
        "culture",
        "defence",
        "education",
        "emergency-services",
        "employment",
        "energy",
        "environment",
        "finance-and-economic-development",
        "foreign-affairs",
        "government",
        "healthcare",
        "infrastructures",
        "justice",
        "local-authorities",
        "manufacturing",
        "research",
        "science-and-technology",
        "security",
        "society",
        "sport",
        "tourism",
        "transportation",
        "welfare",
    ]
)

# publiccode category -> our capability slug (platforms/reference_data/capabilities.yaml). Any
# other category becomes a tag.
CATEGORY_CAPABILITIES = {
    "payment-gateway": "payments",
    "mobile-payment": "payments",
    "billing-and-invoicing": "payments",
    "communications": "notifications",
    "email-marketing": "notifications",
    "email-management": "notifications",
    "identity-management": "identity-and-access",
    "content-management": "content-publishing",
    "website-builder": "content-publishing",
    "blog": "content-publishing",
    "document-management": "document-management",
    "digital-asset-management": "document-management",
    "data-collection": "forms",
    "survey": "forms",
    "data-analytics": "analytics",
    "business-intelligence": "analytics",
    "data-visualization": "analytics",
    "predictive-analysis": "analytics",
    "workflow-management": "case-management",
    "business-process-management": "case-management",
    "help-desk": "case-management",
    "service-desk": "case-management",
    "cloud-management": "hosting",
    "design-system": "design-system-and-front-end",
    "geographic-information-systems": "data-and-registers",
}
PHASES = {
    "concept": "discovery",
    "development": "alpha",
    "beta": "beta",
    "stable": "live",
    "obsolete": "retired",
}

TOP_LEVEL_KEYS = frozenset(
    [
        "publiccodeYmlVersion",
        "name",
        "applicationSuite",
        "url",
        "landingURL",
        "isBasedOn",
        "softwareVersion",
        "releaseDate",
        "logo",
        "monochromeLogo",
        "organisation",
        "inputTypes",
        "outputTypes",
        "platforms",
        "categories",
        "usedBy",
        "fundedBy",
        "roadmap",
        "developmentStatus",
        "softwareType",
        "intendedAudience",
        "description",
        "legal",
        "maintenance",
        "localisation",
        "dependsOn",
        "supports",
        "IT",
        "it",
    ]
)
DESCRIPTION_KEYS = frozenset(
    [
        "localisedName",
        "genericName",
        "shortDescription",
        "longDescription",
        "documentation",
        "apiDocumentation",
        "features",
        "screenshots",
        "videos",
        "awards",
    ]
)
IT_KEYS = frozenset({"countryExtensionVersion", "conforme", "riuso", "piattaforme"})
CONFORME_KEYS = frozenset(
    {"lineeGuidaDesign", "modelloInteroperabilita", "misureMinimeSicurezza", "gdpr"}
)
PIATTAFORME_KEYS = frozenset({"spid", "pagopa", "cie", "anpr", "io"})

# Sites whose video pages can be embedded (oEmbed); a video must be one of them.
OEMBED_VIDEO_HOSTS = (
    "youtube.com",
    "youtu.be",
    "vimeo.com",
    "dailymotion.com",
    "dai.ly",
    "peertube",
    "slideshare.net",
    "ted.com",
    "loom.com",
    "wistia.com",
    "kaltura.com",
    "streamable.com",
    "facebook.com",
    "twitch.tv",
)
MIME_TOP_TYPES = frozenset(
    [
        "application",
        "audio",
        "example",
        "font",
        "image",
        "message",
        "model",
        "multipart",
        "text",
        "video",
    ]
)
_MIME = re.compile(r"^([a-z]+)/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*(\s*;.*)?$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_BCP47 = re.compile(
    r"^(?P<language>[A-Za-z]{2,3}|[A-Za-z]{5,8})"
    r"(?:-(?P<script>[A-Za-z]{4}))?"
    r"(?:-(?P<region>[A-Za-z]{2}|\d{3}))?"
    r"(?P<variants>(?:-(?:[A-Za-z0-9]{5,8}|\d[A-Za-z0-9]{3}))*)"
    r"(?P<extensions>(?:-[0-9A-WY-Za-wy-z](?:-[A-Za-z0-9]{2,8})+)*)"
    r"(?:-x(?:-[A-Za-z0-9]{1,8})+)?$"
)
_URI_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
ITALIAN_PA_URN = "urn:x-italian-pa:"


@functools.cache
def ipa_codes() -> frozenset[str]:
    """The Italian public administrations' IPA codes (from italia/publiccode-parser-go)."""
    path = Path(__file__).with_name("data") / "ipa_codes.txt"
    return frozenset(line.strip().lower() for line in path.read_text().splitlines() if line)


@functools.cache
def _spdx():
    from license_expression import get_spdx_licensing

    return get_spdx_licensing()


def spdx_problem(expression: str) -> str | None:
    """Why ``expression`` is not an SPDX licence expression, or None."""
    try:
        result = _spdx().validate(expression, strict=True)
    except Exception as error:  # the parser raises on some malformed input
        return f"{excerpt(expression)} is not an SPDX licence expression ({error})."
    if result.errors:
        return (
            f"{excerpt(expression)} is not an SPDX licence expression: {'; '.join(result.errors)}. "
            "Use identifiers from https://spdx.org/licenses/ such as EUPL-1.2 or "
            "AGPL-3.0-or-later."
        )
    return None


def is_language(tag: str) -> bool:
    """A BCP 47 tag whose language is a known ISO 639 code ("en", "en-GB", "ita", "sl-IT-nedis")."""
    match = _BCP47.match(tag)
    if not match:
        return False
    import pycountry

    language = match["language"].lower()
    if len(language) == 2:
        return pycountry.languages.get(alpha_2=language) is not None
    if len(language) == 3:
        return pycountry.languages.get(alpha_3=language) is not None or language in _ISO639_2B
    return False


# ISO 639-2/B codes that differ from the /T codes pycountry keeps (e.g. "fre" for "fra").
_ISO639_2B = frozenset(
    [
        "alb",
        "arm",
        "baq",
        "bur",
        "chi",
        "cze",
        "dut",
        "fre",
        "geo",
        "ger",
        "gre",
        "ice",
        "mac",
        "mao",
        "may",
        "per",
        "rum",
        "slo",
        "tib",
        "wel",
    ]
)


def is_country(code: str) -> bool:
    """ISO 3166-1 alpha-2, all upper or all lower case."""
    import pycountry

    if not (code.isupper() or code.islower()) or len(code) != 2:
        return False
    return pycountry.countries.get(alpha_2=code.upper()) is not None


def is_http_url(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc) and " " not in value


def is_url(value: str) -> bool:
    """Any URL with a scheme and a host (git, ssh, http...), as the standard's ``url`` allows."""
    parts = urlsplit(value)
    return bool(parts.scheme) and bool(parts.netloc) and " " not in value


def is_date(value: Any) -> bool:
    if isinstance(value, datetime.datetime):
        return False
    if isinstance(value, datetime.date):
        return True
    if not isinstance(value, str) or not _DATE.match(value):
        return False
    try:
        datetime.date.fromisoformat(value)
    except ValueError:
        return False
    return True


_MISSING = object()
_TYPE_NAMES = {dict: "a mapping (key: value pairs)", list: "a list", bool: "true or false"}


def _kind(value: Any) -> str:
    if value is None:
        return "empty"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return excerpt(value)


class Validator:
    """Checks one publiccode.yml document and records each problem at its line."""

    def __init__(self, file: str, lines: LineMap):
        self.file = file
        self.lines = lines
        self.problems: list[Problem] = []

    # -- reporting

    def error(self, path: tuple, message: str) -> None:
        self.problems.append(Problem(self.file, self.lines.line(path), dotted(path), message))

    def warning(self, path: tuple, message: str) -> None:
        self.problems.append(
            Problem(self.file, self.lines.line(path), dotted(path), message, "warning")
        )

    # -- typed getters: each returns None after reporting when the value is wrong

    def get(self, obj: dict, key: str, path: tuple, *, required: bool = False) -> Any:
        value = obj.get(key, _MISSING) if isinstance(obj, dict) else _MISSING
        if value is _MISSING or value is None:
            if required:
                self.error((*path, key), f"{excerpt(key)} is required.")
            return None
        return value

    def string(self, obj: dict, key: str, path: tuple, *, required: bool = False) -> str | None:
        value = self.get(obj, key, path, required=required)
        if value is None:
            return None
        if isinstance(value, dict | list):
            self.error((*path, key), f"{excerpt(key)} must be text, not {_kind(value)}.")
            return None
        text = text_value(value)
        if required and not text:
            self.error((*path, key), f"{excerpt(key)} is required.")
            return None
        return text

    def mapping(self, obj: dict, key: str, path: tuple, *, required: bool = False) -> dict | None:
        value = self.get(obj, key, path, required=required)
        if value is None:
            return None
        if not isinstance(value, dict):
            self.error(
                (*path, key), f"{excerpt(key)} must be a mapping (key: value), not {_kind(value)}."
            )
            return None
        return value

    def sequence(
        self, obj: dict, key: str, path: tuple, *, required: bool = False, non_empty: bool = False
    ) -> list | None:
        value = self.get(obj, key, path, required=required)
        if value is None:
            return None
        if not isinstance(value, list):
            self.error((*path, key), f"{excerpt(key)} must be a list, not {_kind(value)}.")
            return None
        if non_empty and not value:
            self.error((*path, key), f"{excerpt(key)} must list at least one item.")
            return None
        return value

    def strings(self, obj: dict, key: str, path: tuple, **kwargs) -> list[str] | None:
        items = self.sequence(obj, key, path, **kwargs)
        if items is None:
            return None
        out = []
        for index, item in enumerate(items):
            if item is None or isinstance(item, dict | list):
                self.error((*path, key, index), f"Each item of {excerpt(key)} must be text.")
                continue
            out.append(text_value(item))
        return out

    def boolean(self, obj: dict, key: str, path: tuple, *, required: bool = False) -> bool | None:
        value = self.get(obj, key, path, required=required)
        if value is None:
            return None
        if not isinstance(value, bool):
            self.error((*path, key), f"{excerpt(key)} must be true or false, not {_kind(value)}.")
            return None
        return value

    def unknown_keys(self, obj: dict, allowed: frozenset[str], path: tuple) -> None:
        for key in obj:
            if key not in allowed:
                where = f" in '{dotted(path)}'" if path else ""
                self.error((*path, key), f"{excerpt(key)} is not a publiccode.yml key{where}.")

    def http_url(self, obj: dict, key: str, path: tuple, *, required: bool = False) -> str | None:
        value = self.string(obj, key, path, required=required)
        if value is not None and not is_http_url(value):
            self.error(
                (*path, key), f"{excerpt(value)} is not a web address (http:// or https://)."
            )
            return None
        return value

    def date(self, obj: dict, key: str, path: tuple, *, required: bool = False) -> str | None:
        value = self.get(obj, key, path, required=required)
        if value is None:
            return None
        if isinstance(value, dict | list) or not is_date(value):
            self.error((*path, key), f"{_kind(value)} is not a date in the form YYYY-MM-DD.")
            return None
        return text_value(value)

    def email(self, obj: dict, key: str, path: tuple) -> str | None:
        value = self.string(obj, key, path)
        if value and not _EMAIL.match(value):
            self.error((*path, key), f"{excerpt(value)} is not an email address.")
            return None
        return value

    # -- the document

    def validate(self, doc: Any) -> dict[str, Any]:
        """Check ``doc``; return the values the mapping needs."""
        if not isinstance(doc, dict):
            self.error((), "A publiccode.yml file must be a mapping of keys to values.")
            return {}
        self.unknown_keys(doc, TOP_LEVEL_KEYS, ())
        if "IT" in doc and "it" in doc:
            self.error(("it",), "Both 'IT' and 'it' sections are present; keep only 'IT'.")
        out: dict[str, Any] = {}

        version = self.string(doc, "publiccodeYmlVersion", (), required=True)
        if version is not None and version not in VERSIONS:
            self.error(
                ("publiccodeYmlVersion",),
                f"Version {excerpt(version)} is not a publiccode.yml version this catalogue reads "
                f"({', '.join(VERSIONS)}).",
            )
        elif version is not None and version != "0" and version[:3] != LATEST_VERSION:
            self.warning(
                ("publiccodeYmlVersion",),
                f"v{version} is not the latest version, use '0'. Parsing this file as "
                f"v{LATEST_VERSION}.",
            )
        out["version"] = version
        out["name"] = self.string(doc, "name", (), required=True)
        self.string(doc, "applicationSuite", ())
        url = self.string(doc, "url", (), required=True)
        if url is not None and not is_url(url):
            self.error(("url",), f"{excerpt(url)} is not the URL of a source code repository.")
            url = None
        out["url"] = url
        out["landingURL"] = self.http_url(doc, "landingURL", ())
        self._is_based_on(doc)
        out["softwareVersion"] = self.string(doc, "softwareVersion", ())
        out["releaseDate"] = self.date(doc, "releaseDate", ())
        for key in ("logo", "monochromeLogo"):
            self._image(doc, key)
        if doc.get("monochromeLogo"):
            self.warning(("monochromeLogo",), DEPRECATED_USE.format("'logo'"))
        self._organisation(doc, "organisation")
        for key in ("inputTypes", "outputTypes"):
            if doc.get(key) is not None:
                self.warning((key,), DEPRECATED_DROP)
            for index, mime in enumerate(self.strings(doc, key, ()) or []):
                match = _MIME.match(mime)
                if not match or match[1] not in MIME_TOP_TYPES:
                    self.error((key, index), f"{excerpt(mime)} is not a MIME type (e.g. text/csv).")
        out["platforms"] = self.strings(doc, "platforms", (), required=True, non_empty=True)
        categories = self.strings(doc, "categories", ()) or []
        for index, category in enumerate(categories):
            if category not in CATEGORIES:
                self.error(
                    ("categories", index),
                    f"{excerpt(category)} is not a publiccode.yml category "
                    "(see https://yml.publiccode.tools/categories-list.html).",
                )
        out["categories"] = categories
        out["usedBy"] = [
            (name, self.lines.line(("usedBy", i)))
            for i, name in enumerate(self.strings(doc, "usedBy", ()) or [])
        ]
        funded = self.sequence(doc, "fundedBy", ())
        for index, _ in enumerate(funded or []):
            self._organisation(funded, index, path=("fundedBy",), name_key="fundedBy")
        self.http_url(doc, "roadmap", ())

        status = self.string(doc, "developmentStatus", (), required=True)
        if status is not None and status not in DEVELOPMENT_STATUSES:
            self.error(
                ("developmentStatus",),
                f"{excerpt(status)} is not a development status; use one of "
                f"{', '.join(DEVELOPMENT_STATUSES)}.",
            )
            status = None
        out["developmentStatus"] = status
        software_type = self.string(doc, "softwareType", (), required=True)
        if software_type is not None and software_type not in SOFTWARE_TYPES:
            self.error(
                ("softwareType",),
                f"{excerpt(software_type)} is not a software type; use one of "
                f"{', '.join(SOFTWARE_TYPES)}.",
            )
        out["softwareType"] = software_type
        self._intended_audience(doc)
        out["description"] = self._description(doc)
        out["legal"] = self._legal(doc)
        out["maintenance"] = self._maintenance(doc)
        self._localisation(doc)
        out["dependsOn"] = self._depends_on(doc)
        out["supports"] = self._supports(doc)
        out["organisation"] = self.get(doc, "organisation", ())
        for key in ("IT", "it"):
            self._italy(doc, key)
        return out

    def _supports(self, doc: dict) -> list[str]:
        """``supports`` (0.7): the laws, standards and platforms the software supports."""
        items = self.sequence(doc, "supports", ())
        ids = []
        for index, item in enumerate(items or []):
            where = ("supports", index)
            if not isinstance(item, dict):
                self.error(where, "Each 'supports' item must be a mapping with an 'id'.")
                continue
            self.unknown_keys(item, frozenset({"id"}), where)
            value = self.string(item, "id", where, required=True)
            if value is None:
                continue
            if value.startswith("alias:"):
                if value[len("alias:") :] not in SUPPORTS_ALIASES:
                    self.error(
                        (*where, "id"),
                        f"{excerpt(value)} is not a known alias "
                        f"({', '.join(sorted('alias:' + a for a in SUPPORTS_ALIASES))}).",
                    )
                    continue
            elif not _URI_SCHEME.match(value):
                self.error((*where, "id"), f"{excerpt(value)} is not a URL, URN or alias.")
                continue
            ids.append(value)
        return ids

    def _is_based_on(self, doc: dict) -> None:
        value = self.get(doc, "isBasedOn", ())
        if value is None:
            return
        items = value if isinstance(value, list) else [value]
        if isinstance(value, dict):
            self.error(("isBasedOn",), "'isBasedOn' must be a URL or a list of URLs.")
            return
        for index, item in enumerate(items):
            path = ("isBasedOn", index) if isinstance(value, list) else ("isBasedOn",)
            if isinstance(item, dict | list) or not is_url(text_value(item)):
                self.error(path, f"{_kind(item)} is not a URL.")

    def _image(self, doc: dict, key: str) -> None:
        value = self.string(doc, key, ())
        if value is None:
            return
        if is_http_url(value):
            return
        if _URI_SCHEME.match(value) or value.startswith("/"):
            self.error(
                (key,),
                f"{excerpt(value)} must be a web address or a path relative to the "
                "repository root.",
            )
            return
        if not value.lower().endswith((".svg", ".svgz", ".png")):
            self.error((key,), f"{excerpt(value)} must be an SVG, SVGZ or PNG image.")

    def _organisation(
        self, obj: Any, key: Any, path: tuple = (), name_key: str = "organisation"
    ) -> None:
        value = obj[key] if isinstance(obj, list) else self.get(obj, key, path)
        if value is None:
            return
        where = (*path, key)
        if not isinstance(value, dict):
            self.error(where, f"{excerpt(name_key)} must be a mapping with 'name' and 'uri'.")
            return
        self.string(value, "name", where)
        uri = self.string(value, "uri", where, required=True)
        if uri is None:
            return
        if uri.lower().startswith(ITALIAN_PA_URN):
            code = uri[len(ITALIAN_PA_URN) :].lower()
            if code not in ipa_codes():
                self.error(
                    (*where, "uri"), f"{excerpt(code)} is not the IPA code of an Italian PA."
                )
        elif not _URI_SCHEME.match(uri) or len(uri.split(":", 1)[1]) == 0:
            self.error(
                (*where, "uri"),
                f"{excerpt(uri)} is not a URI "
                "(e.g. https://example.org or urn:x-italian-pa:<code>).",
            )

    def _intended_audience(self, doc: dict) -> None:
        audience = self.mapping(doc, "intendedAudience", ())
        if audience is None:
            return
        path = ("intendedAudience",)
        self.unknown_keys(audience, frozenset({"scope", "countries", "unsupportedCountries"}), path)
        for index, scope in enumerate(self.strings(audience, "scope", path) or []):
            if scope not in SCOPES:
                self.error(
                    (*path, "scope", index), f"{excerpt(scope)} is not a publiccode.yml scope."
                )
        for key in ("countries", "unsupportedCountries"):
            for index, code in enumerate(self.strings(audience, key, path) or []):
                if not is_country(code):
                    self.error(
                        (*path, key, index),
                        f"{excerpt(code)} is not an ISO 3166-1 two-letter country code "
                        "(e.g. GB, it).",
                    )
                elif code.islower():
                    self.warning(
                        (*path, key, index),
                        "Lowercase country codes are DEPRECATED. Use uppercase instead "
                        f"('{code.upper()}')",
                    )

    def _description(self, doc: dict) -> dict[str, dict]:
        descriptions = self.mapping(doc, "description", (), required=True)
        if descriptions is None:
            return {}
        if not descriptions:
            self.error(("description",), "'description' needs at least one language.")
        out = {}
        for language, body in descriptions.items():
            path = ("description", language)
            if not is_language(str(language)):
                self.error(
                    path, f"{excerpt(language)} is not a BCP 47 language tag (e.g. en, en-GB)."
                )
                continue
            if not isinstance(body, dict):
                self.error(path, f"The {excerpt(language)} description must be a mapping.")
                continue
            self.unknown_keys(body, DESCRIPTION_KEYS, path)
            self.string(body, "localisedName", path)
            generic = self.string(body, "genericName", path)
            if generic and len(generic) > 35:
                self.error((*path, "genericName"), "'genericName' is longer than 35 characters.")
            if generic:
                self.warning((*path, "genericName"), DEPRECATED_DROP)
            short = self.string(body, "shortDescription", path, required=True)
            if short and len(short) > 150:
                self.error(
                    (*path, "shortDescription"),
                    f"'shortDescription' is {len(short)} characters; the limit is 150.",
                )
            long = self.string(body, "longDescription", path, required=True)
            if long is not None:
                length = _graphemes(long)
                if length < 150 or length > 10_000:
                    self.error(
                        (*path, "longDescription"),
                        f"'longDescription' is {length} characters; it must be 150 to 10,000.",
                    )
            documentation = self.http_url(body, "documentation", path)
            self.http_url(body, "apiDocumentation", path)
            features = self.strings(body, "features", path, required=True, non_empty=True)
            self.strings(body, "screenshots", path)
            for index, video in enumerate(self.strings(body, "videos", path) or []):
                if not is_http_url(video):
                    self.error((*path, "videos", index), f"{excerpt(video)} is not a web address.")
                elif not any(host in urlsplit(video).netloc for host in OEMBED_VIDEO_HOSTS):
                    self.error(
                        (*path, "videos", index),
                        f"{excerpt(video)} is not a video page that can be embedded (oEmbed), such "
                        "as YouTube or Vimeo.",
                    )
            self.strings(body, "awards", path)
            out[str(language)] = {
                "shortDescription": short or "",
                "longDescription": long or "",
                "documentation": documentation,
                "features": features or [],
            }
        return out

    def _legal(self, doc: dict) -> dict[str, Any]:
        legal = self.mapping(doc, "legal", (), required=True)
        if legal is None:
            return {}
        path = ("legal",)
        self.unknown_keys(
            legal, frozenset({"license", "mainCopyrightOwner", "repoOwner", "authorsFile"}), path
        )
        if legal.get("authorsFile") is not None:
            self.warning((*path, "authorsFile"), DEPRECATED_DROP)
        if legal.get("repoOwner") is not None:
            self.warning((*path, "repoOwner"), DEPRECATED_USE.format("'organisation.name'"))
        licence = self.string(legal, "license", path, required=True)
        if licence is not None and (problem := spdx_problem(licence)):
            self.error((*path, "license"), problem)
            licence = None
        return {
            "license": licence,
            "mainCopyrightOwner": self.string(legal, "mainCopyrightOwner", path),
            "repoOwner": self.string(legal, "repoOwner", path),
            "authorsFile": self.string(legal, "authorsFile", path),
        }

    def _maintenance(self, doc: dict) -> dict[str, Any]:
        maintenance = self.mapping(doc, "maintenance", (), required=True)
        if maintenance is None:
            return {}
        path = ("maintenance",)
        self.unknown_keys(maintenance, frozenset({"type", "contractors", "contacts"}), path)
        kind = self.string(maintenance, "type", path, required=True)
        if kind is not None and kind not in MAINTENANCE_TYPES:
            self.error(
                (*path, "type"),
                f"{excerpt(kind)} is not a maintenance type; use one of "
                f"{', '.join(MAINTENANCE_TYPES)}.",
            )
            kind = None
        contractors = []
        if kind == "contract":
            items = self.sequence(maintenance, "contractors", path, required=True, non_empty=True)
            for index, item in enumerate(items or []):
                where = (*path, "contractors", index)
                if not isinstance(item, dict):
                    self.error(where, "Each contractor must be a mapping.")
                    continue
                self.unknown_keys(item, frozenset({"name", "email", "website", "until"}), where)
                contractors.append(
                    {
                        "name": self.string(item, "name", where, required=True),
                        "until": self.date(item, "until", where, required=True),
                    }
                )
                self.email(item, "email", where)
                self.http_url(item, "website", where)
        elif kind is not None and "contractors" in maintenance:
            self.error(
                (*path, "contractors"),
                f"'contractors' is only for maintenance type 'contract', not {excerpt(kind)}.",
            )
        contacts = []
        items = self.sequence(
            maintenance, "contacts", path, required=kind in ("internal", "community")
        )
        for index, item in enumerate(items or []):
            where = (*path, "contacts", index)
            if not isinstance(item, dict):
                self.error(where, "Each contact must be a mapping.")
                continue
            self.unknown_keys(item, frozenset({"name", "email", "affiliation", "phone"}), where)
            contacts.append(
                {
                    "name": self.string(item, "name", where, required=True),
                    "email": self.email(item, "email", where),
                }
            )
            self.string(item, "affiliation", where)
            self.string(item, "phone", where)
        return {"type": kind, "contractors": contractors, "contacts": contacts}

    def _localisation(self, doc: dict) -> None:
        localisation = self.mapping(doc, "localisation", (), required=True)
        if localisation is None:
            return
        path = ("localisation",)
        self.unknown_keys(
            localisation, frozenset({"localisationReady", "availableLanguages"}), path
        )
        self.boolean(localisation, "localisationReady", path, required=True)
        languages = self.strings(
            localisation, "availableLanguages", path, required=True, non_empty=True
        )
        for index, language in enumerate(languages or []):
            if not is_language(language):
                self.error(
                    (*path, "availableLanguages", index),
                    f"{excerpt(language)} is not a BCP 47 language tag (e.g. en, en-GB).",
                )

    def _depends_on(self, doc: dict) -> list[tuple[str, str, int | None]]:
        depends = self.mapping(doc, "dependsOn", ())
        if depends is None:
            return []
        path = ("dependsOn",)
        self.unknown_keys(depends, frozenset({"open", "proprietary", "hardware"}), path)
        out = []
        for group in ("open", "proprietary", "hardware"):
            for index, item in enumerate(self.sequence(depends, group, path) or []):
                where = (*path, group, index)
                if not isinstance(item, dict):
                    self.error(where, "Each dependency must be a mapping with a 'name'.")
                    continue
                self.unknown_keys(
                    item,
                    frozenset({"name", "versionMin", "versionMax", "optional", "version"}),
                    where,
                )
                name = self.string(item, "name", where, required=True)
                for key in ("versionMin", "versionMax", "version"):
                    self.string(item, key, where)
                self.boolean(item, "optional", where)
                if name:
                    out.append((name, group, self.lines.line((*where, "name"))))
        return out

    def _italy(self, doc: dict, key: str) -> None:
        section = self.mapping(doc, key, ())
        if section is None:
            return
        path = (key,)
        if key == "it":
            self.warning(
                path,
                "Lowercase country codes are DEPRECATED and will be removed in the future. "
                "Use 'IT' instead",
            )
        self.unknown_keys(section, IT_KEYS, path)
        version = self.string(section, "countryExtensionVersion", path)
        if version is not None and version not in COUNTRY_EXTENSION_VERSIONS:
            self.error(
                (*path, "countryExtensionVersion"),
                f"{excerpt(version)} is not a version of the Italian extension "
                f"({', '.join(COUNTRY_EXTENSION_VERSIONS)}).",
            )
        conforme = self.mapping(section, "conforme", path)
        if conforme is not None:
            self.warning((*path, "conforme"), DEPRECATED_DROP)
            self.unknown_keys(conforme, CONFORME_KEYS, (*path, "conforme"))
            for flag in conforme:
                self.boolean(conforme, flag, (*path, "conforme"))
        riuso = self.mapping(section, "riuso", path)
        if riuso is not None:
            self.unknown_keys(riuso, frozenset({"codiceIPA"}), (*path, "riuso"))
            code = self.string(riuso, "codiceIPA", (*path, "riuso"))
            if code and code.lower() not in ipa_codes():
                self.error(
                    (*path, "riuso", "codiceIPA"),
                    f"{excerpt(code)} is not the IPA code of an Italian PA.",
                )
            elif code:
                self.warning(
                    (*path, "riuso", "codiceIPA"),
                    DEPRECATED_USE.format(
                        f"'organisation.uri' and set it to 'urn:x-italian-pa:{code}'"
                    ),
                )
        piattaforme = self.mapping(section, "piattaforme", path)
        if piattaforme is not None:
            self.unknown_keys(piattaforme, PIATTAFORME_KEYS, (*path, "piattaforme"))
            for flag in piattaforme:
                self.boolean(piattaforme, flag, (*path, "piattaforme"))


def _graphemes(text: str) -> int:
    """Length in user-perceived characters: combining marks and emoji joiners/modifiers do not
    count on their own, as the standard counts them."""
    import unicodedata

    count = 0
    joined = False
    for ch in text:
        if (
            unicodedata.combining(ch)
            or ch in "\u200d\ufe0f\ufe0e"
            or "\U0001f3fb" <= ch <= "\U0001f3ff"
        ):
            joined = ch == "\u200d"
            continue
        if joined:
            joined = False
            continue
        count += 1
    return count


def _pick_language(descriptions: dict[str, dict]) -> tuple[str, dict] | tuple[None, None]:
    """English first (en, en-GB, eng...), else the first language in the file."""
    for language, body in descriptions.items():
        if language.lower() in ("en", "eng") or language.lower().startswith("en-"):
            return language, body
    for language, body in descriptions.items():
        return language, body
    return None, None


def _as_date(value: Any) -> datetime.date | None:
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def to_record(file: str, values: dict[str, Any], lines: LineMap) -> PlatformRecord:
    url = values["url"].strip()
    language, body = _pick_language(values["description"])
    body = body or {}
    summary = one_line(body.get("shortDescription", ""), 300) or values["name"]
    description = body.get("longDescription", "").strip()
    features = body.get("features") or []
    notes = []
    if features:
        notes.append("Features:\n" + "\n".join(f"- {f}" for f in features))
    legal = values["legal"]
    if legal.get("mainCopyrightOwner"):
        notes.append(f"Main copyright owner: {legal['mainCopyrightOwner']}.")
    if legal.get("repoOwner"):
        notes.append(f"Repository owner: {legal['repoOwner']}.")
    if values.get("softwareVersion"):
        released = f", released {values['releaseDate']}" if values.get("releaseDate") else ""
        notes.append(f"Software version {values['softwareVersion']}{released}.")
    if notes:
        description = "\n\n".join([description, *notes]).strip()

    maintenance = values["maintenance"]
    supplier = ""
    contract_end = None
    contractors = [c for c in maintenance.get("contractors") or [] if c.get("name")]
    if maintenance.get("type") == "contract" and contractors:
        # Every contractor, and the last date any of them is contracted until.
        supplier = "; ".join(c["name"] for c in contractors)
        ends = [_as_date(c["until"]) for c in contractors if c.get("until")]
        ends = [end for end in ends if end is not None]
        contract_end = max(ends) if ends else None
    elif maintenance.get("type") == "internal":
        supplier = "In-house"
    contact_email = next((c["email"] for c in maintenance.get("contacts", []) if c["email"]), "")

    licence = legal.get("license") or ""
    tags = []
    if values.get("softwareType"):
        tags.append(values["softwareType"])
    capabilities = []
    for category in values["categories"]:
        if category in CATEGORY_CAPABILITIES:
            capabilities.append(CATEGORY_CAPABILITIES[category])
        else:
            tags.append(category)
    tags.append("publiccode")

    fields: dict[str, Any] = {
        "summary": summary,
        "description": description,
        "source_code_url": url if is_http_url(url) else "",
        "service_url": values.get("landingURL") or "",
        "is_open_source": bool(licence),
        "licence": licence if len(licence) <= 64 else licence.split()[0][:64],
        "supplier": supplier[:200],
        "contact_email": contact_email,
    }
    if contract_end is not None:
        fields["contract_end_date"] = contract_end
    fields["descriptions"] = {
        tag: (text.get("longDescription") or text.get("shortDescription") or "").strip()
        for tag, text in values["description"].items()
        if isinstance(text, dict) and (text.get("longDescription") or text.get("shortDescription"))
    }
    fields["kind"] = "software_component"
    fields["original_format"] = "publiccode"
    tags.extend(f"supports:{value}"[:100] for value in values.get("supports") or [])
    organisation = values.get("organisation")
    owner_uri = organisation.get("uri") if isinstance(organisation, dict) else None
    if body.get("documentation"):
        fields["documentation_url"] = body["documentation"]
    if values.get("developmentStatus"):
        fields["phase"] = PHASES[values["developmentStatus"]]

    desc_path = ("description", language) if language else ("description",)
    field_lines = {
        "name": ("name", lines.line(("name",))),
        "summary": (
            dotted((*desc_path, "shortDescription")),
            lines.line((*desc_path, "shortDescription")),
        ),
        "description": (
            dotted((*desc_path, "longDescription")),
            lines.line((*desc_path, "longDescription")),
        ),
        "source_code_url": ("url", lines.line(("url",))),
        "service_url": ("landingURL", lines.line(("landingURL",))),
        "licence": ("legal.license", lines.line(("legal", "license"))),
        "contact_email": ("maintenance.contacts", lines.line(("maintenance", "contacts"))),
        "phase": ("developmentStatus", lines.line(("developmentStatus",))),
        "contract_end_date": (
            "maintenance.contractors",
            lines.line(("maintenance", "contractors")),
        ),
    }
    return PlatformRecord(
        file=file,
        line=lines.line(("name",)) or 1,
        key=url,
        name=values["name"][:200],
        match_by="key",
        fields=fields,
        tags=tags,
        capabilities=capabilities,
        sources=[url],
        adoptions=[AdoptionRef(name, line, "usedBy") for name, line in values["usedBy"]],
        dependencies=[
            DependencyRef(
                name, "name", line, f"dependsOn.{group}", description=f"dependsOn.{group}"
            )
            for name, group, line in values["dependsOn"]
        ],
        field_lines=field_lines,
        owner_uri=owner_uri if isinstance(owner_uri, str) else None,
    )


class PubliccodeImporter(Importer):
    format_name = "publiccode"

    def parse(self, files, *, base_dir=None):
        records, problems = [], []
        for name, text in files:
            try:
                documents = load_yaml_documents(text)
            except YamlProblem as error:
                problems.append(Problem(name, error.line, "", error.message))
                continue
            if len(documents) != 1:
                problems.append(
                    Problem(name, None, "", "A publiccode.yml file holds exactly one document.")
                )
                continue
            doc, lines = documents[0]
            validator = Validator(name, lines)
            values = validator.validate(doc)
            problems.extend(validator.problems)
            if not any(p.is_error for p in validator.problems):
                record = to_record(name, values, lines)
                record.fields["original_document"] = text
                records.append(record)
        return records, problems
