"""The opendialer command: serve, migrate, load demo data, manage tenants, clients and tokens."""

from __future__ import annotations

import csv
import gc
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import typer
from pydantic import BaseModel, ValidationError
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from opendialer.auth.principal import Role
from opendialer.auth.service import create_client, list_clients, principal_for, revoke_client
from opendialer.auth.tokens import issue_token
from opendialer.calllist.service import CallList
from opendialer.callreports.asterisk import MasterCsvError, read_master_csv
from opendialer.callreports.schemas import CdrInput
from opendialer.callreports.service import CallReports
from opendialer.config import Settings, check_ttl
from opendialer.db.migrate import upgrade
from opendialer.db.session import Database
from opendialer.dialler.service import CampaignService, ContactService
from opendialer.dnc.importer import read_numbers
from opendialer.dnc.schemas import MAX_SOURCE
from opendialer.dnc.service import DncLists
from opendialer.errors import DomainError
from opendialer.kit import csvfeed
from opendialer.kit.apimodel import text_problem
from opendialer.kit.csvfeed import validate
from opendialer.loans.feed import LoanFeed
from opendialer.loans.schemas import BucketInput
from opendialer.loans.service import BucketService
from opendialer.tenancy.service import create_servicer, create_tenant, get_servicer, get_tenant

# Rows validated at a time by the other imports.
VALIDATE_CHUNK = 1000

app = typer.Typer(help="OpenDialer: the outbound dialer for loan servicers and contact centers.")
db_app = typer.Typer(help="Database schema.")
tenant_app = typer.Typer(help="Tenants (client accounts).")
servicer_app = typer.Typer(help="Servicers inside a tenant.")
client_app = typer.Typer(help="API clients.")
token_app = typer.Typer(help="Access tokens.")
import_app = typer.Typer(help="Bulk imports from CSV files.")
bucket_app = typer.Typer(help="Bucket policies: how often delinquent loans may be called.")
calllist_app = typer.Typer(help="The daily dialer call list.")
dnc_app = typer.Typer(help="Do-not-call lists: the tenant's own and each campaign's.")
engine_app = typer.Typer(help="The dialing engine.")
for sub, name in (
    (db_app, "db"),
    (tenant_app, "tenant"),
    (servicer_app, "servicer"),
    (client_app, "client"),
    (token_app, "token"),
    (import_app, "import"),
    (bucket_app, "bucket"),
    (calllist_app, "calllist"),
    (dnc_app, "dnc"),
    (engine_app, "engine"),
):
    app.add_typer(sub, name=name)

err = Console(stderr=True)


def _settings() -> Settings:
    """The settings from the environment; a bad one stops the command, naming it."""
    try:
        settings = Settings()
        settings.signing_key()  # a short key, configured or on disk, is refused here too
    except ValidationError as exc:
        problems = "; ".join(
            problem["msg"].removeprefix("Value error, ") for problem in exc.errors()
        )
        raise _fail(problems) from None
    except ValueError as exc:
        raise _fail(str(exc)) from None
    return settings


def _ttl(settings: Settings, ttl: int) -> int:
    try:
        check_ttl(ttl, settings.token_max_ttl_seconds, "--ttl")
    except ValueError as exc:
        raise _fail(str(exc)) from None
    if ttl < 1:
        raise _fail("--ttl must be at least 1 second")
    return ttl


def _database(settings: Settings) -> Database:
    database = Database.from_url(settings.database_url)
    upgrade(database.engine)
    return database


def _not_csv(file: Path, exc: Exception) -> typer.Exit:
    if isinstance(exc, csvfeed.CsvShapeError):
        return _fail(f"{file}: {exc}; nothing imported")
    return _fail(f"{file} is not a CSV file in UTF-8 ({exc}); nothing imported")


def _fail(message: str) -> typer.Exit:
    err.print(f"[red]error:[/red] {escape(message)}")
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
        bool,
        typer.Option(
            "--demo", help="Load the demo data, print a token for it, and run the engine."
        ),
    ] = False,
    engine: Annotated[
        bool,
        typer.Option(
            "--engine", help="Run the dialing engine inside the service (simulated carrier)."
        ),
    ] = False,
) -> None:
    """Apply pending migrations, then serve the API (and, with --engine, dial)."""
    import os

    import uvicorn

    if engine or demo:
        os.environ["OPENDIALER_ENGINE"] = "true"

    settings = _settings()
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
    settings = _settings()
    _database(settings).engine.dispose()
    err.print(f"database at {settings.database_url} is up to date")


