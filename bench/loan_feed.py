"""Writes a realistic loan feed CSV (one row per loan, seed field names) for the benchmarks.

python bench/loan_feed.py OUT.csv ROWS [--as-of 2020-08-03]
"""

from __future__ import annotations

import argparse
import csv
import random
from datetime import date, timedelta

FIELDS = [
    "lenderName", "lenderShortName", "lenderIdentifierNumber",
    "loanNumber", "loanExternalReferenceId", "loanStatus", "loanPaidToDate", "loanNextDueDate",
    "loanLastPaymentDate", "loanPastAmountDue", "loanFeeOutstanding", "loanInterestBalance",
    "loanCurrentAmountDue",
    "borrowerNumber", "borrowerExternalReferenceId", "borrowerType", "borrowerFirstName",
    "borrowerMiddleName", "borrowerLastName", "borrowerPhoneNumber", "borrowerCellPhoneConsent",
    "borrowerState", "borrowerPostalCode",
]  # fmt: skip
FIRST = ["Henry", "Mary", "James", "Linda", "Carlos", "Ana", "Wei", "Fatima", "John", "Grace"]
LAST = ["Hudson", "Smith", "Garcia", "Nguyen", "Johnson", "Brown", "Lee", "Patel", "Davis"]
STATES = [("CO", "303", "80202"), ("WA", "206", "98101"), ("MA", "617", "02108"),
          ("TX", "713", "77002"), ("FL", "305", "33130"), ("IL", "312", "60614")]  # fmt: skip
LENDERS = ["Example Lender", "First Prairie Bank", "Summit Credit Union", "Harbor Finance"]
STATUSES = ["repayment"] * 17 + ["forbearance", "default", "paid in full"]


def write_feed(path: str, rows: int, as_of: date, seed: int = 7) -> None:
    rng = random.Random(seed)
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(FIELDS)
        for n in range(rows):
            state, area, zip_code = rng.choice(STATES)
            lender = rng.choice(LENDERS)
            paid_to = as_of - timedelta(days=rng.randint(0, 180))
            spelling = n % 3
            local = f"{rng.randint(200, 999)}{rng.randint(1000, 9999)}"
            phone = (
                f"+1{area}{local}"
                if spelling == 0
                else f"({area}) {local[:3]}-{local[3:]}"
                if spelling == 1
                else f"{area}.{local[:3]}.{local[3:]}"
            )
            past_due = rng.choice([0, 85, 170, 255, 425])
            writer.writerow(
                [
                    lender, lender.split()[0], f"LID-{LENDERS.index(lender):03d}",
                    f"{672182867011 + n}", f"LN-{n:08d}", rng.choice(STATUSES),
                    paid_to.isoformat(), (paid_to + timedelta(days=30)).isoformat(),
                    (paid_to - timedelta(days=30)).isoformat() if n % 4 else "",
                    past_due, rng.choice([0, 15, 30]), round(rng.uniform(0, 400), 2),
                    85,
                    f"{6336189931 + n}", f"BR-{n:08d}", "borrower", rng.choice(FIRST),
                    rng.choice("ABCDEFG"), rng.choice(LAST), phone, rng.random() < 0.4,
                    state, zip_code,
                ]
            )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out")
    parser.add_argument("rows", type=int)
    parser.add_argument("--as-of", default="2020-08-03")
    args = parser.parse_args()
    write_feed(args.out, args.rows, date.fromisoformat(args.as_of))


if __name__ == "__main__":
    main()
