"""Conditional-request checks (RFC 9110 section 13), shared by the app and the response cache.

``If-None-Match`` takes precedence over ``If-Modified-Since``: a request that
carries both is judged by its ETags alone, as section 13.1.3 asks.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from email.utils import parsedate_to_datetime

# A list's ETag names the data version it was computed at and a digest of the request
# that shapes it: ``"v<version>-<16 hex digits>"``.
_DATA_ETAG_VERSION = re.compile(r'"v([0-9]+)-')


def data_etag(version: int, identity: str) -> str:
    """The ETag of an answer computed at data ``version`` for the request ``identity``."""
    return f'"v{version}-{hashlib.sha256(identity.encode()).hexdigest()[:16]}"'


def data_versions_named(if_none_match: str) -> list[int]:
    """The data versions the ETags of an ``If-None-Match`` value were computed at."""
    return [int(version) for version in _DATA_ETAG_VERSION.findall(if_none_match)]


def etag_matches(header: str | None, etag: str | None) -> bool:
    """``If-None-Match`` against ``etag``, compared weakly (as RFC 9110 asks for GET)."""
    if header is None or etag is None:
        return False
    candidates = [candidate.strip().removeprefix("W/") for candidate in header.split(",")]
    return "*" in candidates or etag in candidates


def not_modified_since(header: str | None, last_modified: dt.datetime | None) -> bool:
    """True when ``If-Modified-Since`` names ``last_modified`` or a later moment.

    A date that does not parse is ignored (RFC 9110 section 13.1.3).
    """
    if not header or last_modified is None:
        return False
    try:
        since = parsedate_to_datetime(header)
    except (TypeError, ValueError, IndexError):
        return False
    if since.tzinfo is None:
        since = since.replace(tzinfo=dt.UTC)
    return last_modified.replace(microsecond=0) <= since


def not_modified(
    *,
    if_none_match: str | None,
    if_modified_since: str | None,
    etag: str | None,
    last_modified: dt.datetime | None,
) -> bool:
    """Whether a GET with these preconditions is answered 304."""
    if if_none_match is not None:
        return etag_matches(if_none_match, etag)
    return not_modified_since(if_modified_since, last_modified)
