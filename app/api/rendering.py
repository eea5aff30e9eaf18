"""Rendering a page (or a summary) as JSON or CSV, with HXL hashtags on request.

CSV is a second renderer of the same ``Page``, not a second query path: the same
rows, flattened. The CSV reads back without loss:

* Nested objects become prefixed columns (``actor_id``, ``actor_name``).
* Lists and maps become one JSON-encoded cell, and the column's name ends in
  ``_json`` (``citations_json``: ``[{"source_id": ..., "locator": ...}]``), exactly
  as the JSON answer has them (an empty cell when null, like every null). Nothing is
  joined with a separator a value may hold.
* Text cells that a spreadsheet would run as a formula (starting with ``=``, ``+``,
  ``-``, ``@``, tab or carriage return) get a leading ``'``, as OWASP advises
  against CSV injection; so does a text cell that itself starts with ``'``, so the
  rule reverses exactly: drop one leading ``'`` from a text cell. Numbers and dates
  are never touched, so ``-12.50`` stays a number.
* ``all=true`` streams every row of the filtered list in one answer, reading the
  list a keyset page at a time (``stream_all``), so memory stays flat however
  many rows there are.

Columns come from the model class, so the header is the same on every page.
"""

from __future__ import annotations

import csv
import dataclasses
import functools
import io
import json
import types
import typing
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator, Sequence
from enum import Enum
from typing import Annotated, Any, Literal, Union

from fastapi import Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel

from app.api.streams import BoundedStreamingResponse, send_timeout, stream_slots
from app.db import DB_BUDGET, DatabaseBudget, release_connection
from app.errors import InvalidInput
from app.schemas.common import FilterNoteRead, JsonCell, JudgedPage, Page, csv_cell
from app.schemas.included import Included, IncludingPage, JudgedIncludingPage
from app.services.paging import MAX_LIMIT, FilterNote, PageResult

Format = Literal["json", "csv"]
CSV_MEDIA_TYPE = "text/csv; charset=utf-8"

# Default HXL hashtags by flattened column name; resources override where meaning differs.
HXL_TAGS: dict[str, str] = {
    "id": "#meta+id",
    "code": "#group+code",
    "forum": "#group+code",
    "parent": "#group+code+parent",
    "name": "#meta+name",
    "kind": "#meta+type",
    "role": "#meta+role",
    "actor_id": "#org+id",
    "actor_iso3": "#country+code",
    "actor_name": "#org+name",
    "actor_kind": "#org+type",
    "pledgers_json": "#org+list+json",
    "hosts_json": "#org+host+list+json",
    "start": "#date+start",
    "end": "#date+end",
    "founded": "#date+founded",
    "announced_on": "#date+announced",
    "reported": "#date+reported",
    "period_start": "#date+start",
    "period_end": "#date+end",
    "amount": "#value",
    "currency": "#currency",
    "amount_usd": "#value+usd",
    "share_pct": "#value+pct",
    "total_pct": "#value+pct+total",
    "announced_total_amount": "#value+total",
    "announced_total_currency": "#currency+total",
    "status": "#status",
    "event": "#event+id",
    "place": "#loc+name",
    "country": "#country+code",
    "title": "#description+title",
    "description": "#description",
    "citations_json": "#meta+source+json",
    "iso3": "#country+code",
    "count": "#indicator+num",
}


async def get_format(
    request: Request,
    format: Annotated[
        Format | None,
        Query(description="`json` (default) or `csv`; overrides the Accept header."),
    ] = None,
    hxl: Annotated[
        bool,
        Query(
            description="CSV with a second row of HXL hashtags (#org, #date, ...). Implies "
            "CSV unless `format=json` is given, in which case it is ignored."
        ),
    ] = False,
    bom: Annotated[
        bool,
        Query(
            description="CSV starting with a UTF-8 byte order mark, so that Excel on Windows "
            "reads accents right (`Bogotá`, not `BogotÃ¡`). Ignored for JSON."
        ),
    ] = False,
) -> tuple[Format, bool]:
    request.state.csv_bom = bom
    if format is None:
        wants_csv = hxl or "text/csv" in request.headers.get("accept", "")
        format = "csv" if wants_csv else "json"
    return format, hxl and format == "csv"


FormatDep = Annotated[tuple[Format, bool], Depends(get_format)]


def _unwrap(annotation: Any) -> Any:
    origin = typing.get_origin(annotation)
    if origin in (Union, types.UnionType):
        members = [a for a in typing.get_args(annotation) if a is not type(None)]
        return _unwrap(members[0]) if len(members) == 1 else annotation
    if origin is Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    return annotation


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


Getter = Callable[[Any], Any]


def csv_columns(model: type[BaseModel], prefix: str = "") -> list[tuple[str, Getter]]:
    """Flattened (column, getter) pairs for ``model``; lists and maps end in ``_json``."""
    columns: list[tuple[str, Getter]] = []
    for name, info in model.model_fields.items():
        annotation = _unwrap(info.annotation)
        column = f"{prefix}{name}"
        if _is_model(annotation):
            for sub, getter in csv_columns(annotation, f"{column}_"):
                columns.append((sub, _nested(name, getter)))
        elif typing.get_origin(annotation) in (list, dict) or annotation in (list, dict):
            columns.append((f"{column}{JSON_SUFFIX}", _json_cell(name)))
        else:
            columns.append((column, _attribute(name)))
    return columns


