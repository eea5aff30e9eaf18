"""Rendering a page (or a summary) as JSON or CSV, with HXL hashtags on request.

CSV is a second renderer of the same ``Page``, not a second query path: the same
rows, flattened. Nested objects become prefixed columns (``actor_id``,
``actor_name``); lists become ``; ``-joined cells (``citations_source_id``).
Columns come from the model class, so the header is the same on every page.
"""

from __future__ import annotations

import csv
import io
import json
import types
import typing
from collections.abc import Callable, Iterator, Sequence
from decimal import Decimal
from enum import Enum
from typing import Annotated, Any, Literal, Union

from fastapi import Depends, Query, Request
from fastapi.responses import Response, StreamingResponse
from pydantic import BaseModel

from app.schemas.common import Page
from app.schemas.included import Included, IncludingPage

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
    "pledgers_id": "#org+id",
    "pledgers_iso3": "#country+code",
    "pledgers_name": "#org+name",
    "hosts_actor_id": "#org+id+host",
    "hosts_actor_name": "#org+name+host",
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
    "citations_source_id": "#meta+source",
    "iso3": "#country+code",
    "count": "#indicator+num",
}


def get_format(
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
) -> tuple[Format, bool]:
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
    """Flattened (column, getter) pairs for ``model``."""
    columns: list[tuple[str, Getter]] = []
    for name, info in model.model_fields.items():
        annotation = _unwrap(info.annotation)
        column = f"{prefix}{name}"
        if _is_model(annotation):
            for sub, getter in csv_columns(annotation, f"{column}_"):
                columns.append((sub, _nested(name, getter)))
        elif typing.get_origin(annotation) is list:
            (item,) = typing.get_args(annotation) or (Any,)
            item = _unwrap(item)
            if _is_model(item):
                for sub, getter in csv_columns(item):
                    columns.append((f"{column}_{sub}", _each(name, getter)))
            else:
                columns.append((column, _joined(name)))
        else:
            columns.append((column, _attribute(name)))
    return columns


def _attribute(name: str) -> Getter:
    return lambda obj: getattr(obj, name)


def _nested(name: str, getter: Getter) -> Getter:
    def get(obj: Any) -> Any:
        inner = getattr(obj, name)
        return None if inner is None else getter(inner)

    return get


def _each(name: str, getter: Getter) -> Getter:
    return lambda obj: "; ".join(_cell(getter(item)) for item in getattr(obj, name))


def _joined(name: str) -> Getter:
    return lambda obj: "; ".join(_cell(value) for value in getattr(obj, name))


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True)
    return str(value)


def _csv_lines(
    rows: Sequence[BaseModel],
    columns: list[tuple[str, Getter]],
    hxl: bool,
    tags: dict[str, str],
) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow([name for name, _ in columns])
    if hxl:
        writer.writerow([tags.get(name, HXL_TAGS.get(name, "")) for name, _ in columns])
    yield flush()
    for row in rows:
        writer.writerow([_cell(getter(row)) for _, getter in columns])
        if buffer.tell() > 64 * 1024:
            yield flush()
    yield flush()


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
    """JSON of ``body``, or CSV of ``rows`` (streamed), plus the Link header."""
    fmt, hxl = output
    headers = next_link(request, next_cursor)
    if fmt == "csv":
        headers["Content-Disposition"] = f'inline; filename="{filename}.csv"'
        lines = _csv_lines(rows, csv_columns(row_model), hxl, hxl_tags or {})
        return StreamingResponse(lines, media_type=CSV_MEDIA_TYPE, headers=headers)
    return Response(body.model_dump_json(), media_type="application/json", headers=headers)


def csv_response_doc(
    description: str = "The same rows as CSV (`format=csv`).",
) -> dict[int | str, Any]:
    return {
        200: {"content": {"text/csv": {"schema": {"type": "string"}}}, "description": description}
    }


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
) -> Response:
    """A list endpoint's response: ``Page[model]`` as JSON, or its rows as CSV.

    With ``included`` (from ``include=``) the JSON body is an ``IncludingPage``; CSV
    stays one flat table of the rows.
    """
    body: BaseModel
    if included is None:
        body = Page[model](items=list(items), total=total, next_cursor=next_cursor)  # type: ignore[valid-type]
    else:
        body = IncludingPage[model](  # type: ignore[valid-type]
            items=list(items), total=total, next_cursor=next_cursor, included=included
        )
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
