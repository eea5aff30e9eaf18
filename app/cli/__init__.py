"""migov: the operator CLI. Local commands (migrate, data, keys, purge, export) work on
the database MIGOV_DATABASE_URL names (by default var/migov.db in the repository, from
any directory); "pledges submit" talks to a server over HTTP, as a partner's script
would."""

# Imports of the app, SQLAlchemy, httpx and rich happen inside the commands that
# need them, so that `migov --help` and a mistyped option answer at once.
from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar, cast

import typer

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from app.cli import client as submit_client
    from app.config import Settings
    from app.dataset import passages
    from app.dataset.files import Dataset
    from app.dataset.sync import LoadReport
    from app.errors import DomainError
    from app.services import api_keys as api_key_service

T = TypeVar("T")

cli = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    help=__doc__,
    # Plain help and tracebacks: rich's formatting costs a quarter second at every start.
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)
data_cli = typer.Typer(no_args_is_help=True, help="The curated dataset.")
cli.add_typer(data_cli, name="data")
keys_cli = typer.Typer(no_args_is_help=True, help="API keys for scripts that submit pledges.")
cli.add_typer(keys_cli, name="keys")
pledges_cli = typer.Typer(no_args_is_help=True, help="Pledges on a migov server.")
cli.add_typer(pledges_cli, name="pledges")

# Exit statuses of the commands (``pledges submit`` documents its own in its help).
EXIT_REJECTED = 1
EXIT_FILE = 2
EXIT_KEY_REFUSED = 3
EXIT_UNREACHABLE = 4


def _version(value: bool) -> None:
    if value:
        from app import __version__

        typer.echo(f"migov {__version__}")
        raise typer.Exit()


@cli.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """The operator CLI (see the commands below)."""


DataDirOption = Annotated[
    Path | None,
    typer.Option(
        "--data-dir", help="Folder with the dataset's YAML files. Default: the data/ shipped."
    ),
]
TextsOption = Annotated[
    Path | None,
    typer.Option(
        "--texts",
        help="Folder of the source texts. Default: the source_texts setting "
        "(MIGOV_SOURCE_TEXTS, else ../shared/seeds beside the repository).",
    ),
]
SCOPES = ("pledges:write", "pledges:admin")
# The batch endpoint's most pledges a request (schemas.pledge_writes.MAX_BATCH, which
# fits the request deadline since batches are written in bulk); kept as a literal so
# the CLI starts without importing the app, and equal by a test.
MAX_CHUNK = 1000


def _settings() -> Settings:
    from app.config import get_settings

    return get_settings()


def _read_dataset(data_dir: Path | None) -> Dataset:
    from app.dataset import read as dataset_read

    return dataset_read.read_dataset(data_dir or dataset_read.DEFAULT_DATA_DIR)


def _source_texts(folder: Path | None) -> passages.SourceTexts:
    from app.dataset import passages

    return passages.source_texts(folder or _settings().source_texts)


def _fail(error: DomainError) -> typer.Exit:
    typer.secho(f"error: {error.detail}", fg=typer.colors.RED, err=True)
    for item in error.errors or []:
        typer.echo(f"  - {item.get('detail')}", err=True)
    return typer.Exit(code=1)


@cli.command()
def migrate(revision: str = typer.Argument("head", help="Target revision.")) -> None:
    """Bring the database schema up to date (alembic upgrade)."""
    from app.db.migrations import upgrade

    settings = _settings()
    _ensure_sqlite_dir(settings)
    upgrade(settings.database_url, revision)
    typer.echo(f"database at {revision}")


@data_cli.command("validate")
def data_validate(data_dir: DataDirOption = None, texts: TextsOption = None) -> None:
    """Check the dataset files: schema, references, dates, citations and their passages'
    digests (when the source texts are at hand), duplicates, share sums."""
    from app.dataset import check as dataset_checks
    from app.errors import DomainError

    try:
        report = dataset_checks.check_dataset(_read_dataset(data_dir), _source_texts(texts))
    except DomainError as error:
        raise _fail(error) from error
    for name, value in report.counts.items():
        typer.echo(f"{name:>16}: {value}")
    typer.echo(report.passages_note)
    for share in report.share_sums:
        typer.echo(
            f"funding shares {share.forum} ({share.basis}): {share.count} shares, "
            f"sum {share.total_pct}%"
        )
    for entry in report.untranslated:
        typer.secho(f"  ! {entry}: served in English under lang=es", fg=typer.colors.YELLOW)
    if report.untranslated:
        typer.echo(f"{len(report.untranslated)} entries without Spanish")
    if not report.ok:
        for problem in report.problems:
            typer.secho(f"  - {problem}", fg=typer.colors.RED, err=True)
        typer.secho(f"{len(report.problems)} problem(s)", fg=typer.colors.RED, err=True)
        raise typer.Exit(code=1)
    typer.echo("dataset OK")


