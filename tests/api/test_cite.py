"""GET /v1/cite: a citation of the dataset at a version, or of one request pinned to it,
and the same citation in the data package.

Each form is read as the tools that consume it would: the CSL-JSON is validated against
the published CSL-JSON schema (tests/schemas/csl-data.json) and formatted by a CSL
processor (citeproc-py), the BibTeX is parsed by bibtexparser.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest
from bibtexparser.entrypoint import parse_string as parse_bibtex
from citeproc import (
    Citation,
    CitationItem,
    CitationStylesBibliography,
    CitationStylesStyle,
    formatter,
)
from citeproc.source.json import CiteProcJSON
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.services import changes as change_service
from tests.api.helpers import get_json
from tests.conftest import build_app, client_for
from tests.factories import make_api_key, pledge_body

PROBLEM = "application/problem+json"
CSL_SCHEMA = json.loads(
    (Path(__file__).resolve().parents[1] / "schemas" / "csl-data.json").read_text()
)
TITLE = "migov: regional migration-governance data"
AUTHOR = "The migov contributors"


def today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def date_parts(day: dt.date) -> dict[str, list[list[int]]]:
    return {"date-parts": [[day.year, day.month, day.day]]}


def valid_csl(items: list[dict[str, Any]]) -> None:
    """Raises unless ``items`` is CSL-JSON as the Citation Style Language publishes it."""
    jsonschema.Draft7Validator(CSL_SCHEMA).validate(items)


def formatted(item: dict[str, Any]) -> str:
    """The bibliography entry a CSL processor makes of ``item`` (Harvard style)."""
    source = CiteProcJSON([item])
    style = CitationStylesStyle("harvard-cite-them-right", validate=False)
    bibliography = CitationStylesBibliography(style, source, formatter.plain)
    bibliography.register(Citation([CitationItem(item["id"])]))
    (entry,) = bibliography.bibliography()
    return str(entry)


def bibtex_entry(text: str) -> tuple[str, str, dict[str, str]]:
    """(type, key, fields) of the one BibTeX entry in ``text``, as bibtexparser reads it."""
    library = parse_bibtex(text)
    assert library.failed_blocks == []
    (entry,) = library.entries
    return entry.entry_type, entry.key, {f.key: f.value for f in entry.fields}


async def current(session: AsyncSession) -> change_service.Version:
    return await change_service.current_version(session)


def published(version: change_service.Version) -> dt.date:
    return version.changed_at.astimezone(dt.UTC).date()


async def test_by_default_the_dataset_at_its_current_version_is_cited(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    version = await current(session)
    day = published(version)
    before = today()
    response = await client.get("/v1/cite")
    after = today()
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    url = f"http://test/v1/download/migov-{version.version}.zip"
    accessed = body["csl"].pop("accessed")
    assert accessed in (date_parts(before), date_parts(after))
    note = f"Dataset version {version.version} ({day.isoformat()}). Data licence: CC-BY-4.0."
    assert body == {
        "url": url,
        "version": version.version,
        "date": day.isoformat(),
        "request": None,
        "csl": {
            "id": f"migov-v{version.version}",
            "type": "dataset",
            "title": TITLE,
            "author": [{"literal": AUTHOR}],
            "publisher": "migov",
            "version": str(version.version),
            "issued": date_parts(day),
            "URL": url,
            "note": note,
        },
        "bibtex": body["bibtex"],
        "text": (
            f"{AUTHOR} ({day.year}). {TITLE}, dataset version {version.version} of "
            f"{day.isoformat()} [Data set]. migov. Licence: CC-BY-4.0. {url} "
            f"(accessed {date_parts_day(accessed).isoformat()})."
        ),
    }
    kind, key, fields = bibtex_entry(body["bibtex"])
    assert (kind, key) == ("misc", f"migov-v{version.version}")
    assert fields == {
        "author": "{The migov contributors}",
        "title": "{migov: regional migration-governance data}",
        "year": str(day.year),
        "date": day.isoformat(),
        "version": str(version.version),
        "publisher": "migov",
        "url": url,
        "urldate": date_parts_day(accessed).isoformat(),
        "note": note,
    }


def date_parts_day(parts: dict[str, list[list[int]]]) -> dt.date:
    ((year, month, day),) = parts["date-parts"]
    return dt.date(year, month, day)


@pytest.mark.parametrize(
    ("asked", "media_type"),
    [
        ({"params": {"format": "json"}}, "application/json"),
        ({"params": {"format": "csl"}}, "application/vnd.citationstyles.csl+json"),
        ({"params": {"format": "bibtex"}}, "application/x-bibtex"),
        ({"params": {"format": "text"}}, "text/plain; charset=utf-8"),
        (
            {"headers": {"Accept": "application/vnd.citationstyles.csl+json"}},
            "application/vnd.citationstyles.csl+json",
        ),
        ({"headers": {"Accept": "application/x-bibtex"}}, "application/x-bibtex"),
        ({"headers": {"Accept": "text/plain"}}, "text/plain; charset=utf-8"),
        # format= wins over Accept, as on every resource.
        (
            {"params": {"format": "json"}, "headers": {"Accept": "application/x-bibtex"}},
            "application/json",
        ),
    ],
)
async def test_each_format_answers_in_its_media_type_and_says_the_same(
    client: httpx.AsyncClient, asked: dict[str, Any], media_type: str
) -> None:
    whole = await get_json(client, "/v1/cite", request="/v1/forums/RCM?lang=es")
    response = await client.get(
        "/v1/cite",
        params={"request": "/v1/forums/RCM?lang=es", **asked.get("params", {})},
        headers=asked.get("headers", {}),
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == media_type
    expected = {
        "application/json": whole,
        "application/vnd.citationstyles.csl+json": [whole["csl"]],
        "application/x-bibtex": whole["bibtex"],
        "text/plain; charset=utf-8": whole["text"] + "\n",
    }[media_type]
    received = response.text if isinstance(expected, str) else response.json()
    assert received == expected


@pytest.mark.parametrize("request_", [None, "/v1/actors?member_of=SICA&as_of=2021-10-01"])
async def test_the_csl_json_is_valid_and_a_citation_processor_formats_it(
    client: httpx.AsyncClient, session: AsyncSession, request_: str | None
) -> None:
    version = await current(session)
    params = {"format": "csl"} | ({"request": request_} if request_ else {})
    items = await get_json(client, "/v1/cite", **params)
    valid_csl(items)
    (item,) = items
    entry = formatted(item)
    accessed = date_parts_day(item["accessed"])
    assert entry == (
        f"{AUTHOR} ({published(version).year}) “{TITLE}”. migov. Available at: {item['URL']} "
        f"(Accessed: {accessed:%B} {accessed.day}, {accessed.year})."
    )
    # Where the schema would refuse it, the test would see it: a date with a fourth part,
    # a variable CSL does not have.
    with pytest.raises(jsonschema.ValidationError):
        valid_csl([{**item, "issued": {"date-parts": [[2026, 12, 5, 10]]}}])
    with pytest.raises(jsonschema.ValidationError):
        valid_csl([{**item, "licence": "CC-BY-4.0"}])


async def test_the_bibtex_entry_parses_with_a_request_in_its_url(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    version = await current(session)
    cited = "/v1/actors?q=M%C3%A9xico&kind=state"
    text = (await client.get("/v1/cite", params={"request": cited, "format": "bibtex"})).text
    kind, key, fields = bibtex_entry(text)
    whole = await get_json(client, "/v1/cite", request=cited)
    assert kind == "misc"
    assert key == whole["csl"]["id"]
    assert key.startswith(f"migov-v{version.version}-")
    assert fields["url"] == (
        f"http://test/v1/actors?q=M%C3%A9xico&kind=state&version={version.version}"
    )
    assert fields["note"] == (
        "The answer of the migov API to the request at this URL, as of dataset version "
        f"{version.version} ({published(version).isoformat()}). Data licence: CC-BY-4.0."
    )


async def test_two_requests_have_two_keys_and_one_request_always_the_same(
    client: httpx.AsyncClient,
) -> None:
    rcm = await get_json(client, "/v1/cite", request="/v1/forums/RCM")
    sica = await get_json(client, "/v1/cite", request="/v1/forums/SICA")
    again = await get_json(client, "/v1/cite", request="/v1/forums/RCM?version=1")
    assert rcm["csl"]["id"] != sica["csl"]["id"]
    assert again["csl"]["id"] == rcm["csl"]["id"]


@pytest.mark.parametrize(
    ("cited", "pinned", "unpinned"),
    [
        ("/v1/forums/RCM?lang=es", "/v1/forums/RCM?lang=es&version={v}", "/v1/forums/RCM?lang=es"),
        ("/v1/forums/RCM", "/v1/forums/RCM?version={v}", "/v1/forums/RCM"),
        # A version given in the request is replaced; the others keep their order.
        (
            "/v1/pledges?forum=RCM&version=1&kind=financial&lang=es",
            "/v1/pledges?forum=RCM&kind=financial&lang=es&version={v}",
            "/v1/pledges?forum=RCM&kind=financial&lang=es",
        ),
        # Parameters are read as the server reads them and written as every read's
        # cite-as link writes them: the same values, form-encoded.
        (
            "/v1/actors?member_of=SICA,MIRPS&q=costa+rica",
            "/v1/actors?member_of=SICA%2CMIRPS&q=costa+rica&version={v}",
            "/v1/actors?member_of=SICA%2CMIRPS&q=costa+rica",
        ),
        (
            "/v1/actors?q=M%C3%A9xico&kind=state",
            "/v1/actors?q=M%C3%A9xico&kind=state&version={v}",
            "/v1/actors?q=M%C3%A9xico&kind=state",
        ),
        ("/v1/events?forum=MIRPS&", "/v1/events?forum=MIRPS&version={v}", "/v1/events?forum=MIRPS"),
    ],
)
async def test_a_request_is_pinned_to_the_cited_version(
    client: httpx.AsyncClient, session: AsyncSession, cited: str, pinned: str, unpinned: str
) -> None:
    version = (await current(session)).version
    body = await get_json(client, "/v1/cite", request=cited)
    assert body["url"] == "http://test" + pinned.format(v=version)
    assert body["csl"]["URL"] == body["url"]
    assert body["request"] == unpinned
    assert body["version"] == version
    assert f", answer to {unpinned}. migov." in body["text"]
    # The pinned URL is the cite-as link the cited request answers with, and answers
    # at the version cited.
    answered = await client.get(unpinned)
    assert answered.status_code == 200
    assert f'<{pinned.format(v=version)}>; rel="cite-as"' in answered.headers["link"]
    again = await client.get(pinned.format(v=version))
    assert again.status_code == 200
    assert again.headers["migov-data-version"] == str(version)
    assert again.content == answered.content


async def test_an_earlier_version_is_cited_as_it_was_published(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    before = await current(session)
    key = await make_api_key(session, name="cite")
    submitted = await client.post("/v1/pledges", json=pledge_body(), headers=key.headers)
    assert submitted.status_code == 201
    after = await current(session)
    assert after.version == before.version + 1

    latest = await get_json(client, "/v1/cite")
    assert latest["version"] == after.version
    earlier = await get_json(client, "/v1/cite", version=before.version)
    assert earlier["version"] == before.version
    assert earlier["date"] == published(before).isoformat()
    assert earlier["url"] == f"http://test/v1/download/migov-{before.version}.zip"
    pinned = await get_json(client, "/v1/cite", version=before.version, request="/v1/pledges")
    assert pinned["url"] == f"http://test/v1/pledges?version={before.version}"


@pytest.mark.parametrize("distance", [1, 1000])
async def test_a_version_that_cannot_be_read_is_refused_naming_the_current_one(
    client: httpx.AsyncClient, session: AsyncSession, distance: int
) -> None:
    version = (await current(session)).version
    asked = version + distance
    response = await client.get("/v1/cite", params={"version": asked, "request": "/v1/forums"})
    assert response.status_code == 400
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert body["code"] == "unknown_version"
    assert body["detail"].startswith(f"Data version {asked} cannot be read: the versions kept")
    assert body["detail"].endswith(f" to {version} (the current one).")
    assert body["errors"][0]["field"] == "version"


@pytest.mark.parametrize(
    ("asked", "headers"),
    [({"version": "0"}, {}), ({"version": "two"}, {}), ({}, {"Migov-Data-Version": "0"})],
)
async def test_a_malformed_version_is_refused(
    client: httpx.AsyncClient, asked: dict[str, str], headers: dict[str, str]
) -> None:
    response = await client.get("/v1/cite", params=asked, headers=headers)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_version"


@pytest.mark.parametrize(
    ("cited", "detail"),
    [
        (
            "https://migov.example.org/v1/forums/RCM",
            "The request is an absolute URL ('https://migov.example.org/v1/forums/RCM'); "
            "give it as a path of this API, without scheme or host: /v1/...",
        ),
        (
            "//elsewhere.example/v1/forums",
            "The request names a host ('elsewhere.example'); only this API's own paths can "
            "be cited, given without a host: /v1/...",
        ),
        (
            "/v1/pledges/batch",
            "'/v1/pledges/batch' is not read with GET (it takes POST); only answers to GET "
            "requests can be cited.",
        ),
        ("/v1/cite", "/v1/cite cites other requests; it cannot cite itself."),
        ("/v1/cite?version=1", "/v1/cite cites other requests; it cannot cite itself."),
        ("/v1/nowhere", "No route of this API has the path '/v1/nowhere'."),
        (
            "/v1/forums/RCM/extra/parts",
            "No route of this API has the path '/v1/forums/RCM/extra/parts'.",
        ),
        ("/docs", "Only paths under /v1/ can be cited, not '/docs'."),
        ("v1/forums", "Only paths under /v1/ can be cited, not 'v1/forums'."),
        (
            "/v1/forums/../meta",
            "The path '/v1/forums/../meta' holds a `.` or `..` segment; give it plainly.",
        ),
        ("/v1/forums#top", "A request has no fragment (`#...`): drop it."),
        ("//[::1/v1/forums", "'//[::1/v1/forums' cannot be read as a URL path (Invalid IPv6 URL)."),
    ],
)
async def test_a_request_that_cannot_be_cited_is_refused_saying_why(
    client: httpx.AsyncClient, cited: str, detail: str
) -> None:
    response = await client.get("/v1/cite", params={"request": cited})
    assert response.status_code == 400
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert body["code"] == "uncitable_request"
    assert body["detail"] == detail
    assert body["errors"] == [{"field": "request", "detail": detail}]


async def test_links_start_with_the_host_asked_or_the_configured_public_url(
    settings: Settings, session: AsyncSession
) -> None:
    version = (await current(session)).version
    async with client_for(build_app(settings, session), "https://partner.example") as client:
        body = await get_json(client, "/v1/cite", request="/v1/meta")
    assert body["url"] == f"https://partner.example/v1/meta?version={version}"

    public = settings.model_copy(update={"public_url": "https://migov.example.org/data"})
    async with client_for(build_app(public, session), "http://internal:8000") as client:
        body = await get_json(client, "/v1/cite", request="/v1/meta")
    assert body["url"] == f"https://migov.example.org/data/v1/meta?version={version}"
    assert body["url"] in body["text"]


@pytest.mark.parametrize("value", ["migov.example.org", "ftp://migov.example.org", "https://"])
def test_a_public_url_must_be_an_absolute_web_address(value: str) -> None:
    with pytest.raises(ValueError, match="public_url must be an absolute http"):
        Settings(public_url=value, _env_file=None)


def test_a_public_url_is_kept_without_its_trailing_slash() -> None:
    given = Settings(public_url=" https://migov.example.org/data/ ", _env_file=None)
    assert given.public_url == "https://migov.example.org/data"
    assert Settings(public_url="", _env_file=None).public_url is None


async def test_the_data_package_carries_the_citation_of_its_version(
    exporting_client: httpx.AsyncClient,
) -> None:
    client = exporting_client
    listing = await get_json(client, "/v1/download")
    (zipped,) = [f for f in listing["files"] if f["format"] == "zip"]
    archive = await client.get(zipped["url"])
    assert archive.status_code == 200
    with zipfile.ZipFile(io.BytesIO(archive.content)) as package:
        descriptor = json.loads(package.read("datapackage.json"))
    citation = descriptor["citation"]
    assert set(citation) == {"text", "bibtex", "csl"}

    cited = await get_json(client, "/v1/cite", version=listing["dataset_version"])
    # The same citation as /v1/cite gives for the version, less the server's address and
    # the day it was asked for, which a build of the package cannot know or would vary.
    valid_csl([citation["csl"]])
    expected_csl = {k: v for k, v in cited["csl"].items() if k not in ("URL", "accessed")}
    assert citation["csl"] == expected_csl
    assert citation["csl"]["title"] == descriptor["title"]
    assert citation["csl"]["version"] == descriptor["version"]
    assert citation["text"] == cited["text"].split(f" {cited['url']}")[0]
    kind, key, fields = bibtex_entry(citation["bibtex"])
    cited_kind, cited_key, cited_fields = bibtex_entry(cited["bibtex"])
    assert (kind, key) == (cited_kind, cited_key)
    assert fields == {k: v for k, v in cited_fields.items() if k not in ("url", "urldate")}
