"""``migov``: the operator CLI. Local commands call the services directly."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer

from app.config import Settings, get_settings
from app.db import create_engine, create_sessionmaker
from app.errors import DomainError
from app.schemas.dataset import Dataset
from app.services import dataset as dataset_service

cli = typer.Typer(no_args_is_help=True, add_completion=False, help=__doc__)
data_cli = typer.Typer(no_args_is_help=True, help="The curated dataset.")
cli.add_typer(data_cli, name="data")

DataDirOption = Annotated[
    Path,
    typer.Option("--data-dir", help="Folder with the dataset's YAML files."),
]


def _fail(error: DomainError) -> typer.Exit:
    typer.secho(f"error: {error.detail}", fg=typer.colors.RED, err=True)
    for item in error.errors or []:
        typer.echo(f"  - {item.get('detail')}", err=True)
    return typer.Exit(code=1)


@cli.command()
def migrate(revision: str = typer.Argument("head", help="Target revision.")) -> None:
    """Bring the database schema up to date (alembic upgrade)."""
    from app.migrations import upgrade

    settings = get_settings()
    _ensure_sqlite_dir(settings)
    upgrade(settings.database_url, revision)
    typer.echo(f"database at {revision}")


@data_cli.command("validate")
def data_validate(data_dir: DataDirOption = dataset_service.DEFAULT_DATA_DIR) -> None:
    """Check the dataset files: schema, references, dates, citations, duplicates, share sums."""
    try:
        report = dataset_service.check_dataset(dataset_service.read_dataset(data_dir))
    except DomainError as error:
        raise _fail(error) from error
    for name, value in report.counts.items():
        typer.echo(f"{name:>16}: {value}")
    for share in report.share_sums:
        typer.echo(
            f"funding shares {share.forum} ({share.basis}): {share.count} shares, "
            f"sum {share.total_pct}%"
        )
    if not report.ok:
        for problem in report.problems:
            typer.secho(f"  - {problem}", fg=typer.colors.RED, err=True)
        typer.secho(f"{len(report.problems)} problem(s)", fg=typer.colors.RED, err=True)
        raise typer.Exit(code=1)
    typer.echo("dataset OK")


@data_cli.command("load")
def data_load(data_dir: DataDirOption = dataset_service.DEFAULT_DATA_DIR) -> None:
    """Sync the curated dataset into the database; a second run changes nothing."""
    settings = get_settings()
    try:
        dataset = dataset_service.read_dataset(data_dir)
        report = asyncio.run(_load(settings, dataset))
    except DomainError as error:
        raise _fail(error) from error
    for label, counter in (
        ("created", report.created),
        ("updated", report.updated),
        ("deleted", report.deleted),
    ):
        for kind, value in sorted(counter.items()):
            typer.echo(f"{label} {value} {kind}")
    typer.echo(f"{report.changes} change(s)")


async def _load(settings: Settings, dataset: Dataset) -> dataset_service.LoadReport:
    engine = create_engine(settings)
    try:
        async with create_sessionmaker(engine)() as session:
            report = await dataset_service.load_dataset(session, dataset)
            await session.commit()
            return report
    finally:
        await engine.dispose()


@cli.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Default: MIGOV_HOST.")] = None,
    port: Annotated[int | None, typer.Option(help="Default: MIGOV_PORT.")] = None,
    workers: Annotated[int, typer.Option(min=1)] = 1,
) -> None:
    """Serve the API with uvicorn."""
    import uvicorn

    settings = get_settings()
    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        workers=workers,
        log_level=settings.log_level,
        proxy_headers=True,
    )


def _ensure_sqlite_dir(settings: Settings) -> None:
    from sqlalchemy.engine import make_url

    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)


def main() -> None:
    cli()