@data_cli.command("cite")
def data_cite(
    source: str = typer.Argument(help="Id of the source (data/sources.yaml)."),
    phrase: str = typer.Argument(
        help="Words of the passage as the text has them (any run of white space matches any "
        "other); 'FIRST ... LAST' spans from FIRST to the next LAST."
    ),
    occurrence: int = typer.Option(
        0, "--occurrence", "-n", help="Which match to take when the phrase occurs more than once."
    ),
    data_dir: DataDirOption = None,
    texts_dir: TextsOption = None,
) -> None:
    """Find a phrase in a source's text; print its passage (span and digest) for data/."""
    from app.dataset import passages
    from app.errors import DomainError

    try:
        dataset = _read_dataset(data_dir)
    except DomainError as error:
        raise _fail(error) from error
    entry = next((s for s in dataset.sources if s.id == source), None)
    if entry is None:
        typer.secho(f"error: no source has the id {source!r}", fg=typer.colors.RED, err=True)
        raise typer.Exit(code=1)
    texts = _source_texts(texts_dir)
    text = texts.text(entry.text) if entry.text else None
    if text is None:
        where = texts.folder if texts.available else f"{texts.folder} (absent)"
        typer.secho(
            f"error: the text of {source} ({entry.text}) is not in {where}",
            fg=typer.colors.RED,
            err=True,
        )
        raise typer.Exit(code=1)
    try:
        spans = passages.find(text, phrase)
    except ValueError as error:
        typer.secho(f"error: {error}", fg=typer.colors.RED, err=True)
        raise typer.Exit(code=1) from error
    if not spans or occurrence >= len(spans):
        typer.secho(
            f"error: the phrase occurs {len(spans)} time(s) in {source}'s text",
            fg=typer.colors.RED,
            err=True,
        )
        raise typer.Exit(code=1)
    if len(spans) > 1:
        typer.echo(f"# {len(spans)} matches; taking number {occurrence} (--occurrence)", err=True)
    start, end = spans[occurrence]
    problem = passages.span_problem(start, end, passages.digest(text, start, end))
    if problem is not None:
        typer.secho(f"error: the passage is not usable: {problem}", fg=typer.colors.RED, err=True)
        raise typer.Exit(code=1)
    span = passages.Span(start, end, passages.digest(text, start, end))
    typer.echo(f"passage: {span.as_yaml()}")


@data_cli.command("load")
def data_load(
    data_dir: DataDirOption = None,
    brief: Annotated[
        bool, typer.Option("--brief", help="One line: how many changes, not what per kind.")
    ] = False,
) -> None:
    """Sync the curated dataset into the database; a second run changes nothing."""
    from app.errors import DomainError

    settings = _settings()
    try:
        dataset = _read_dataset(data_dir)
        report = asyncio.run(_load(settings, dataset))
    except DomainError as error:
        raise _fail(error) from error
    for label, counter in (
        ("created", report.created),
        ("updated", report.updated),
        ("deleted", report.deleted),
    ):
        for kind, value in sorted(counter.items()):
            if not brief:
                typer.echo(f"{label} {value} {kind}")
    typer.echo(
        f"curated data loaded: {report.changes} change(s)"
        if brief
        else f"{report.changes} change(s)"
    )


async def _load(settings: Settings, dataset: Dataset) -> LoadReport:
    from app.dataset import load as dataset_service
    from app.db import create_engine, create_sessionmaker

    engine = create_engine(settings)
    try:
        async with create_sessionmaker(engine)() as session:
            report = await dataset_service.load_dataset(session, dataset)
            await session.commit()
            return report
    finally:
        await engine.dispose()


