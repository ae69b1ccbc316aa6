"""Demo data: tenant 314 with servicer 2, a collections campaign and realistic contacts."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from opendialer.calllist.service import CallList
from opendialer.dialler.schemas import CampaignCreate, ContactImport
from opendialer.dialler.service import CampaignService, ContactService
from opendialer.engine.agents import AgentService
from opendialer.loans.feed import LOAN_FEED, LoanFeed
from opendialer.loans.repository import loans
from opendialer.loans.schemas import BucketInput
from opendialer.loans.service import BucketService
from opendialer.tenancy.service import (
    create_servicer,
    create_tenant,
    find_servicer,
    find_tenant,
)

DEMO_TENANT = 314
DEMO_SERVICER = 2
DEMO_CAMPAIGN = "Early Stage Collections"
# An agent of the demo tenant, signed out, that the demo's account admin acts for.
DEMO_AGENT = "Demo Agent"

FIRST_NAMES = [
    "James",
    "Mary",
    "Robert",
    "Patricia",
    "John",
    "Jennifer",
    "Michael",
    "Linda",
    "David",
    "Elizabeth",
    "William",
    "Barbara",
    "Richard",
    "Susan",
    "Joseph",
    "Jessica",
    "Thomas",
    "Sarah",
    "Carlos",
    "Maria",
    "Daniel",
    "Nancy",
    "Matthew",
    "Lisa",
    "Anthony",
    "Betty",
]
LAST_NAMES = [
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Lopez",
    "Gonzalez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Taylor",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Perez",
    "Thompson",
    "White",
    "Harris",
    "Clark",
]
# City, state, ZIP, area code.
PLACES = [
    ("Chicago", "IL", "60614", "312"),
    ("Houston", "TX", "77002", "713"),
    ("Phoenix", "AZ", "85004", "602"),
    ("Seattle", "WA", "98101", "206"),
    ("Boston", "MA", "02108", "617"),
    ("Miami", "FL", "33130", "305"),
    ("Denver", "CO", "80202", "303"),
    ("Atlanta", "GA", "30303", "404"),
    ("New York", "NY", "10001", "212"),
    ("Los Angeles", "CA", "90012", "213"),
]
STREETS = ["Oak", "Maple", "Main", "Lake", "Cedar", "Park"]
CONTACT_COUNT = 40
# The demo campaign: a payment reminder left by a recorded message, which needs no agent.
DEMO_SETTINGS = {
    "Name": DEMO_CAMPAIGN,
    "TimeZone": "America/Chicago",
    "DialingMode": "agentless",
    "CallerID": "+13125550199",
    "MaxLines": 4,
    "MaxCallsPerSecond": 1,
}
# Contacts placed where it is day whenever the demo is loaded. City, region, zone, number (in
# ranges set aside for fiction, the US ones scripting the simulated carrier: docs/engine.md),
# postal code.
DAYTIME_COUNT = 8
DAYTIME_PLACES = [
    ("New York", "NY", "America/New_York", "+1212555016{n}", "10001"),
    ("Chicago", "IL", "America/Chicago", "+1312555017{n}", "60614"),
    ("Denver", "CO", "America/Denver", "+1303555018{n}", "80202"),
    ("Los Angeles", "CA", "America/Los_Angeles", "+1213555019{n}", "90012"),
    ("Honolulu", "HI", "Pacific/Honolulu", "+1808555010{n}", "96813"),
    ("London", "England", "Europe/London", "+4420794600{n:02d}", "SW1A 1AA"),
    ("Sydney", "NSW", "Australia/Sydney", "+6125550{n:04d}", "2000"),
]
LOAN_COUNT = 300
LENDERS = ["Example Lender", "Prairie State Bank"]
# Call code, days late from-to, attempts, contacts per bucket.
BUCKETS = [
    ("EARLY-001", 10, 29, 3, 1),
    ("MID-001", 30, 59, 4, 1),
    ("DD-001", 60, 74, 4, 1),
    ("LATE-001", 75, 119, 6, 2),
]


def load_demo(session: Session) -> str:
    """Create what is missing of the demo data; running it twice changes nothing."""
    if find_tenant(session, DEMO_TENANT) is None:
        create_tenant(session, DEMO_TENANT, "Demo Loan Servicing")
    if find_servicer(session, DEMO_TENANT, DEMO_SERVICER) is None:
        create_servicer(session, DEMO_TENANT, DEMO_SERVICER, "Demo Servicer")
    campaigns = CampaignService(session, DEMO_TENANT)
    campaign = campaigns.campaigns.by_name(DEMO_CAMPAIGN)
    if campaign is None:
        campaign = campaigns.create(CampaignCreate.model_validate(DEMO_SETTINGS))
        # Running from the start: `serve --demo` dials it against the simulated carrier.
        campaigns.control(campaign.id, "running")
    rng = random.Random(314)
    consumers: list[dict[str, Any]] = []
    for index in range(CONTACT_COUNT):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        city, state, zip_code, area = rng.choice(PLACES)
        contact: dict[str, Any] = {
            "DiallerCampaignsID": campaign.id,
            "UserData": f"LN-{100000 + index}",
            "ReferenceNumber": f"ACCT-{7000 + index}",
            "Client": "Demo Loan Servicing",
            "Service": "Collections",
            "Name": last,
            "FirstName": first,
            "Salutation": rng.choice(["Mr.", "Ms.", "Mrs."]),
            "Address": f"{rng.randint(100, 9999)} {rng.choice(STREETS)} St",
            "PostalCode": zip_code,
            "City": city,
            "Region": state,
            "Country": "US",
            "Amount": round(rng.uniform(150, 2500), 2),
            "PhoneNumber1": f"({area}) 555-{rng.randint(100, 199):04d}",
            "PhoneNumber2": f"+1 {area} 555 {rng.randint(200, 299):04d}" if index % 3 else None,
            # Half the consumers agreed to automated calls; the gate refuses the others.
            "PhoneNumber1Consent": index % 2 == 0,
            "Email": f"{first.lower()}.{last.lower()}@example.com",
            "Comment": f"{rng.randint(30, 89)} days past due",
        }
        consumers.append(contact)
    awake = _daytime_contacts(campaign.id, datetime.now(UTC))
    calls = _load_loans(session, rng, consumers, awake)
    # Each contact is called about its loan: its calls are tracked on the loan too.
    loan_ids = loans(session, DEMO_TENANT).ids_by_key(DEMO_SERVICER)
    contacts = ContactService(session, DEMO_TENANT)
    for each in [*consumers, *awake]:
        linked = {**each, "LoanID": loan_ids[each["UserData"]]}
        contacts.import_contact(ContactImport.model_validate(linked), overwrite=True)
    agents = AgentService(session, DEMO_TENANT)
    if not any(agent.name == DEMO_AGENT for agent in agents.list()):
        agents.create(DEMO_AGENT, None, None)
    places = ", ".join(sorted({contact["City"] for contact in awake}))
    return (
        f"demo data ready: tenant {DEMO_TENANT}, servicer {DEMO_SERVICER}, "
        f"campaign {campaign.id} ({DEMO_CAMPAIGN}, running, agentless) with "
        f"{CONTACT_COUNT + DAYTIME_COUNT} contacts ({DAYTIME_COUNT} where it is daytime now: "
        f"{places}), each linked to its loan, "
        "an agent, "
        f"{LOAN_COUNT + DAYTIME_COUNT} loans ({DAYTIME_COUNT} of them current) and "
        f"{len(BUCKETS)} buckets, {calls} calls on today's list"
    )


def _daytime_contacts(campaign_id: int, now: datetime) -> list[dict[str, Any]]:
    """Contacts who live where the gate allows calls at `now`, whatever the hour: in the US
    zones where it is day, else abroad. Loaded again, they move to where it is day then."""
    open_places = [
        place for place in DAYTIME_PLACES if 9 <= now.astimezone(ZoneInfo(place[2])).hour < 20
    ]
    contacts = []
    for index in range(DAYTIME_COUNT):
        city, region, _, number, postal_code = open_places[index % len(open_places)]
        contacts.append(
            {
                "DiallerCampaignsID": campaign_id,
                "UserData": f"LN-DAY-{index + 1}",
                "Name": LAST_NAMES[index],
                "FirstName": FIRST_NAMES[index],
                "City": city,
                "Region": region,
                "PostalCode": postal_code,
                "PhoneNumber1": number.format(n=index),
                "PhoneNumber1Consent": True,
                "PhoneNumber1ConsentSource": "demo",
                "Comment": "lives where it is daytime as the demo was loaded",
            }
        )
    return contacts


def _load_loans(
    session: Session,
    rng: random.Random,
    consumers: list[dict[str, Any]],
    awake: list[dict[str, Any]],
) -> int:
    """Buckets, loans spread over them (and some current or outside every bucket), and today's
    call list; answers its length. The first loans' borrowers are the campaign's `consumers`,
    and each of those who live where it is day (`awake`) has a current loan of their own."""
    buckets = BucketService(session, DEMO_TENANT)
    if not buckets.list(DEMO_SERVICER):
        for code, start, end, attempts, contacts in BUCKETS:
            buckets.create(
                DEMO_SERVICER,
                BucketInput.model_validate(
                    {
                        "callCode": code,
                        "callDaysStart": start,
                        "callDaysEnd": end,
                        "callAttemptsPerBucket": attempts,
                        "callContactsPerBucket": contacts,
                    }
                ),
            )
    today = date.today()
    rows = []
    for index in range(LOAN_COUNT):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        _, state, zip_code, area = rng.choice(PLACES)
        lender = LENDERS[index % len(LENDERS)]
        paid_to = today - timedelta(days=rng.randint(0, 130))
        rows.append(
            {
                "lenderName": lender,
                "lenderShortName": lender.split()[0],
                "lenderIdentifierNumber": f"LID-{LENDERS.index(lender) + 1:03d}",
                "loanNumber": f"{672182867011 + index}",
                "loanExternalReferenceId": f"LN-{100000 + index}",
                "loanStatus": "repayment" if index % 10 else "forbearance",
                "loanPaidToDate": paid_to.isoformat(),
                "loanNextDueDate": (paid_to + timedelta(days=30)).isoformat(),
                "loanPastAmountDue": rng.choice([85, 170, 255, 425]),
                "loanFeeOutstanding": rng.choice([0, 15, 30]),
                "loanInterestBalance": round(rng.uniform(10, 300), 2),
                "loanCurrentAmountDue": 85,
                "borrowerNumber": f"{6336189931 + index}",
                "borrowerExternalReferenceId": f"BR-{100000 + index}",
                "borrowerType": "borrower",
                "borrowerFirstName": first,
                "borrowerLastName": last,
                "borrowerPhoneNumber": f"({area}) 555-{rng.randint(100, 199):04d}",
                "borrowerCellPhoneConsent": rng.random() < 0.5,
                "borrowerState": state,
                "borrowerPostalCode": zip_code,
            }
        )
    for row, contact in zip(rows, consumers, strict=False):
        row.update(_borrower(contact))
    for index, contact in enumerate(awake):
        rows.append(
            {
                **rows[0],
                "loanNumber": f"{672182867011 + LOAN_COUNT + index}",
                "loanExternalReferenceId": contact["UserData"],
                "loanStatus": "repayment",
                "loanPaidToDate": today.isoformat(),
                "loanNextDueDate": (today + timedelta(days=30)).isoformat(),
                "borrowerNumber": f"{6336189931 + LOAN_COUNT + index}",
                "borrowerExternalReferenceId": f"BR-DAY-{index + 1}",
                **_borrower(contact),
            }
        )
    feed = LOAN_FEED.validate_python(rows)
    LoanFeed(session, DEMO_TENANT, DEMO_SERVICER).apply(feed)
    _, counts = CallList(session, DEMO_TENANT).build(DEMO_SERVICER, today)
    return counts.get(DEMO_SERVICER, 0)


def _borrower(contact: dict[str, Any]) -> dict[str, Any]:
    """The borrower's fields of a loan feed's row for the consumer a demo contact is: a US
    state and ZIP code only where they live in one (the gate then reads their address from the
    contact, and their zones from their number)."""
    in_us = len(contact["Region"]) == 2
    return {
        "borrowerFirstName": contact["FirstName"],
        "borrowerLastName": contact["Name"],
        "borrowerPhoneNumber": contact["PhoneNumber1"],
        "borrowerCellPhoneConsent": contact["PhoneNumber1Consent"],
        "borrowerState": contact["Region"] if in_us else None,
        "borrowerPostalCode": contact["PostalCode"] if in_us else None,
    }
