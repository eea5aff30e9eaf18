"""GET /v1/cite: how to cite the dataset at a version, or one answer pinned to it."""

from __future__ import annotations

from typing import Annotated

import orjson
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from app.adapters_common import SettingsDep
from app.api.deps import SessionDep
from app.api.params import READ_DEPENDENCIES
from app.http.problems import methods_at, problem_responses
from app.schemas.cite import CITE_MEDIA_TYPES, CiteFormat, DatasetCitationRead
from app.services import cite as cite_service

router = APIRouter(prefix=cite_service.CITE_PATH, tags=["meta"], dependencies=READ_DEPENDENCIES)

RequestParam = Annotated[
    str | None,
    Query(
        alias="request",
        min_length=1,
        max_length=2048,
        description="A request of this API to cite, as a path with its query: "
        "`/v1/forums/RCM?lang=es` (URL-encoded in the query string: "
        "`request=%2Fv1%2Fforums%2FRCM%3Flang%3Des`). It must be served by a GET route "
        "under `/v1`; a `version` parameter in it is replaced by the cited version (give "
        "`version` to /v1/cite itself to cite another). Without it, the dataset as a whole "
        "is cited.",
        examples=["/v1/forums/RCM?lang=es"],
    ),
]
FormatParam = Annotated[
    CiteFormat | None,
    Query(
        description="`json` (default): the pinned URL, the version and every form below; "
        "`csl`: a CSL-JSON array (`application/vnd.citationstyles.csl+json`); `bibtex`: a "
        "BibTeX entry (`application/x-bibtex`); `text`: one formatted line (`text/plain`). "
        "Overrides the Accept header, which may ask for the same media types."
    ),
]


def _format(request: Request, asked: CiteFormat | None) -> CiteFormat:
    """``format=`` wins; else a citation media type the Accept header names (CSL-JSON,
    BibTeX, plain text, in that order); else JSON."""
    if asked is not None:
        return asked
    accept = request.headers.get("accept", "")
    for name in ("csl", "bibtex"):
        if CITE_MEDIA_TYPES[name] in accept:
            return name
    return "text" if "text/plain" in accept else "json"


@router.get(
    "",
    operation_id="get_citation",
    response_model=DatasetCitationRead,
    responses={
        200: {
            "description": "The citation, in the form `format` (or `Accept`) asks for.",
            "content": {
                CITE_MEDIA_TYPES["csl"]: {
                    "schema": {
                        "type": "array",
                        "items": {"$ref": "#/components/schemas/CslItem"},
                    }
                },
                CITE_MEDIA_TYPES["bibtex"]: {"schema": {"type": "string"}},
                CITE_MEDIA_TYPES["text"]: {"schema": {"type": "string"}},
            },
        },
        **problem_responses(400),
    },
)
async def get_citation(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    cited: RequestParam = None,
    format: FormatParam = None,
) -> Response:
    """How to cite migov: the dataset at a version, or one request pinned to that version.

    The version is the current one, or the one `version` (or `Migov-Data-Version`)
    names, as on every read. Copy the pinned `url` to let a reader see exactly what
    you saw: it answers what migov answered at that version, and is the cited
    request's own `cite-as` link. The same citation comes as CSL-JSON (Zotero, Pandoc
    and other citation processors read it), as BibTeX, and as one formatted line.
    Cite a request with `request=/v1/...`; without it, the whole dataset of that
    version (its data package) is cited. `accessed` is today (UTC).
    """
    citation = await cite_service.cite(
        session,
        request=cited,
        base_url=settings.public_url or str(request.base_url),
        accessed=cite_service.today(),
        route_methods=lambda path: methods_at(request.app, path),
    )
    chosen = _format(request, format)
    if chosen == "csl":
        body = orjson.dumps([citation.csl.model_dump(mode="json", by_alias=True)])
    elif chosen == "bibtex":
        body = citation.bibtex.encode()
    elif chosen == "text":
        body = (citation.text + "\n").encode()
    else:
        body = citation.model_dump_json(by_alias=True).encode()
    return Response(body, media_type=CITE_MEDIA_TYPES[chosen])
