"""The whole dataset as files: a Frictionless Data Package and a SQLite database.

Each file is one data version and never changes, so a versioned name is cached for
a year as immutable; a name of any other version answers 404 naming the current one.
Every build of a version writes the same bytes (``app.services.exports``), so a file
may be deleted to save space (``Settings.export_keep_mb``) and built again unseen.
``send_export`` sends the file of any version, given a session that reads it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, nullcontext
from email.utils import format_datetime
from functools import partial
from pathlib import Path
from typing import Annotated

import anyio
from fastapi import APIRouter, Depends, Request
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from app.adapters_common import SettingsDep, snapshot_session
from app.api.deps import SessionDep, reject_unknown_query_params
from app.api.params import READ_DEPENDENCIES
from app.api.streams import (
    BoundedFileResponse,
    BoundedStreamingResponse,
    send_timeout,
    stream_slots,
)
from app.db import DB_BUDGET, release_connection
from app.http.preconditions import etag_matches
from app.http.problems import problem_responses
from app.schemas.download import DownloadFile, DownloadList
from app.schemas.meta import DATA_LICENCE
from app.services import exports as export_service
from app.services.changes import Version
from app.services.exports import ExportFile

router = APIRouter(prefix="/v1/download", tags=["download"])
IMMUTABLE = "public, max-age=31536000, immutable"
CHUNK = 256 * 1024


@router.get("", operation_id="list_downloads", dependencies=READ_DEPENDENCIES)
async def list_downloads(session: SessionDep, settings: SettingsDep) -> DownloadList:
    """The files of the whole dataset at its current version, and their licence.

    `migov-<version>.zip` is a Frictionless Data Package: `datapackage.json` (every
    table's schema with primary and foreign keys, the licence, the sources) and one
    CSV per table, citations and disputes in tables of their own.
    `migov-<version>.sqlite` holds the same tables. `migov export DIR` writes both
    offline.
    """
    version, files = await export_service.current_files(
        session, Path(settings.export_dir), build_missing=False
    )
    return DownloadList(
        dataset_version=version.version,
        files=[
            DownloadFile(
                name=f.name,
                format=f.format,
                media_type=f.media_type,
                url=f"/v1/download/{f.name}",
                built=f.path.exists(),
                bytes=f.path.stat().st_size if f.path.exists() else None,
            )
            for f in files
        ],
        licence=DATA_LICENCE,
        excluded_tables=export_service.EXCLUDED,
    )


@router.get(
    "/{name}",
    operation_id="get_download",
    response_class=FileResponse,
    dependencies=[Depends(reject_unknown_query_params)],
    responses={
        200: {
            "description": "The file: built on the first request for its version, then kept.",
            "headers": {
                name: {"$ref": f"#/components/headers/{name}"}
                for name in ("ETag", "Last-Modified", "Cache-Control", "Content-Disposition")
            },
            "content": {
                media: {"schema": {"type": "string", "format": "binary"}}
                for media in export_service.MEDIA_TYPES.values()
            },
        },
        304: {"description": "Not modified: If-None-Match holds the file's ETag."},
        **problem_responses(404),
    },
)
async def get_download(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    name: Annotated[
        str,
        PathParam(max_length=64, description="`migov-<version>.zip` or `migov-<version>.sqlite`."),
    ],
) -> Response:
    """One file of the whole dataset, named for its data version (see `/v1/download`).

    The first request for a version builds its files, which takes a while on a big
    database: that answer starts at once and its body follows when the file is
    ready. Should a write land while the file is being built, the body is cut short
    (the file would mix two versions); ask `/v1/download` for the new name. Every
    build of a version gives the same bytes, so a file deleted to save space and built
    again is the file sent before, byte for byte.
    """
    version, export, current = await export_service.find_file(
        session, Path(settings.export_dir), name
    )
    if current:
        return await send_export(request, session, version, export)
    return await send_export(
        request,
        session,
        version,
        export,
        live=False,
        reader=partial(snapshot_session, request.app.state, version.version),
    )


async def send_export(
    request: Request,
    session: AsyncSession,
    version: Version,
    export: ExportFile,
    *,
    live: bool = True,
    reader: Callable[[], AbstractAsyncContextManager[AsyncSession]] | None = None,
) -> Response:
    """Send ``export``, a file of data version ``version``: from disk when it is kept,
    else built first from ``session``, which reads that version (the live tables; or,
    with ``live`` False, tables holding a past version's rows), or from a session
    ``reader`` opens (a past version's snapshot, which may take a while to build: it is
    opened once the answer has started).
    """
    # A file is sent from disk: nothing of it needs the database while the client reads.
    await release_connection(session)
    headers = {
        "ETag": f'"{export.name}"',
        "Cache-Control": IMMUTABLE,
        # The data's time, not the file's: the same on every build, and on every host.
        "Last-Modified": format_datetime(version.changed_at.astimezone(dt.UTC), usegmt=True),
    }
    if etag_matches(request.headers.get("if-none-match"), headers["ETag"]):
        return Response(status_code=304, headers=headers)
    if (status := export_service.kept(export)) is not None:
        return BoundedFileResponse(
            export.path,
            stat_result=status,
            media_type=export.media_type,
            filename=export.name,
            headers=headers,
            send_timeout=send_timeout(request),
        )
    give_back = stream_slots(request).take()
    keep_mb: int = request.app.state.settings.export_keep_mb

    async def built_then_sent() -> AsyncIterator[bytes]:
        # An empty first chunk sends the headers (through gzip too), so the build is not
        # bound by the deadline for starting an answer.
        yield b""
        # A build reads every table once: the work of many requests, bounded by the
        # statement timeout per statement, not by one request's database time. Its
        # connection goes back before the file is sent.
        DB_BUDGET.set(None)
        async with reader() if reader is not None else nullcontext(session) as source:
            try:
                await export_service.ensure_files(
                    source,
                    version,
                    export.path.parent,
                    keep_bytes=keep_mb * export_service.MEGABYTE,
                    live=live,
                )
            finally:
                await release_connection(source)
        async with await anyio.open_file(export.path, "rb") as file:
            while chunk := await file.read(CHUNK):
                yield chunk

    headers["Content-Disposition"] = f'attachment; filename="{export.name}"'
    return BoundedStreamingResponse(
        built_then_sent(),
        media_type=export.media_type,
        headers=headers,
        send_timeout=send_timeout(request),
        on_close=give_back,
    )