@app.command()
def demo(
    ttl: Annotated[int, typer.Option(help="Lifetime of the printed token, in seconds.")] = 86400,
) -> None:
    """Load demo data (idempotent) and print an account_admin token for tenant 314."""
    settings = _settings()
    typer.echo(_demo_token(_database(settings), settings.signing_key(), _ttl(settings, ttl)))


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
    with _database(_settings()).transaction() as session:
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
    with _database(_settings()).transaction() as session:
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
    with _database(_settings()).transaction() as session:
        try:
            client = create_client(
                session, _role(role), tenant_id=tenant, servicer_id=servicer, partner_id=partner
            )
        except DomainError as exc:
            raise _fail(exc.message) from None
    typer.echo(f"client_id={client.client_id}")
    typer.echo(f"client_secret={client.client_secret}")


@client_app.command("list")
def client_list(
    tenant: Annotated[int | None, typer.Option(help="Only this tenant's clients.")] = None,
) -> None:
    """List API clients: id, role, scope, when created and when revoked (never the secret)."""
    with _database(_settings()).transaction(write=False) as session:
        clients = list_clients(session, tenant_id=tenant)
    typer.echo("client_id\trole\ttenant\tservicer\tpartner\tcreated\trevoked")
    for client in clients:
        fields = (
            client.client_id,
            client.role,
            client.tenant_id,
            client.servicer_id,
            client.partner_id,
            client.created_at.isoformat(timespec="seconds"),
            client.revoked_at.isoformat(timespec="seconds") if client.revoked_at else None,
        )
        typer.echo("\t".join("-" if field is None else str(field) for field in fields))


