"""How to cite migov: the dataset at a version, or one answer of the API pinned to it.

Invariants:

* A citation names the data version its session reads: the current one, or the one
  a read asked for (``version=N``, ``Migov-Data-Version``), which the adapters serve
  from a snapshot of it and refuse when it cannot be read.
* A request pinned to a version (``cite_as``) is the same path and parameters, in
  their order, with ``version`` replaced or added last: what every read names as its
  ``cite-as`` link, and what a cited request's pinned URL is, so the two agree.
* A cited request is a path under ``/v1`` that a GET route of the API serves, given
  without scheme or host (the citation adds the server's own).
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
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

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
VERSION_PARAMETER = "version"
# Kept as they are in a path: what a URL allows there unescaped, less ``%``, ``?``, ``#``.
_PATH_SAFE = "/:@!$&'()*+,;=-._~"


def cite_as(path: str, params: Sequence[tuple[str, str]], version: int) -> str:
    """The request at ``path`` with ``params``, pinned to data ``version``: the same
    parameters in the same order, ``version`` replaced or added last."""
    kept = [(name, value) for name, value in params if name != VERSION_PARAMETER]
    return f"{path}?{urlencode([*kept, (VERSION_PARAMETER, str(version))])}"


@dataclass(frozen=True)
class CitedRequest:
    """A request to cite: its path (percent-escaped) and its parameters (decoded), in
    their given order, ``version`` left out."""

    path: str
    params: tuple[tuple[str, str], ...]

    def pinned(self, version: int) -> str:
        return cite_as(self.path, self.params, version)

    def unpinned(self) -> str:
        return f"{self.path}?{urlencode(self.params)}" if self.params else self.path


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
    # Read as the server reads a query string, so the pinned URL is the cited request's
    # own cite-as link.
    params = [
        (name, value)
        for name, value in parse_qsl(parts.query, keep_blank_values=True)
        if name != VERSION_PARAMETER
    ]
    return CitedRequest(path=quote(decoded, safe=_PATH_SAFE), params=tuple(params))


async def cite(
    session: AsyncSession,
    *,
    request: str | None,
    base_url: str,
    accessed: dt.date,
    route_methods: Callable[[str], Collection[str]],
) -> DatasetCitationRead:
    """A citation of the dataset at the version ``session`` reads, or of the
    ``request`` pinned to it, with absolute URLs on ``base_url``."""
    cited = None if request is None else parse_request(request, route_methods)
    found = await change_service.current_version(session)
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
