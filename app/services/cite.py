"""How to cite migov: the dataset at a version, or one answer of the API pinned to it.

Invariants:

* A citation names one dataset version, which existed: asking for one that never did
  is refused, naming the current one. Without a version, the current one is cited.
* A cited request is a path under ``/v1`` that a GET route of the API serves, given
  without scheme or host (the citation adds the server's own). Its ``version``
  parameter, if any, is dropped and ``version=N`` appended, the other parameters kept
  in their order: the pinned URL answers what migov answered at version N.
* The dataset as a whole is cited by its data package, whose name carries the
  version (``/v1/download/migov-N.zip``).
* Everything a citation says comes from the version (its number and the day it was
  published) and from what the project states about itself: the title and publisher
  of the data package, the copyright holder of LICENSE, the data's licence. Only the
  day it was asked for (``accessed``) and the server's address come from the request,
  and the data package's copy has neither, so every build of a version writes the
  same bytes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote, unquote_plus, urlsplit

from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import InvalidInput
from app.schemas.cite import CslDate, CslItem, CslName, DatasetCitationRead
from app.services import changes as change_service
from app.standards import licence

# What the project states about the dataset: the data package's title and publisher
# (services.exports), and the copyright holder named in LICENSE.
DATASET_TITLE = "migov: regional migration-governance data"
PUBLISHER = "migov"
AUTHOR = "The migov contributors"

CITE_PATH = "/v1/cite"
API_PREFIX = "/v1"
# Kept as they are in a path or a query value: what a URL allows there unescaped, less
# what would change its meaning (``&``, ``=``, ``+``, ``#``, ``?``, ``%``).
_PATH_SAFE = "/:@!$'()*,;-._~"
_QUERY_SAFE = ":@!$'()*,;/-._~"


@dataclass(frozen=True)
class CitedRequest:
    """A request to cite: its path (as written, percent-escaped) and its query without
    ``version``, each parameter as ``name=value`` in its given order."""

    path: str
    query: tuple[str, ...]

    def pinned(self, version: int) -> str:
        return f"{self.path}?{'&'.join([*self.query, f'version={version}'])}"

    def unpinned(self) -> str:
        return f"{self.path}?{'&'.join(self.query)}" if self.query else self.path


def _refused(detail: str) -> InvalidInput:
    return InvalidInput(detail, code="uncitable_request", field="request")


def parse_request(text: str, route_methods: Callable[[str], Collection[str]]) -> CitedRequest:
    """The request ``text`` names, checked: a path (and query) under ``/v1`` that a GET
    route serves. ``route_methods(path)`` gives the methods the API serves at a decoded
    path (none for a path it does not serve)."""
    try:
        parts = urlsplit(text.strip())
    except ValueError as error:  # "//[::1" and the like: not even a URL
        raise _refused(f"{text!r} cannot be read as a URL path ({error}).") from error
    if parts.scheme:
        raise _refused(
            f"The request is an absolute URL ({text!r}); give it as a path of this API, "
            "without scheme or host: /v1/..."
        )
    if parts.netloc:
        raise _refused(
            f"The request names a host ({parts.netloc!r}); only this API's own paths can be "
            "cited, given without a host: /v1/..."
        )
    if parts.fragment:
        raise _refused("A request has no fragment (`#...`): drop it.")
    decoded = unquote(parts.path)
    if decoded != API_PREFIX and not decoded.startswith(f"{API_PREFIX}/"):
        raise _refused(f"Only paths under {API_PREFIX}/ can be cited, not {decoded!r}.")
    if any(segment in (".", "..") for segment in decoded.split("/")):
        raise _refused(f"The path {decoded!r} holds a `.` or `..` segment; give it plainly.")
    if decoded.rstrip("/") == CITE_PATH:
        raise _refused(f"{CITE_PATH} cites other requests; it cannot cite itself.")
    methods = route_methods(decoded)
    if not methods:
        raise _refused(f"No route of this API has the path {decoded!r}.")
    if "GET" not in methods:
        raise _refused(
            f"{decoded!r} is not read with GET (it takes {', '.join(sorted(methods))}); "
            "only answers to GET requests can be cited."
        )
    query = []
    for parameter in parts.query.split("&"):
        if not parameter:
            continue
        name, separator, value = parameter.partition("=")
        name = unquote_plus(name)
        if name == "version":
            continue
        encoded = quote(name, safe=_QUERY_SAFE)
        if separator:
            encoded += "=" + quote(unquote_plus(value), safe=_QUERY_SAFE)
        query.append(encoded)
    return CitedRequest(path=quote(decoded, safe=_PATH_SAFE), query=tuple(query))


async def cite(
    session: AsyncSession,
    *,
    version: int | None,
    request: str | None,
    base_url: str,
    accessed: dt.date,
    route_methods: Callable[[str], Collection[str]],
) -> DatasetCitationRead:
    """A citation of the dataset at ``version`` (the current one when None), or of the
    ``request`` pinned to it, with absolute URLs on ``base_url``."""
    cited = None if request is None else parse_request(request, route_methods)
    if version is None:
        found: change_service.Version | None = await change_service.current_version(session)
    else:
        found = await change_service.version_at(session, version)
    if found is None:
        current = await change_service.current_version(session)
        raise InvalidInput(
            f"Dataset version {version} never existed; the current version is {current.version}.",
            code="unknown_version",
            field="version",
        )
    path = (
        f"/v1/download/migov-{found.version}.zip" if cited is None else cited.pinned(found.version)
    )
    url = base_url.rstrip("/") + path
    details = _Details(
        version=found.version,
        published=published_day(found),
        request=None if cited is None else cited.unpinned(),
        url=url,
        accessed=accessed,
    )
    return DatasetCitationRead(
        url=url,
        version=found.version,
        date=details.published,
        request=details.request,
        csl=_csl(details),
        bibtex=_bibtex(details),
        text=_text(details),
    )


def package_citation(version: change_service.Version) -> dict[str, Any]:
    """The citation a data package of ``version`` carries (``datapackage.json``,
    ``citation``): the dataset's, as ``/v1/cite?version=N`` gives it, less what a build
    cannot know (the server's address) or would make differ (the day of the build)."""
    details = _Details(
        version=version.version,
        published=published_day(version),
        request=None,
        url=None,
        accessed=None,
    )
    return {
        "text": _text(details),
        "bibtex": _bibtex(details),
        "csl": _csl(details).model_dump(mode="json", by_alias=True, exclude_none=True),
    }


def published_day(version: change_service.Version) -> dt.date:
    """The day (UTC) a version's write committed."""
    return version.changed_at.astimezone(dt.UTC).date()


def today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


@dataclass(frozen=True)
class _Details:
    version: int
    published: dt.date
    request: str | None
    url: str | None
    accessed: dt.date | None

    @property
    def key(self) -> str:
        """One key per version and request: ``migov-v7``, ``migov-v7-1a2b3c4d``."""
        if self.request is None:
            return f"migov-v{self.version}"
        digest = hashlib.sha256(self.request.encode()).hexdigest()[:8]
        return f"migov-v{self.version}-{digest}"

    @property
    def note(self) -> str:
        if self.request is None:
            what = f"Dataset version {self.version} ({self.published.isoformat()})"
        else:
            what = (
                f"The answer of the migov API to the request at this URL, as of dataset "
                f"version {self.version} ({self.published.isoformat()})"
            )
        return f"{what}. Data licence: {licence.DATA_LICENCE_ID}."


def _csl(details: _Details) -> CslItem:
    return CslItem(
        id=details.key,
        type="dataset",
        title=DATASET_TITLE,
        author=[CslName(literal=AUTHOR)],
        publisher=PUBLISHER,
        version=str(details.version),
        issued=CslDate.of(details.published),
        accessed=None if details.accessed is None else CslDate.of(details.accessed),
        url=details.url,
        note=details.note,
    )


def _bibtex(details: _Details) -> str:
    # Every value is our own text, a number, a day or a URL whose query is
    # percent-escaped: none holds a brace. The title is braced twice so that BibTeX
    # styles keep its lower case ``migov``.
    fields = [
        ("author", f"{{{AUTHOR}}}"),
        ("title", f"{{{DATASET_TITLE}}}"),
        ("year", str(details.published.year)),
        ("date", details.published.isoformat()),
        ("version", str(details.version)),
        ("publisher", PUBLISHER),
    ]
    if details.url is not None:
        fields.append(("url", details.url))
    if details.accessed is not None:
        fields.append(("urldate", details.accessed.isoformat()))
    fields.append(("note", details.note))
    body = "".join(f"  {name} = {{{value}}},\n" for name, value in fields)
    return f"@misc{{{details.key},\n{body}}}\n"


def _text(details: _Details) -> str:
    line = (
        f"{AUTHOR} ({details.published.year}). {DATASET_TITLE}, dataset version "
        f"{details.version} of {details.published.isoformat()} [Data set]"
    )
    if details.request is not None:
        line += f", answer to {details.request}"
    line += f". {PUBLISHER}. Licence: {licence.DATA_LICENCE_ID}."
    if details.url is not None:
        line += f" {details.url}"
        if details.accessed is not None:
            line += f" (accessed {details.accessed.isoformat()})"
        line += "."
    return line
