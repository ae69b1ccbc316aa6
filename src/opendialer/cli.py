"""The opendialer command: serve, migrate, load demo data, manage tenants, clients and tokens."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from opendialer.auth.principal import Role
from opendialer.auth.service import create_client, principal_for
from opendialer.auth.tokens import issue_token
from opendialer.config import Settings
from opendialer.db.migrate import upgrade
from opendialer.db.session import Database
from opendialer.dialler.schemas import ContactImport
from opendialer.dialler.service import CampaignService, ContactService, ImportCounts, check_import
from opendialer.errors import DomainError, describe_validation_errors
from opendialer.tenancy.service import create_servicer, create_tenant, get_tenant

app = typer.Typer(help="OpenDialer: the outbound dialer for loan servicers and contact centers.")
db_app = typer.Typer(help="Database schema.")
tenant_app = typer.Typer(help="Tenants (client accounts).")
servicer_app = typer.Typer(help="Servicers inside a tenant.")
client_app = typer.Typer(help="API clients.")
token_app = typer.Typer(help="Access tokens.")
import_app = typer.Typer(help="Bulk imports from CSV files.")
for sub, name in (
    (db_app, "db"),
    (tenant_app, "tenant"),
    (servicer_app, "servicer"),
    (client_app, "client"),
    (token_app, "token"),
    (import_app, "import"),
):
    app.add_typer(sub, name=name)

err = Console(stderr=True)


def _database(settings: Settings) -> Database:
    database = Database.from_url(settings.database_url)
    upgrade(database.engine)
    return database


def _fail(message: str) -> typer.Exit:
    err.print(f"[red]error:[/red] {message}")
    return typer.Exit(code=1)


def _role(value: str) -> Role:
    try:
        return Role(value)
    except ValueError:
        choices = ", ".join(r.value for r in Role)
        raise typer.BadParameter(f"{value!r} is not a role; choose one of {choices}") from None


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes.")] = 1,
    demo: Annotated[
        bool, typer.Option("--demo", help="Load the demo data and print a token for it.")
    ] = False,
) -> None:
    """Apply pending migrations, then serve the API."""
    import uvicorn

    settings = Settings()
    database = _database(settings)
    key = settings.signing_key()  # generated once here, before several workers could race
    if demo:
        typer.echo(f"OpenDialer on http://{host}:{port}  (API docs: http://{host}:{port}/docs)")
        typer.echo("account_admin token for demo tenant 314 (valid 24 hours):")
        typer.echo(_demo_token(database, key))
    database.engine.dispose()
    uvicorn.run(
        "opendialer.asgi:app",
        host=host,
        port=port,
        workers=workers,
        log_level=settings.log_level,
        access_log=False,
    )


def _demo_token(database: Database, key: str, ttl: int = 86400) -> str:
    from opendialer.demo import DEMO_SERVICER, DEMO_TENANT, load_demo

    with database.transaction() as session:
        err.print(load_demo(session))
        principal = principal_for(
            session, Role.ACCOUNT_ADMIN, tenant_id=DEMO_TENANT, servicer_id=DEMO_SERVICER
        )
    return issue_token(principal, key, ttl)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply every pending migration."""
    settings = Settings()
    _database(settings).engine.dispose()
    err.print(f"database at {settings.database_url} is up to date")


@app.command()
def demo(
    ttl: Annotated[int, typer.Option(help="Lifetime of the printed token, in seconds.")] = 86400,
) -> None:
    """Load demo data (idempotent) and print an account_admin token for tenant 314."""
    settings = Settings()
    typer.echo(_demo_token(_database(settings), settings.signing_key(), ttl))


@tenant_app.command("create")
def tenant_create(
    tenant_id: Annotated[int, typer.Argument(metavar="ID")],
    name: Annotated[str, typer.Option(help="The tenant's name.")],
    partner: Annotated[int | None, typer.Option(help="Owning partner's ID.")] = None,
    billing_code: Annotated[
        str | None, typer.Option(help="Code unique within the partner.")
    ] = None,
) -> None:
    """Create a tenant (a client account)."""
    with _database(Settings()).transaction() as session:
        try:
            create_tenant(session, tenant_id, name, partner, billing_code)
        except DomainError as exc:
            raise _fail(exc.message) from None
    typer.echo(f"tenant {tenant_id} created")


@servicer_app.command("create")
def servicer_create(
    tenant_id: Annotated[int, typer.Argument(metavar="TENANT_ID")],
    servicer_id: Annotated[int, typer.Argument(metavar="SERVICER_ID")],
    name: Annotated[str, typer.Option(help="The servicer's name.")],
) -> None:
    """Create a servicer inside a tenant."""
    with _database(Settings()).transaction() as session:
        try:
            create_servicer(session, tenant_id, servicer_id, name)
        except DomainError as exc:
            raise _fail(exc.message) from None
    typer.echo(f"servicer {servicer_id} of tenant {tenant_id} created")