JSON_SUFFIX = "_json"


def _attribute(name: str) -> Getter:
    return lambda obj: getattr(obj, name)


def _nested(name: str, getter: Getter) -> Getter:
    def get(obj: Any) -> Any:
        inner = getattr(obj, name)
        return None if inner is None else getter(inner)

    return get


def _json_cell(name: str) -> Getter:
    """The field as JSON text; a null list or map is an empty cell, as every null is."""

    def get(obj: Any) -> JsonCell | None:
        value = getattr(obj, name)
        if value is None:
            return None
        return JsonCell(json.dumps(_plain(value), ensure_ascii=False, separators=(",", ":")))

    return get


def _plain(value: Any) -> Any:
    """``value`` as the JSON answer gives it (models dumped the way their JSON is)."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple) and not hasattr(value, "_fields"):
        return [_plain(v) for v in value]
    if isinstance(value, Enum):
        return value.value
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)  # Decimal as its exact digits, dates in ISO form, as pydantic writes them


class _CsvWriter:
    """Rows to CSV text in chunks of about 64 KB."""

    def __init__(self, columns: list[tuple[str, Getter]]) -> None:
        self.columns = columns
        self.buffer = io.StringIO()
        self.writer = csv.writer(self.buffer, lineterminator="\r\n")

    def flush(self) -> str:
        text = self.buffer.getvalue()
        self.buffer.seek(0)
        self.buffer.truncate()
        return text

    def header(self, hxl: bool, tags: dict[str, str]) -> str:
        self.writer.writerow([name for name, _ in self.columns])
        if hxl:
            self.writer.writerow(
                [tags.get(name, HXL_TAGS.get(name, "")) for name, _ in self.columns]
            )
        return self.flush()

    def rows(self, rows: Iterable[BaseModel]) -> Iterator[str]:
        for row in rows:
            self.writer.writerow([csv_cell(getter(row), guard=True) for _, getter in self.columns])
            if self.buffer.tell() > 64 * 1024:
                yield self.flush()
        yield self.flush()


def _csv_lines(
    rows: Sequence[BaseModel],
    columns: list[tuple[str, Getter]],
    hxl: bool,
    tags: dict[str, str],
) -> Iterator[str]:
    writer = _CsvWriter(columns)
    yield writer.header(hxl, tags)
    yield from writer.rows(rows)


BOM = "\ufeff"


def _bom(request: Request) -> str:
    """The byte order mark ``bom=true`` asks a CSV to start with (``get_format``)."""
    return BOM if getattr(request.state, "csv_bom", False) else ""


def csv_disposition(filename: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{filename}.csv"'}


def next_link(request: Request, next_cursor: str | None) -> dict[str, str]:
    if next_cursor is None:
        return {}
    url = request.url.include_query_params(cursor=next_cursor)
    return {"Link": f'<{url}>; rel="next"'}


def render(
    request: Request,
    body: BaseModel,
    rows: Sequence[BaseModel],
    row_model: type[BaseModel],
    output: tuple[Format, bool],
    *,
    next_cursor: str | None = None,
    filename: str = "export",
    hxl_tags: dict[str, str] | None = None,
) -> Response:
    """JSON of ``body``, or CSV of ``rows``, plus the Link header.

    A page is in memory already, so its CSV goes out whole, as one complete answer the
    response cache may keep; only ``all=true`` streams (``stream_all``).
    """
    fmt, hxl = output
    headers = next_link(request, next_cursor)
    if fmt == "csv":
        headers.update(csv_disposition(filename))
        lines = _csv_lines(rows, csv_columns(row_model), hxl, hxl_tags or {})
        text = _bom(request) + "".join(lines)
        return Response(text, media_type=CSV_MEDIA_TYPE, headers=headers)
    return Response(body.model_dump_json(), media_type="application/json", headers=headers)


def csv_response_doc(
    description: str = "The same rows as CSV (`format=csv`).",
) -> dict[int | str, Any]:
    return {
        200: {"content": {"text/csv": {"schema": {"type": "string"}}}, "description": description}
    }


@functools.cache
def page_type(
    model: type[BaseModel], *, including: bool = False, judged: bool = False
) -> type[BaseModel]:
    """``Page[model]`` (``IncludingPage``, ``JudgedPage``, ``JudgedIncludingPage``), made once:
    pydantic keeps its parametrized classes only weakly, and rebuilding one cost a page
    about a tenth of its time."""
    if judged:
        return (JudgedIncludingPage if including else JudgedPage)[model]  # type: ignore[return-value]
    return (IncludingPage if including else Page)[model]  # type: ignore[return-value]


def render_page(
    request: Request,
    output: tuple[Format, bool],
    model: type[BaseModel],
    items: Sequence[BaseModel],
    *,
    total: int,
    next_cursor: str | None,
    filename: str,
    hxl_tags: dict[str, str] | None = None,
    included: Included | None = None,
    judged: bool = False,
    possible_left_out: int | None = None,
    notes: Sequence[FilterNote] = (),
) -> Response:
    """A list endpoint's response: ``Page[model]`` as JSON, or its rows as CSV.

    With ``included`` (from ``include=``) the JSON body is an ``IncludingPage``; a list
    judged for certainty (``judged``) says what ``certainty=certain`` left out. CSV stays
    one flat table of the rows.
    """
    values: dict[str, Any] = {"items": list(items), "total": total, "next_cursor": next_cursor}
    if included is not None:
        values["included"] = included
    if judged:
        values["possible_left_out"] = possible_left_out
        if notes:
            values["notes"] = [
                FilterNoteRead(**dataclasses.asdict(note), detail=note.detail) for note in notes
            ]
    body = page_type(model, including=included is not None, judged=judged)(**values)
    return render(
        request,
        body,
        items,
        model,
        output,
        next_cursor=next_cursor,
        filename=filename,
        hxl_tags=hxl_tags,
    )


PageFetch = Callable[[str | None, int], Awaitable[PageResult[Any]]]


async def stream_all(
    output: tuple[Format, bool],
    model: type[BaseModel],
    fetch: PageFetch,
    *,
    request: Request,
    cursor: str | None,
    filename: str,
    hxl_tags: dict[str, str] | None = None,
) -> Response:
    """Every row ``fetch`` pages through (from ``cursor``), as one streamed CSV.

    ``fetch(cursor, limit)`` is the list's own page query; it runs here with the
    largest page, over and over, until the list ends. Only one page is held at a
    time. The first page is read before the answer starts, so a bad filter or cursor
    is still a 400 problem; a failure later can only cut the stream short, which the
    client sees as a truncated body.

    A stream takes one of the worker's stream slots and holds no pooled connection
    while the client reads: each page is its own read transaction, ended before the
    page is sent, with a database-time budget of its own; a client that takes no
    chunk within the send timeout is cut off (``app.api.streams``).
    """
    fmt, hxl = output
    if "limit" in request.query_params:
        detail = (
            "all=true streams every row, so limit does not apply: drop limit, or drop "
            "all=true to get one page of limit rows."
        )
        raise InvalidInput(
            detail,
            code="invalid_parameter",
            field="limit",
            errors=[{"field": "limit", "detail": detail, "excluded_by": ["all=true"]}],
        )
    if fmt != "csv":
        detail = "all=true streams CSV only: add format=csv, or page through the JSON with cursor."
        raise InvalidInput(
            detail,
            code="invalid_parameter",
            field="all",
            errors=[{"field": "all", "detail": detail, "requires": ["format=csv"]}],
        )
    give_back = stream_slots(request).take()
    try:
        first = await fetch(cursor, MAX_LIMIT)
        await release_connection()
    except BaseException:
        give_back()
        raise
    writer = _CsvWriter(csv_columns(model))
    budget = DB_BUDGET.get()

    async def lines() -> AsyncIterator[str]:
        page = first
        yield _bom(request) + writer.header(hxl, hxl_tags or {})
        while True:
            for chunk in writer.rows(page.items):
                if chunk:
                    yield chunk
            if page.next_cursor is None:
                return
            if budget is not None:  # each page is a request's worth of database time
                DB_BUDGET.set(DatabaseBudget(budget.seconds))
            page = await fetch(page.next_cursor, MAX_LIMIT)
            await release_connection()  # before the client is waited on

    return BoundedStreamingResponse(
        lines(),
        media_type=CSV_MEDIA_TYPE,
        headers=csv_disposition(filename),
        send_timeout=send_timeout(request),
        on_close=give_back,
    )


async def list_response(
    request: Request,
    output: tuple[Format, bool],
    model: type[BaseModel],
    fetch: PageFetch,
    *,
    limit: int,
    cursor: str | None,
    all_rows: bool,
    filename: str,
    include: Callable[[Sequence[Any]], Awaitable[Included | None]] | None = None,
    judged: bool = False,
) -> Response:
    """A list endpoint's answer from its page query ``fetch(cursor, limit)``: with
    ``all=true`` every row from ``cursor`` on, streamed as CSV; otherwise one page
    (``Page[model]`` as JSON, or its rows as CSV), with what ``include`` adds to it and,
    for a list ``judged`` for certainty, what ``certainty=certain`` left out."""
    if all_rows:
        return await stream_all(
            output, model, fetch, request=request, cursor=cursor, filename=filename
        )
    page = await fetch(cursor, limit)
    return render_page(
        request,
        output,
        model,
        page.items,
        total=page.total,
        next_cursor=page.next_cursor,
        filename=filename,
        included=await include(page.items) if include else None,
        judged=judged,
        possible_left_out=page.possible_left_out,
        notes=page.notes,
    )
