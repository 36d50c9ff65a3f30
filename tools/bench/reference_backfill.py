#!/usr/bin/env python3
"""The straightforward backfill a user would otherwise write: Python standard library only.

Pages GET /portfolio/orders and GET /historical/orders (cursor pagination, limit 1000) with
urllib, decodes each page with json, derives the kalshi_orders row of every order exactly as
kalshi-direct's normalize_orders transform does (docs/tables.md), and writes all rows with one
sqlite3 executemany in one transaction into a kalshi_orders table with the same schema as
plugins/kalshi/tables.cpp.

Columns produced: every kalshi_orders column except `category` and `pnl_cents`, which need
market metadata and P&L accounting (left NULL here; tools/bench/run.sh compares the others).

usage: reference_backfill.py --base-url URL --db PATH [--token T]
prints one JSON line: {"orders": N, "requests": N, "seconds": S}
"""
import argparse
import datetime
import json
import sqlite3
import sys
import time
import urllib.parse
import urllib.request
from decimal import Decimal
from fractions import Fraction

# Same table as plugins/kalshi/tables.cpp (ordersTable), so SQLite's type affinity is the same.
SCHEMA = """
CREATE TABLE IF NOT EXISTS kalshi_orders (
 id TEXT PRIMARY KEY, ticker TEXT NOT NULL, side TEXT NOT NULL, contract_side TEXT NOT NULL,
 outcome_side TEXT, book_side TEXT, quantity INTEGER,
 quantity_fp TEXT, filled_quantity_fp TEXT, remaining_quantity_fp TEXT,
 price REAL, yes_price_dollars TEXT, no_price_dollars TEXT, avg_fill_price REAL,
 fill_cost_dollars TEXT, fees_dollars TEXT, fees_cents INTEGER, filled_at TEXT,
 created_at TEXT, updated_at TEXT, status TEXT NOT NULL, type TEXT, client_order_id TEXT,
 category TEXT, pnl_cents INTEGER);
CREATE INDEX IF NOT EXISTS kalshi_orders_ticker ON kalshi_orders (ticker);
"""

COLUMNS = ["id", "ticker", "side", "contract_side", "outcome_side", "book_side", "quantity",
           "quantity_fp", "filled_quantity_fp", "remaining_quantity_fp", "price",
           "yes_price_dollars", "no_price_dollars", "avg_fill_price", "fill_cost_dollars",
           "fees_dollars", "fees_cents", "filled_at", "created_at", "updated_at", "status", "type",
           "client_order_id"]

HUNDRED = Decimal(100)


def fixed(d):
    """Fixed notation with the decimal's own number of fractional digits ("0.5600")."""
    return format(d, "f")


def round_half_away(fraction):
    """A Fraction rounded to the nearest integer, halves away from zero."""
    sign = -1 if fraction < 0 else 1
    numerator, denominator = abs(fraction.numerator), fraction.denominator
    whole, rest = divmod(numerator, denominator)
    if 2 * rest >= denominator:
        whole += 1
    return sign * whole


def units(d, scale):
    """The value as an integer count of 10^-scale, rounded half away from zero."""
    return round_half_away(Fraction(d) * 10 ** scale)


def at_scale(d, scale):
    return fixed(Decimal(units(d, scale)).scaleb(-scale))


def iso(text):
    if text is None:
        return None
    t = datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(datetime.timezone.utc)
    if t.microsecond:
        return t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def order_row(o):
    action = o.get("action")
    side = action.upper() if action else "BUY"
    contract_side = o.get("side") or o["outcome_side"]
    yes_price = Decimal(o["yes_price_dollars"])
    no_price = Decimal(o["no_price_dollars"])
    initial = Decimal(o["initial_count_fp"])
    filled = Decimal(o["fill_count_fp"])
    remaining = Decimal(o["remaining_count_fp"])
    fill_cost = Decimal(o["taker_fill_cost_dollars"]) + Decimal(o["maker_fill_cost_dollars"])
    fees = Decimal(o["taker_fees_dollars"]) + Decimal(o["maker_fees_dollars"])
    price = (yes_price if contract_side == "yes" else no_price) * HUNDRED
    avg_fill_price = None
    if filled != 0:
        avg = round_half_away(Fraction(fill_cost * HUNDRED) / Fraction(filled) * 10000)
        avg_fill_price = fixed(Decimal(avg).scaleb(-4))
    updated = iso(o.get("last_update_time"))
    return (
        o["order_id"], o["ticker"], side, contract_side, o.get("outcome_side"), o.get("book_side"),
        units(initial, 0), at_scale(initial, 2), at_scale(filled, 2), at_scale(remaining, 2),
        fixed(price), fixed(yes_price), fixed(no_price), avg_fill_price, fixed(fill_cost),
        fixed(fees), units(fees, 2), updated if filled != 0 else None, iso(o.get("created_time")),
        updated, o["status"], o.get("type"), o.get("client_order_id"),
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--token", default=None)
    args = parser.parse_args()

    start = time.monotonic()
    headers = {"Accept": "application/json"}
    if args.token:
        headers["Authorization"] = "Bearer " + args.token
    rows = []
    requests = 0
    for path in ("/portfolio/orders", "/historical/orders"):
        cursor = ""
        while True:
            query = {"limit": "1000"}
            if cursor:
                query["cursor"] = cursor
            url = args.base_url.rstrip("/") + path + "?" + urllib.parse.urlencode(query)
            with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=60) as response:
                page = json.loads(response.read())
            requests += 1
            rows.extend(order_row(o) for o in page["orders"])
            cursor = page.get("cursor") or ""
            if not cursor:
                break

    db = sqlite3.connect(args.db)
    db.executescript(SCHEMA)
    with db:  # one transaction
        db.executemany("INSERT OR REPLACE INTO kalshi_orders (%s) VALUES (%s)"
                       % (", ".join(COLUMNS), ", ".join("?" * len(COLUMNS))), rows)
    db.close()
    print(json.dumps({"orders": len(rows), "requests": requests,
                      "seconds": round(time.monotonic() - start, 3)}))


if __name__ == "__main__":
    sys.exit(main())