@client_app.command("create")
def client_create(
    role: Annotated[
        str, typer.Option(help="partner_admin, account_admin, reports_admin or agent.")
    ],
    tenant: Annotated[int | None, typer.Option(help="The client's tenant.")] = None,
    servicer: Annotated[int | None, typer.Option(help="The client's servicer.")] = None,
    partner: Annotated[int | None, typer.Option(help="For partner_admin: the partner.")] = None,
) -> None:
    """Create an API client; its secret is shown this once and stored only as a slow hash."""
    with _database(Settings()).transaction() as session:
        try:
            client = create_client(
                session, _role(role), tenant_id=tenant, servicer_id=servicer, partner_id=partner
            )
        except DomainError as exc:
            raise _fail(exc.message) from None
    typer.echo(f"client_id={client.client_id}")
    typer.echo(f"client_secret={client.client_secret}")


@token_app.command("issue")
def token_issue(
    role: Annotated[
        str, typer.Option(help="partner_admin, account_admin, reports_admin or agent.")
    ],
    tenant: Annotated[int | None, typer.Option(help="The token's tenant.")] = None,
    servicer: Annotated[int | None, typer.Option(help="The token's servicer.")] = None,
    partner: Annotated[int | None, typer.Option(help="For partner_admin: the partner.")] = None,
    ttl: Annotated[int, typer.Option(help="Lifetime in seconds.")] = 3600,
) -> None:
    """Print an access token, alone on stdout."""
    settings = Settings()
    with _database(settings).transaction(write=False) as session:
        try:
            principal = principal_for(
                session, _role(role), tenant_id=tenant, servicer_id=servicer, partner_id=partner
            )
        except DomainError as exc:
            raise _fail(exc.message) from None
    typer.echo(issue_token(principal, settings.signing_key(), ttl))


def _csv_rows(path: Path) -> tuple[list[str], list[tuple[int, dict[str, Any]]]]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        rows = [
            (reader.line_num, {k: v for k, v in row.items() if k and v not in (None, "")})
            for row in reader
        ]
        return list(reader.fieldnames or []), rows


@import_app.command("contacts")
def import_contacts(
    file: Annotated[Path, typer.Argument(metavar="FILE.csv", exists=True, dir_okay=False)],
    tenant: Annotated[int, typer.Option(help="The tenant to import into.")],
    campaign_id: Annotated[int | None, typer.Option(help="Target campaign's ID.")] = None,
    campaign: Annotated[str | None, typer.Option(help="Target campaign's name.")] = None,
    overwrite_duplicates: Annotated[
        bool, typer.Option(help="Overwrite the contact with the same UserData in the campaign.")
    ] = False,
    strict: Annotated[bool, typer.Option(help="Import nothing if any row is bad.")] = False,
) -> None:
    """Bulk import contacts from a CSV file whose header names are the API's field names."""
    if (campaign_id is None) == (campaign is None):
        raise _fail("give exactly one of --campaign-id and --campaign")
    _, rows = _csv_rows(file)
    counts = ImportCounts()
    good: list[ContactImport] = []
    with _database(Settings()).transaction() as session:
        try:
            get_tenant(session, tenant)
            target = CampaignService(session, tenant).resolve(campaign_id, campaign)
        except DomainError as exc:
            raise _fail(exc.message) from None
        progress = Progress(
            TextColumn("[bold]importing"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err,
            disable=not err.is_terminal,
        )
        with progress:
            task = progress.add_task("rows", total=len(rows))
            for line, raw in rows:
                raw.pop("DiallerCampaignsName", None)
                raw["DiallerCampaignsID"] = target.id
                try:
                    body = ContactImport.model_validate(raw)
                    check_import(body)
                except ValidationError as exc:
                    counts.rejected += 1
                    err.print(f"line {line}: {describe_validation_errors(exc.errors())}")
                except DomainError as exc:
                    counts.rejected += 1
                    err.print(f"line {line}: {exc.message}")
                else:
                    good.append(body)
                progress.advance(task)
            if strict and counts.rejected:
                raise _fail(f"{counts.rejected} bad row(s); --strict: nothing imported")
            written = ContactService(session, tenant).import_many(
                target, good, overwrite=overwrite_duplicates
            )
    typer.echo(
        f"imported: {written.imported}, overwritten: {written.overwritten}, "
        f"rejected: {counts.rejected}"
    )