@client_app.command("revoke")
def client_revoke(client_id: Annotated[str, typer.Argument(metavar="CLIENT_ID")]) -> None:
    """Revoke an API client: it gets no new token, and its tokens stop working (within
    OPENDIALER_REVOCATION_REFRESH_SECONDS in a running service)."""
    with _database(_settings()).transaction() as session:
        try:
            newly = revoke_client(session, client_id)
        except DomainError as exc:
            raise _fail(exc.message) from None
    typer.echo(f"client {client_id} {'revoked' if newly else 'was already revoked'}")


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
    settings = _settings()
    with _database(settings).transaction(write=False) as session:
        try:
            principal = principal_for(
                session, _role(role), tenant_id=tenant, servicer_id=servicer, partner_id=partner
            )
        except DomainError as exc:
            raise _fail(exc.message) from None
    typer.echo(issue_token(principal, settings.signing_key(), _ttl(settings, ttl)))


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
    second_process: Annotated[
        bool | None,
        typer.Option(
            help="Read and check the file in a second process while this one writes "
            "[default: for files of 4 MiB or more, with more than one core]",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Bulk import contacts from a CSV file whose header names are the API's field names."""
    if (campaign_id is None) == (campaign is None):
        raise _fail("give exactly one of --campaign-id and --campaign")
    if second_process is None:
        second_process = csvfeed.second_process(file)
    with _collector_paused(), _database(_settings()).transaction() as session:
        try:
            get_tenant(session, tenant)
            target = CampaignService(session, tenant).resolve(campaign_id, campaign)
        except DomainError as exc:
            raise _fail(exc.message) from None
        with _progress("importing") as progress:
            task = progress.add_task("rows", total=None)

            def on_chunk(read: int, problems: list[str]) -> None:
                _report(problems)
                progress.advance(task, read)

            try:
                counts = ContactService(session, tenant).import_file(
                    target,
                    file,
                    overwrite=overwrite_duplicates,
                    strict=strict,
                    second_process=second_process,
                    on_chunk=on_chunk,
                )
            except (UnicodeDecodeError, csv.Error) as exc:
                raise _not_csv(file, exc) from None
            except csvfeed.ReaderStopped as exc:
                raise _fail(f"{exc}; nothing imported") from None
            except DomainError as exc:
                raise _fail(f"{exc.message}; nothing imported") from None
        if strict and counts.rejected:
            raise _fail(f"{counts.rejected} bad row(s); --strict: nothing imported")
    typer.echo(
        f"imported: {counts.imported}, overwritten: {counts.overwritten}, "
        f"rejected: {counts.rejected}"
    )


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Around an import, the cyclic garbage collector is off. An import makes millions of
    objects that live on (every key of the feed, the rows of a batch), and the collector went
    through all of them again and again: a sixth of a million-loan import. Rows hold no
    reference cycles: they are freed as before, when the last reference goes."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _progress(label: str) -> Progress:
    return Progress(
        TextColumn(f"[bold]{label}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        disable=not err.is_terminal,
    )


def _report(problems: list[str]) -> int:
    """Prints each bad row's problem; answers how many there were."""
    for problem in problems:
        err.print(problem, markup=False)
    return len(problems)


def _validated(
    rows: list[tuple[int, dict[str, Any]]], model: type[BaseModel], progress: Progress
) -> tuple[list[Any], int]:
    """Rows that validate against `model`; each bad one is reported with its line number."""
    good: list[Any] = []
    rejected = 0
    task = progress.add_task("rows", total=len(rows))
    for start in range(0, len(rows), VALIDATE_CHUNK):
        chunk = rows[start : start + VALIDATE_CHUNK]
        valid, problems = validate(chunk, model)
        good += valid
        rejected += _report(problems)
        progress.advance(task, len(chunk))
    return good, rejected


@import_app.command("loans")
def import_loans(
    file: Annotated[Path, typer.Argument(metavar="FILE.csv", exists=True, dir_okay=False)],
    tenant: Annotated[int, typer.Option(help="The tenant to import into.")],
    servicer: Annotated[int, typer.Option(help="The servicer the loans belong to.")],
    strict: Annotated[bool, typer.Option(help="Import nothing if any row is bad.")] = False,
    second_process: Annotated[
        bool | None,
        typer.Option(
            help="Read, check and plan the file in a second process while this one writes "
            "[default: for files of 4 MiB or more, with more than one core]",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Import a loan feed: one CSV row per loan with its borrower and lender, header names being
    the seed's field names. Re-importing the same file changes nothing."""
    if second_process is None:
        second_process = csvfeed.second_process(file)
    with _collector_paused(), _database(_settings()).transaction() as session:
        try:
            get_servicer(session, tenant, servicer)
        except DomainError as exc:
            raise _fail(exc.message) from None
        feed = LoanFeed(session, tenant, servicer)
        with _progress("importing loans") as progress:
            task = progress.add_task("rows", total=None)

            def on_chunk(read: int, problems: list[str]) -> None:
                _report(problems)
                progress.advance(task, read)

            try:
                counts = feed.import_file(
                    file, strict=strict, second_process=second_process, on_chunk=on_chunk
                )
            except (UnicodeDecodeError, csv.Error) as exc:
                raise _not_csv(file, exc) from None
            except csvfeed.ReaderStopped as exc:
                raise _fail(f"{exc}; nothing imported") from None
        if strict and counts.rejected:
            raise _fail(f"{counts.rejected} bad row(s); --strict: nothing imported")
    typer.echo(
        f"created: {counts.created}, updated: {counts.updated}, "
        f"unchanged: {counts.unchanged}, rejected: {counts.rejected}"
    )


def _day_range(value: str) -> tuple[int, int]:
    start, sep, end = value.partition("-")
    try:
        if not sep:
            raise ValueError
        return int(start), int(end)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a range of days such as 60-74") from None


@bucket_app.command("create")
def bucket_create(
    tenant: Annotated[int, typer.Option(help="The tenant.")],
    servicer: Annotated[int, typer.Option(help="The servicer.")],
    call_code: Annotated[str, typer.Option(help="The bucket's call code, e.g. DD-001.")],
    days: Annotated[str, typer.Option(help="Days late, e.g. 60-74.")],
    attempts: Annotated[int, typer.Option(help="Call attempts allowed in the bucket.")],
    contacts: Annotated[int, typer.Option(help="Contacts after which calling stops.")],
    lender: Annotated[str | None, typer.Option(help="Narrow the bucket to one lender id.")] = None,
) -> None:
    """Create a bucket policy: how often loans so many days late may be called."""
    start, end = _day_range(days)
    body = BucketInput.model_validate(
        {
            "callCode": call_code,
            "callDaysStart": start,
            "callDaysEnd": end,
            "callAttemptsPerBucket": attempts,
            "callContactsPerBucket": contacts,
            "lenderId": lender,
        }
    )
    with _database(_settings()).transaction() as session:
        try:
            get_servicer(session, tenant, servicer)
            bucket = BucketService(session, tenant).create(servicer, body)
        except DomainError as exc:
            raise _fail(exc.message) from None
    typer.echo(f"bucket {bucket.call_code} ({start}-{end} days) created: {bucket.id}")


@calllist_app.command("build")
def calllist_build(
    tenant: Annotated[int, typer.Option(help="The tenant.")],
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="The list's date, YYYY-MM-DD; default today.")
    ] = None,
    servicer: Annotated[int | None, typer.Option(help="Only this servicer.")] = None,
) -> None:
    """Build (or rebuild) the day's dialer call list."""
    try:
        day = date.fromisoformat(as_of) if as_of else None
    except ValueError:
        raise typer.BadParameter(f"{as_of!r} is not a date (YYYY-MM-DD)") from None
    with _database(_settings()).transaction() as session:
        try:
            get_tenant(session, tenant)
            list_date, counts = CallList(session, tenant).build(servicer, day)
        except DomainError as exc:
            raise _fail(exc.message) from None
    for servicer_id, entries in counts.items():
        typer.echo(f"{list_date}: servicer {servicer_id}: {entries} calls")
    if not counts:
        typer.echo(f"{list_date}: no servicer of tenant {tenant} has buckets; nothing built")


@calllist_app.command("sync")
def calllist_sync(
    tenant: Annotated[int, typer.Option(help="The tenant.")],
    servicer: Annotated[int | None, typer.Option(help="Only this servicer's list.")] = None,
) -> None:
    """Make or refresh one campaign per call code of the latest call list, one contact per
    loan on it (UserData and LoanID the loan's id, the borrower's phone and consent)."""
    from opendialer.engine.sync import sync_call_list

    with _database(_settings()).transaction() as session:
        try:
            get_tenant(session, tenant)
            list_date, synced = sync_call_list(session, tenant, servicer)
        except DomainError as exc:
            raise _fail(exc.message) from None
    for each in synced:
        typer.echo(
            f"{list_date}: campaign {each.campaign_id} {each.name!r}"
            f"{' (new)' if each.created else ''}: {each.imported} contacts added, "
            f"{each.refreshed} refreshed, {each.left_the_list} left the list, "
            f"{each.without_phone} loans without a phone"
        )


@import_app.command("cdr")
def import_cdr(
    file: Annotated[Path, typer.Argument(metavar="Master.csv", exists=True, dir_okay=False)],
    tenant: Annotated[int, typer.Option(help="The tenant the calls belong to.")],
    timezone: Annotated[
        str, typer.Option(help="Zone of the file's times (cdr_csv writes server local time).")
    ] = "UTC",
    direction: Annotated[
        str, typer.Option(help="IN, OUT, or auto: IN for inbound dialplan contexts.")
    ] = "auto",
) -> None:
    """Load an Asterisk cdr_csv Master.csv file; loading it twice stores nothing twice."""
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise typer.BadParameter(f"{timezone!r} is not an IANA time zone") from None
    if direction not in ("auto", "IN", "OUT"):
        raise typer.BadParameter("direction is IN, OUT or auto")
    raw: list[tuple[int, dict[str, Any]]] = []
    rejected = 0
    try:
        for line, record in read_master_csv(file, zone, direction):
            raw.append((line, record))
    except MasterCsvError as exc:
        raise _fail(f"{file}: {exc}") from None
    with _database(_settings()).transaction() as session:
        try:
            get_tenant(session, tenant)
        except DomainError as exc:
            raise _fail(exc.message) from None
        with _progress("loading call records") as progress:
            good, rejected = _validated(raw, CdrInput, progress)
        counts = CallReports(session, [tenant]).load(tenant, good)
    typer.echo(f"created: {counts.created}, duplicates: {counts.duplicates}, rejected: {rejected}")


@dnc_app.command("import")
def dnc_import(
    file: Annotated[Path, typer.Argument(metavar="FILE", exists=True, dir_okay=False)],
    tenant: Annotated[int, typer.Option(help="The tenant whose list it is.")],
    campaign: Annotated[
        int | None, typer.Option(help="The campaign's ID, for its list instead of the tenant's.")
    ] = None,
    source: Annotated[
        str | None, typer.Option(help="Where the numbers come from, kept with each new entry.")
    ] = None,
    strict: Annotated[bool, typer.Option(help="Import nothing if any line is bad.")] = False,
) -> None:
    """Add the numbers of a file to a do-not-call list: one number a line, or a CSV file with a
    phoneNumber column. Numbers listed already are counted, not added again."""
    if source is not None:
        problem = text_problem(source, free_text=True)
        if problem or len(source) > MAX_SOURCE:
            raise _fail(f"--source {problem or f'is longer than {MAX_SOURCE} characters'}")
    with _collector_paused(), _database(_settings()).transaction() as session:
        lists = DncLists(session, tenant)
        try:
            get_tenant(session, tenant)
            lists.region(campaign)
        except DomainError as exc:
            raise _fail(exc.message) from None
        with _progress("importing numbers") as progress:
            task = progress.add_task("lines", total=None)

            def on_chunk(read: int, problems: list[str]) -> None:
                _report(problems)
                progress.advance(task, read)

            try:
                counts = lists.import_lines(
                    campaign, read_numbers(file), source, strict=strict, on_chunk=on_chunk
                )
            except (UnicodeDecodeError, csv.Error) as exc:
                raise _fail(
                    f"{file} is not a text file in UTF-8 ({exc}); nothing imported"
                ) from None
        if strict and counts.rejected:
            raise _fail(f"{counts.rejected} bad line(s); --strict: nothing imported")
    typer.echo(
        f"added: {counts.added}, already listed: {counts.already_listed}, "
        f"rejected: {counts.rejected}"
    )


@engine_app.command("run")
def engine_run(
    tick: Annotated[
        float, typer.Option(help="Seconds between rounds while nothing happens.", min=0.01)
    ] = 1.0,
    seed: Annotated[int, typer.Option(help="The simulated carrier's seed.")] = 0,
    start: Annotated[
        str | None,
        typer.Option(
            help="Run as if the clock read this ISO 8601 moment (with its offset) at start."
        ),
    ] = None,
    virtual: Annotated[
        bool,
        typer.Option("--virtual", help="Run on a virtual clock: waiting takes no time."),
    ] = False,
    until_idle: Annotated[
        bool, typer.Option("--until-idle", help="Stop once no call is due or under way.")
    ] = False,
    simulate_agents: Annotated[
        int,
        typer.Option(
            help="Simulated agents, this many per tenant with a running campaign, who take "
            "the answered calls of progressive campaigns.",
            min=0,
        ),
    ] = 0,
) -> None:
    """Run the dialing engine against the simulated carrier until SIGINT or SIGTERM. Several
    engines may run against one PostgreSQL database; on SQLite one dials, the others wait."""
    import asyncio
    import logging
    from datetime import UTC, datetime

    from opendialer.engine.carrier import SimulatedCarrier
    from opendialer.engine.clock import Clock, RealClock, VirtualClock
    from opendialer.engine.service import Engine, run_until_signalled

    settings = _settings()
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(asctime)s %(name)s %(levelname)s %(message)s"
    )
    moment = None
    if start is not None:
        try:
            moment = datetime.fromisoformat(start)
        except ValueError:
            moment = None
        if moment is None or moment.tzinfo is None:
            raise _fail(f"--start {start!r} is not an ISO 8601 moment with its offset, such "
                        "as 2026-12-01T16:00:00+00:00")  # fmt: skip
    clock: Clock = VirtualClock(moment or datetime.now(UTC)) if virtual else RealClock(moment)
    database = _database(settings)
    engine = Engine(database, SimulatedCarrier(clock, seed=seed), clock, tick=tick,
                    simulate_agents=simulate_agents, seed=seed)  # fmt: skip
    asyncio.run(run_until_signalled(engine, until_idle=until_idle))
    typer.echo(f"engine {engine.engine_id} placed {engine.placed} calls")