async def _in_transaction(settings: Settings, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run ``work`` in one write transaction on the configured database, and commit."""
    from app.db import begin_write, create_engine, create_sessionmaker

    engine = create_engine(settings)
    try:
        async with create_sessionmaker(engine)() as session:
            await begin_write(session)
            result = await work(session)
            await session.commit()
            return result
    finally:
        await engine.dispose()


async def _read(settings: Settings, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run ``work`` in one read transaction on the configured database."""
    from app.db import create_engine, create_sessionmaker

    engine = create_engine(settings)
    try:
        async with create_sessionmaker(engine)() as session:
            return await work(session)
    finally:
        await engine.dispose()


def _local(work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    from sqlalchemy.exc import SQLAlchemyError

    from app.errors import DomainError

    settings = _settings()
    _require_database(settings)
    try:
        return asyncio.run(_in_transaction(settings, work))
    except DomainError as error:
        raise _fail(error) from error
    except SQLAlchemyError as error:
        raise _database_failed(settings, error) from error


def _sqlite_file(settings: Settings) -> Path | None:
    """The SQLite file ``database_url`` names, if it names one."""
    from sqlalchemy.engine import make_url

    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return Path(url.database)
    return None


def _require_database(settings: Settings) -> None:
    """Refuse, before connecting, a SQLite database that does not exist yet: connecting
    would leave an empty file behind, and every command but ``migrate`` needs tables."""
    path = _sqlite_file(settings)
    if path is not None and not path.exists():
        typer.secho(
            f"error: no database at {path}. Create it with `migov migrate` (and load the "
            "curated data with `migov data load`), or point MIGOV_DATABASE_URL at yours.",
            fg=typer.colors.RED,
            err=True,
        )
        raise typer.Exit(code=1)


def _database_failed(settings: Settings, error: Exception) -> typer.Exit:
    """A database that cannot serve the command, in one line (never a traceback)."""
    from sqlalchemy.engine import make_url

    where = make_url(settings.database_url).render_as_string(hide_password=True)
    reason = str(getattr(error, "orig", None) or error).splitlines()[0]
    typer.secho(f"error: the database at {where} failed: {reason}", fg=typer.colors.RED, err=True)
    if "no such table" in reason or "does not exist" in reason:
        typer.echo("  - is it migrated? run `migov migrate`", err=True)
    return typer.Exit(code=1)


@keys_cli.command("create")
def keys_create(
    name: Annotated[str, typer.Option("--name", help="Who the key is for, e.g. a partner.")],
    scope: Annotated[
        list[str],
        typer.Option("--scope", help=f"Repeat for several: {', '.join(SCOPES)}."),
    ],
    pledger: Annotated[
        list[str] | None,
        typer.Option(
            "--pledger",
            help="An actor id (CAN, unhcr) the key may pledge for; repeat for several.",
        ),
    ] = None,
    any_pledger: Annotated[
        bool,
        typer.Option(
            "--any-pledger", help="Let the key pledge in the name of any actor (on purpose)."
        ),
    ] = False,
) -> None:
    """Create an API key. Its secret is printed once, alone on the last line.

    Say whom it may pledge for: --pledger for each actor, or --any-pledger.
    """
    from app.schemas.access import ApiKeyRead
    from app.services import api_keys as api_key_service

    async def work(session: AsyncSession) -> api_key_service.CreatedKey:
        # The service refuses unknown scopes and actors, and a key granted neither.
        return await api_key_service.create_api_key(
            session, name=name, scopes=scope, pledgers=pledger or (), any_pledger=any_pledger
        )

    created = _local(work)
    key = created.key
    grant = ApiKeyRead.from_model(key).grant
    typer.echo(
        f"created API key {key.id} ({key.prefix}) {key.name!r}: {', '.join(key.scopes)}; {grant}"
    )
    typer.echo("the secret is shown only now; store it safely:")
    typer.echo(created.secret)


@keys_cli.command("list")
def keys_list(
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per key.")] = False,
) -> None:
    """List API keys (never their secrets)."""
    from app.schemas.access import ApiKeyRead
    from app.services import api_keys as api_key_service

    async def work(session: AsyncSession) -> list[ApiKeyRead]:
        return [ApiKeyRead.from_model(k) for k in await api_key_service.list_api_keys(session)]

    keys = _local(work)
    width = max((len(key.prefix) for key in keys), default=8)
    if not as_json:
        typer.echo(
            f"{'id':>4}  {'prefix':<{width}}  {'state':<18} {'last used':<16}  "
            f"{'scopes':<28} {'may pledge for':<24} name"
        )
    for key in keys:
        if as_json:
            typer.echo(key.model_dump_json())
            continue
        state = f"revoked {key.revoked_at:%Y-%m-%d}" if key.revoked_at else "active"
        used = f"{key.last_used_at:%Y-%m-%d %H:%M}" if key.last_used_at else "never"
        typer.echo(
            f"{key.id:>4}  {key.prefix:<{width}}  {state:<18} {used:<16}  "
            f"{','.join(key.scopes):<28} {key.grant:<24} {key.name}"
        )


@keys_cli.command("revoke")
def keys_revoke(
    key_id: Annotated[int, typer.Argument(help="The key's id (see `keys list`).")],
) -> None:
    """Revoke an API key at once; what it wrote stays, attributed to it."""
    from app.schemas.access import ApiKeyRead
    from app.services import api_keys as api_key_service

    async def work(session: AsyncSession) -> ApiKeyRead:
        return ApiKeyRead.from_model(await api_key_service.revoke_api_key(session, key_id))

    key = _local(work)
    typer.echo(f"revoked API key {key.id} ({key.prefix}) {key.name!r}")


@cli.command("purge")
def purge() -> None:
    """Delete idempotency records past their 24-hour life (run it daily, e.g. from cron)."""
    from app.services import idempotency as idempotency_service

    async def work(session: AsyncSession) -> int:
        return await idempotency_service.purge_expired(session)

    typer.echo(f"purged {_local(work)} expired idempotency record(s)")


@cli.command("export")
def export(
    directory: Annotated[Path, typer.Argument(help="Folder to write the files into.")],
) -> None:
    """Write the whole dataset at its current version: migov-<version>.zip (a Frictionless
    Data Package) and migov-<version>.sqlite, byte for byte the files /v1/download serves.
    Files already in the folder are left alone."""
    from app.errors import DomainError
    from app.services import exports as export_service

    async def work(session: AsyncSession) -> list[Path]:
        _, files = await export_service.current_files(session, directory, build_missing=True)
        return [f.path for f in files]

    from sqlalchemy.exc import SQLAlchemyError

    settings = _settings()
    _require_database(settings)
    try:
        paths = asyncio.run(_read(settings, work))
    except DomainError as error:
        raise _fail(error) from error
    except SQLAlchemyError as error:
        raise _database_failed(settings, error) from error
    for path in paths:
        typer.echo(f"wrote {path} ({path.stat().st_size} bytes)")


@pledges_cli.command("submit")
def pledges_submit(
    file: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, help="A .csv or .json file of pledges.")
    ],
    url: Annotated[
        str,
        typer.Option(
            "--url", envvar="MIGOV_URL", help="The server, e.g. https://migov.example.org"
        ),
    ],
    key: Annotated[
        str,
        typer.Option(
            "--key",
            envvar="MIGOV_API_KEY",
            show_envvar=True,
            help="An API key with pledges:write. Prefer the MIGOV_API_KEY variable: a "
            "key given on the command line stays in the shell's history.",
        ),
    ],
    file_format: Annotated[
        str | None, typer.Option("--format", help="csv or json; default: from the extension.")
    ] = None,
    chunk: Annotated[
        int,
        typer.Option(min=1, max=MAX_CHUNK, help="Rows per request to the batch endpoint."),
    ] = 100,
    concurrency: Annotated[int, typer.Option(min=1, max=32, help="Requests at a time.")] = 2,
    retries: Annotated[int, typer.Option(min=0, max=20, help="Retries per request.")] = 5,
    backoff: Annotated[float, typer.Option(min=0, help="First retry delay, seconds.")] = 0.5,
    max_retry_after: Annotated[
        float,
        typer.Option(
            min=0,
            help="Longest Retry-After (seconds) to wait for; a server asking for longer "
            "ends that request's tries.",
        ),
    ] = 120.0,
    timeout: Annotated[float, typer.Option(min=0.1, help="Seconds per request.")] = 30.0,
    report_path: Annotated[
        Path | None, typer.Option("--report", help="Also write the report here, as JSON.")
    ] = None,
) -> None:
    """Submit every pledge in FILE; safe to re-run, it never stores a row twice.

    FILE is CSV (UTF-8, a header row naming the columns) or JSON (a list of pledge
    objects, or {"pledges": [...]}). A spreadsheet workbook (.xlsx) is refused: save
    it as CSV UTF-8 first.

    CSV columns (as the body of POST /v1/pledges; empty cells are left out): pledgers
    (actor ids or names, several separated by ;), forum, event, kind (financial,
    technical, material, policy_legal ...), scope, amount (digits, at most two
    decimals, e.g. 2500000.00), currency (ISO 4217, e.g. CAD), amount_qualifier,
    announced_on (YYYY, YYYY-MM or YYYY-MM-DD), title, description, gcm_objectives
    (numbers 1-23 separated by ;), external_ref (your own reference: keeps re-runs
    duplicate-free).

    Rows go to the server's batch endpoint, --chunk at a time. Prints which rows
    were accepted and which were rejected, with the server's reasons. Exit
    status: 0 all accepted; 1 some rejected; 2 the file cannot be read; 3 the
    server refused the API key (401/403), and nothing more was sent; 4 the server
    could not be reached, and nothing was sent.
    """
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from app.cli import client as submit_client

    if file_format not in (None, "csv", "json"):
        raise typer.BadParameter("csv or json", param_hint="--format")
    try:
        rows = submit_client.read_rows(file, cast("submit_client.FileFormat | None", file_format))
    except submit_client.FileError as error:
        typer.secho(f"error: {error}", fg=typer.colors.RED, err=True)
        raise typer.Exit(code=EXIT_FILE) from error

    console = Console(stderr=True)
    with Progress(
        TextColumn("submitting"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rejected]} rejected"),
        console=console,
    ) as progress:
        task = progress.add_task("submit", total=len(rows), rejected=0)
        rejected = 0

        def done(outcome: submit_client.Outcome) -> None:
            nonlocal rejected
            rejected += not outcome.accepted
            progress.update(task, advance=1, rejected=rejected)

        report = asyncio.run(
            submit_client.submit_rows(
                url,
                key,
                rows,
                chunk=chunk,
                concurrency=concurrency,
                retries=retries,
                backoff=backoff,
                max_retry_after=max_retry_after,
                request_timeout=timeout,
                on_done=done,
            )
        )
    _print_report(report, len(rows), report_path)


