#!/usr/bin/env python3
"""The straightforward backfill a user would otherwise write: Python standard library only.

Pages GET /portfolio/orders and GET /historical/orders (cursor pagination, limit 1000) with
urllib, decodes each page with json, derives the kalshi_orders row of every order exactly as
kalshi-direct's normalize_orders transform does (docs/tables.md), and writes all rows with one
sqlite3 executemany in one transaction into a kalshi_orders table with the same schema as
plugins/kalshi/tables.cpp. With --fills, also GET /portfolio/fills and GET /historical/fills into
kalshi_fills (same schema, the rows normalize_orders derives), in the same transaction: the
script of issue 19 (orders and fills, live and historical, two tables, one transaction).

Columns produced: every kalshi_orders and kalshi_fills column except `category` (both) and
`pnl_cents` (orders), which need market metadata and P&L accounting (left NULL here;
tools/bench/run.sh compares the others).

usage: reference_backfill.py --base-url URL --db PATH [--token T] [--fills]
prints one JSON line: {"orders": N, "fills": N, "requests": N, "seconds": S}
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

FILLS_SCHEMA = """
CREATE TABLE IF NOT EXISTS kalshi_fills (
 id TEXT PRIMARY KEY, order_id TEXT, trade_id TEXT, ticker TEXT NOT NULL, side TEXT NOT NULL,
 contract_side TEXT NOT NULL, outcome_side TEXT NOT NULL, book_side TEXT, quantity INTEGER,
 quantity_fp TEXT NOT NULL, price REAL, yes_price_dollars TEXT NOT NULL,
 no_price_dollars TEXT NOT NULL, fee_dollars TEXT NOT NULL, fee_cents INTEGER, is_taker INTEGER,
 filled_at TEXT, filled_at_us INTEGER, ts INTEGER, category TEXT,
 subaccount INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS kalshi_fills_market ON kalshi_fills (ticker, filled_at_us);
"""

FILL_COLUMNS = ["id", "order_id", "trade_id", "ticker", "side", "contract_side", "outcome_side",
                "book_side", "quantity", "quantity_fp", "price", "yes_price_dollars",
                "no_price_dollars", "fee_dollars", "fee_cents", "is_taker", "filled_at",
                "filled_at_us", "ts", "subaccount"]

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
        updated, o["status"], o.get("type"), o.get("client_order_id") or None,  # "" is none
    )


def direction(o):
    """(side, contract_side, outcome_side, book_side) as kalshi/direction.cpp resolves them."""
    outcome = o.get("outcome_side") or ""
    book = o.get("book_side") or ""
    action = o.get("action") or ""
    side = o.get("side") or ""
    buy_or_sell = "buy" if action == "buy" else "sell" if action in ("sell", "sell_partial", "sell_to_close") else ""
    current = outcome or ({"bid": "yes", "ask": "no"}.get(book, ""))
    legacy = ""
    if buy_or_sell and side:
        legacy = side if buy_or_sell == "buy" else ("no" if side == "yes" else "yes")
    current = current or legacy
    if legacy and legacy == current:
        return buy_or_sell.upper(), side, current, "bid" if current == "yes" else "ask"
    return "BUY", current, current, "bid" if current == "yes" else "ask"


def micros(text):
    t = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    delta = t - datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
    return (delta.days * 86400 + delta.seconds) * 1000000 + delta.microseconds


def fill_row(f):
    side, contract_side, outcome_side, book_side = direction(f)
    count = Decimal(f["count_fp"])
    yes_price = Decimal(f["yes_price_dollars"])
    no_price = Decimal(f["no_price_dollars"])
    fee = Decimal(f["fee_cost"])
    price = (yes_price if contract_side == "yes" else no_price) * HUNDRED
    created = f.get("created_time")
    ts = f.get("ts")
    us = micros(created) if created else (ts * 1000000 if ts is not None else None)
    if created:
        filled_at = iso(created)
    elif ts is not None:
        filled_at = iso(datetime.datetime.fromtimestamp(ts, datetime.timezone.utc).isoformat())
    else:
        filled_at = None
    return (
        f["fill_id"], f.get("order_id"), f.get("trade_id"), f["ticker"], side, contract_side,
        outcome_side, book_side, units(count, 0), at_scale(count, 2), fixed(price),
        fixed(yes_price), fixed(no_price), fixed(fee), units(fee, 2), f.get("is_taker"),
        filled_at, us or None, ts if ts is not None else (us // 1000000 if us else None),
        f.get("subaccount_number") or 0,
    )


def fetch(base_url, path, key, headers, convert, rows):
    """Every page of `path` (cursor pagination) converted into `rows`; returns the requests."""
    requests = 0
    cursor = ""
    while True:
        query = {"limit": "1000"}
        if cursor:
            query["cursor"] = cursor
        url = base_url.rstrip("/") + path + "?" + urllib.parse.urlencode(query)
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=60) as response:
            page = json.loads(response.read())
        requests += 1
        rows.extend(convert(o) for o in page[key])
        cursor = page.get("cursor") or ""
        if not cursor:
            return requests


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--token", default=None)
    parser.add_argument("--fills", action="store_true", help="also fills, into kalshi_fills")
    args = parser.parse_args()

    start = time.monotonic()
    headers = {"Accept": "application/json"}
    if args.token:
        headers["Authorization"] = "Bearer " + args.token
    rows, fills = [], []
    requests = 0
    for path in ("/portfolio/orders", "/historical/orders"):
        requests += fetch(args.base_url, path, "orders", headers, order_row, rows)
    if args.fills:
        for path in ("/portfolio/fills", "/historical/fills"):
            requests += fetch(args.base_url, path, "fills", headers, fill_row, fills)

    db = sqlite3.connect(args.db)
    db.executescript(SCHEMA)
    if args.fills:
        db.executescript(FILLS_SCHEMA)
    with db:  # one transaction
        db.executemany("INSERT OR REPLACE INTO kalshi_orders (%s) VALUES (%s)"
                       % (", ".join(COLUMNS), ", ".join("?" * len(COLUMNS))), rows)
        if args.fills:
            db.executemany("INSERT OR REPLACE INTO kalshi_fills (%s) VALUES (%s)"
                           % (", ".join(FILL_COLUMNS), ", ".join("?" * len(FILL_COLUMNS))), fills)
    db.close()
    print(json.dumps({"orders": len(rows), "fills": len(fills), "requests": requests,
                      "seconds": round(time.monotonic() - start, 3)}))


if __name__ == "__main__":
    sys.exit(main())
