"""Pledges: who committed what, where, in which currency, and its USD equivalent.

Reads are open. Writes (submit, batch, update) need an API key with
``pledges:write``; they are rate limited per key, idempotent with an
Idempotency-Key, and updates are optimistic (If-Match with the pledge's ETag).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Path, Query, Request
from fastapi.responses import Response

from app.adapters_common import data_version_headers
from app.api import includes
from app.api.conditional import (
    item_headers,
    pledge_etag,
    version_from_if_match,
    version_headers,
)
from app.api.deps import (
    AllRowsParam,
    BatchWriterKeyDep,
    CursorParam,
    IdempotencyKeyHeader,
    LangDep,
    LimitParam,
    SessionDep,
    WriterKeyDep,
    data_version,
    min_version,
    reject_unknown_query_params,
)
from app.api.includes import PledgeInclude
from app.api.params import MAX_ID, READ_DEPENDENCIES, PledgeFilterQuery
from app.api.rendering import FormatDep, csv_response_doc, render, render_page, stream_all
from app.errors import InvalidInput
from app.http.preconditions import etag_matches
from app.http.problems import problem_responses
from app.schemas.filters import Lowered
from app.schemas.included import IncludingPage
from app.schemas.pledge import (
    PledgeCreate,
    PledgeRead,
    PledgeSummary,
    PledgeSummaryRow,
    PledgeUpdate,
    SummaryKey,
)
from app.schemas.pledge_writes import PledgeBatch, PledgeBatchResult, PledgeHistory
from app.services import pledge_updates, pledge_writes
from app.services import pledges as pledge_service
from app.services.paging import PageResult
from app.services.pledge_writes import PledgeWrite, WriteOutcome
from app.services.pledges import PledgeSort

# Dependencies are per route: list reads share the dataset-wide conditional GET,
# while one pledge carries its own ETag (its version) for If-Match.
router = APIRouter(prefix="/v1/pledges", tags=["pledges"])
STRICT = [Depends(reject_unknown_query_params)]
WRITE_PROBLEMS = problem_responses(400, 401, 403, 409, 413, 422, 429)
STREAMED_SORTS = (PledgeSort.ID, PledgeSort.ID_DESC)
PledgeIdPath = Annotated[int, Path(ge=1, le=MAX_ID, description="The pledge's id.")]


@router.get(
    "",
    operation_id="list_pledges",
    dependencies=READ_DEPENDENCIES,
    response_model=IncludingPage[PledgeRead],
    responses={**problem_responses(400), **csv_response_doc()},
)
async def list_pledges(
    request: Request,
    session: SessionDep,
    lang: LangDep,
    output: FormatDep,
    filters: PledgeFilterQuery,
    sort: Annotated[PledgeSort, Query(description="Ordering; `-` for descending.")] = PledgeSort.ID,
    include: PledgeInclude = None,
    limit: LimitParam = 100,
    cursor: CursorParam = None,
    all_rows: AllRowsParam = False,
) -> Response:
    """List pledges, curated and submitted, with their USD equivalents."""
    if all_rows:
        if sort not in STREAMED_SORTS:
            # Only the id has an index to walk every row by on both engines; any other
            # order would re-sort the whole filtered list for each page of the stream.
            detail = "all=true streams pledges in id order: use sort=id (the default) or sort=-id."
            raise InvalidInput(
                detail,
                code="invalid_parameter",
                field="sort",
                errors=[{"field": "sort", "detail": detail, "requires": ["sort=id", "sort=-id"]}],
            )

        async def fetch(cursor: str | None, limit: int) -> PageResult[PledgeRead]:
            page = await pledge_service.list_pledge_rows(
                session, filters, sort=sort, limit=limit, cursor=cursor, lang=lang, with_total=False
            )
            return page.map(lambda row: row.read)

        return await stream_all(
            output, PledgeRead, fetch, request=request, cursor=cursor, filename="pledges"
        )
    page = (
        await pledge_service.list_pledge_rows(
            session, filters, sort=sort, limit=limit, cursor=cursor, lang=lang
        )
    ).map(lambda row: row.read)
    included = await includes.collect(
        session,
        include,
        forum_codes=(p.forum for p in page.items),
        event_ids=(p.event for p in page.items),
        lang=lang,
    )
    return render_page(
        request,
        output,
        PledgeRead,
        page.items,
        total=page.total,
        next_cursor=page.next_cursor,
        filename="pledges",
        included=included,
    )


@router.get(
    "/summary",
    operation_id="summarize_pledges",
    dependencies=READ_DEPENDENCIES,
    response_model=PledgeSummary,
    responses={**problem_responses(400), **csv_response_doc()},
)
async def summarize_pledges(
    request: Request,
    session: SessionDep,
    output: FormatDep,
    filters: PledgeFilterQuery,
    group_by: Annotated[
        tuple[SummaryKey, ...] | None,
        Lowered,
        Query(
            description="Group by any of forum, year, kind, status, pledger, currency, in "
            "order (repeat or comma-separate: `group_by=forum,year`)."
        ),
    ] = None,
) -> Response:
    """Pledge totals per group: per original currency, in USD, and how many lack a USD rate.

    Amounts in different currencies are never added together. Grouped by
    `pledger`, a joint pledge counts in full for each of its pledgers. Groups come in
    the order of their keys, unknown values (no forum, no date) first.
    """
    items = await pledge_service.summarize_pledges(session, filters, group_by=group_by or ())
    body = PledgeSummary(group_by=list(dict.fromkeys(group_by or ())), groups=items)
    return render(request, body, items, PledgeSummaryRow, output, filename="pledge-summary")


@router.get(
    "/{pledge_id:int}",
    operation_id="get_pledge",
    response_model=PledgeRead,
    dependencies=[*STRICT, Depends(min_version), Depends(data_version)],
    responses={
        200: {
            "headers": {
                "ETag": {
                    "description": "The pledge's version; send it in If-Match to update.",
                    "schema": {"type": "string"},
                }
            }
        },
        304: {"description": "Not modified: If-None-Match holds the current ETag."},
        **problem_responses(400, 404),
    },
)
async def get_pledge(
    request: Request, session: SessionDep, lang: LangDep, pledge_id: PledgeIdPath
) -> Response:
    """One pledge by id, with its ETag.

    The ETag (`"p<id>-v<version>"`) changes with every update; send it as
    `If-Match` to update the pledge, or as `If-None-Match` to get 304 while it is
    unchanged.
    """
    known = getattr(request.state, "data_version", None)
    if known is not None:  # the response cache's, or the version the request named
        pledge, shown = (
            (await pledge_service.get_pledge_row(session, pledge_id, lang=lang)).read,
            known.version,
        )
    else:
        row, shown = await pledge_service.get_pledge_row_and_version(session, pledge_id, lang=lang)
        pledge = row.read
    headers = {
        **item_headers(pledge_etag(pledge.id, pledge.version)),
        **version_headers(request, shown),
    }
    if etag_matches(request.headers.get("if-none-match"), headers["ETag"]):
        return Response(status_code=304, headers=headers)
    body = pledge.model_dump_json()
    return Response(body, media_type="application/json", headers=headers)


@router.get(
    "/{pledge_id:int}/history",
    operation_id="get_pledge_history",
    dependencies=READ_DEPENDENCIES,
    responses=problem_responses(400, 404),
)
async def get_pledge_history(session: SessionDep, pledge_id: PledgeIdPath) -> PledgeHistory:
    """Every version of a submitted pledge: who wrote it (key prefix), when, what changed.

    Open to everyone, like the pledge itself. Progress notes sent with updates
    appear here with the version they produced. Curated pledges change through
    the dataset files, so their history is empty; follow them in `/v1/changes`.
    """
    return await pledge_updates.pledge_history(session, pledge_id)


def _written(write: PledgeWrite) -> Response:
    """201 for a pledge this request stored, 200 otherwise; a replay repeats the first answer."""
    pledge = write.pledge
    headers = {
        "Location": f"/v1/pledges/{pledge.id}",
        "ETag": pledge_etag(pledge.id, pledge.version),
        **data_version_headers(write.data_version),
    }
    if write.first_answer is not None:
        headers["Idempotent-Replayed"] = "true"
        created, body = write.first_answer.created, write.first_answer.body
    else:
        created, body = write.outcome is WriteOutcome.CREATED, pledge.model_dump_json()
    return Response(
        body, status_code=201 if created else 200, media_type="application/json", headers=headers
    )


@router.post(
    "",
    operation_id="submit_pledge",
    status_code=201,
    response_model=PledgeRead,
    dependencies=STRICT,
    responses={
        201: {"description": "Stored. `Location` names the pledge and `ETag` its version."},
        200: {
            "model": PledgeRead,
            "description": "Not stored again: your key already submitted this `external_ref`; "
            "this is that pledge.",
        },
        **WRITE_PROBLEMS,
    },
)
async def submit_pledge(
    session: SessionDep,
    api_key: WriterKeyDep,
    pledge: PledgeCreate,
    idempotency_key: IdempotencyKeyHeader = None,
) -> Response:
    """Submit a pledge (needs `pledges:write`).

    Safe to retry: with an `Idempotency-Key`, a retry answers exactly what the
    first attempt answered (header `Idempotent-Replayed: true`) and stores
    nothing twice. Without one, a repeated `external_ref` answers the pledge
    already stored, with 200. Every refused field is named in `errors`.
    """
    write = await pledge_writes.submit(session, api_key, pledge, idempotency_key=idempotency_key)
    await session.commit()
    return _written(write)


@router.post(
    "/batch",
    operation_id="submit_pledge_batch",
    response_model=PledgeBatchResult,
    dependencies=STRICT,
    responses=WRITE_PROBLEMS,
)
async def submit_pledge_batch(
    session: SessionDep,
    api_key: BatchWriterKeyDep,
    batch: PledgeBatch,
    idempotency_key: IdempotencyKeyHeader = None,
    atomic: Annotated[
        bool,
        Query(description="`true`: all or nothing; one refused pledge refuses the batch (422)."),
    ] = False,
) -> Response:
    """Submit up to 1,000 pledges at once, with one result per pledge (needs `pledges:write`).

    By default the good pledges are stored and each refused one says why in its
    result. With `atomic=true` either every pledge is stored or none is, and the
    refusal names each field as `pledges.<index>.<field>`. Pledges carrying an
    `external_ref` your key already used come back as `existing`. An
    `Idempotency-Key` covers the whole batch. Each pledge takes one write of the
    key's quota (`RateLimit`).
    """
    write = await pledge_writes.submit_batch(
        session, api_key, batch.pledges, atomic=atomic, idempotency_key=idempotency_key
    )
    await session.commit()
    headers = data_version_headers(write.data_version)
    if write.first_answer is not None:
        return Response(
            write.first_answer.body,
            media_type="application/json",
            headers={"Idempotent-Replayed": "true", **headers},
        )
    return Response(write.result.model_dump_json(), media_type="application/json", headers=headers)


@router.patch(
    "/{pledge_id:int}",
    operation_id="update_pledge",
    response_model=PledgeRead,
    dependencies=STRICT,
    responses={
        200: {"description": "Updated; `ETag` holds the new version."},
        **problem_responses(400, 401, 403, 404, 409, 412, 413, 422, 428, 429),
    },
)
async def update_pledge(
    session: SessionDep,
    api_key: WriterKeyDep,
    pledge_id: PledgeIdPath,
    changes: PledgeUpdate,
    if_match: Annotated[
        str | None,
        Header(
            alias="If-Match",
            description="The pledge's current ETag, from GET or from your last write. "
            "Required (428 without); 412 when the pledge changed since.",
        ),
    ] = None,
    idempotency_key: IdempotencyKeyHeader = None,
) -> Response:
    """Update a pledge you submitted: status, progress notes, corrections (needs `pledges:write`).

    A `pledges:admin` key may update any submitted pledge. Status moves only
    forward (announced → in_progress → fulfilled); `withdrawn` is reachable from
    any status and final: pledges are withdrawn, never deleted. A
    `progress_note` is kept in the pledge's history. A body that changes
    nothing and has no note answers the pledge as it is.
    """
    write = await pledge_updates.update_pledge(
        session,
        api_key,
        pledge_id,
        changes,
        expected_version=version_from_if_match(if_match, pledge_id),
        idempotency_key=idempotency_key,
    )
    await session.commit()
    return _written(write)