def _print_report(report: submit_client.Report, total: int, path: Path | None) -> None:
    for outcome in report.accepted:
        how = "created" if outcome.created else "already stored"
        typer.echo(
            f"accepted row {outcome.row.number} ({outcome.row.where}): pledge {outcome.pledge_id}, {how}"
        )
    for outcome in report.rejected:
        status = f"status {outcome.status}" if outcome.status is not None else "no answer"
        typer.echo(f"rejected row {outcome.row.number} ({outcome.row.where}), {status}:")
        for reason in outcome.reasons:
            typer.echo(f"  - {reason}")
    if path is not None:
        path.write_text(json.dumps(report.to_json(), indent=2) + "\n", encoding="utf-8")
    typer.echo(
        f"{total} row(s): {len(report.accepted)} accepted "
        f"({len(report.created)} created, {len(report.accepted) - len(report.created)} already stored), "
        f"{len(report.rejected)} rejected, {len(report.unsent)} not sent"
    )
    if report.unreachable is not None:
        typer.secho(f"error: {report.unreachable}", fg=typer.colors.RED, err=True)
        typer.echo("  - check --url (or MIGOV_URL) and that the server is running", err=True)
        raise typer.Exit(code=EXIT_UNREACHABLE)
    if report.stopped is not None:
        typer.secho(f"stopped: {report.stopped}", fg=typer.colors.RED, err=True)
        raise typer.Exit(code=EXIT_KEY_REFUSED)
    if report.rejected:
        raise typer.Exit(code=EXIT_REJECTED)


@cli.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Default: MIGOV_HOST.")] = None,
    port: Annotated[int | None, typer.Option(help="Default: MIGOV_PORT.")] = None,
    workers: Annotated[int, typer.Option(min=1)] = 1,
) -> None:
    """Serve the API with uvicorn."""
    import uvicorn

    from app import __version__
    from app.telemetry.logs import logging_config

    settings = _settings()
    if workers > 1 and settings.metrics:
        _share_metrics_between_workers(settings)
    shown = host or settings.host
    shown = "127.0.0.1" if shown in ("0.0.0.0", "::", "") else shown
    typer.echo(
        f"migov {__version__}: open http://{shown}:{port or settings.port}/ in a browser "
        "(Ctrl+C stops the server)"
    )
    uvicorn.run(
        "app.main:create_served_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        workers=workers,
        log_level=settings.log_level,
        log_config=logging_config(settings.log_level, settings.log_format),
        access_log=False,  # migov.access logs each request, with its id
        proxy_headers=True,
        # A request head (line and headers) past max_header_bytes is 431 and the end of the
        # connection, before it is held in memory (app.http.server); h11 reads the same bound.
        http="app.http.server:BoundedHeadProtocol",
        h11_max_incomplete_event_size=settings.max_header_bytes,
    )


def _share_metrics_between_workers(settings: Settings) -> None:
    """Give the workers one directory for their metrics (``app.telemetry.metrics``), emptied first.

    prometheus-client reads ``PROMETHEUS_MULTIPROC_DIR`` when first imported, so it
    is set here, before uvicorn starts the worker processes that inherit it.
    """
    import os
    import tempfile

    directory = Path(settings.prometheus_multiproc_dir or tempfile.mkdtemp(prefix="migov-metrics-"))
    if directory.exists():
        # Values left by an earlier run would be summed with this one's.
        for leftover in directory.glob("*.db"):
            leftover.unlink()
    else:
        directory.mkdir(parents=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(directory)


def _ensure_sqlite_dir(settings: Settings) -> None:
    from sqlalchemy.engine import make_url

    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)


def main() -> None:
    cli()
