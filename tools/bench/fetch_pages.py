#!/usr/bin/env python3
"""Saves every history page a backfill reads, for the parse-limit measurement (not timed).

Pages GET /portfolio/{orders,fills,settlements} and GET /historical/{orders,fills} with limit
1000 and the cursor, over one keep-alive connection, and writes each response body unchanged to
DIR/<stream>-<live|historical>-<NNNNN>.json.

usage: fetch_pages.py --base-url URL --dir DIR [--token T]
prints one JSON line: {"pages": N, "bytes": N, "records": {"orders": N, ...}}
"""
import argparse
import http.client
import json
import os
import urllib.parse

ENDPOINTS = [("orders", "live", "/portfolio/orders"), ("orders", "historical", "/historical/orders"),
             ("fills", "live", "/portfolio/fills"), ("fills", "historical", "/historical/fills"),
             ("settlements", "live", "/portfolio/settlements")]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--dir", required=True)
    parser.add_argument("--token", default=None)
    args = parser.parse_args()
    base = urllib.parse.urlsplit(args.base_url)
    connection = http.client.HTTPConnection(base.hostname, base.port, timeout=60)
    headers = {"Authorization": "Bearer " + args.token} if args.token else {}
    os.makedirs(args.dir, exist_ok=True)
    pages = total_bytes = 0
    records = {}
    for stream, phase, path in ENDPOINTS:
        cursor, number = "", 0
        while True:
            query = {"limit": "1000"}
            if cursor:
                query["cursor"] = cursor
            connection.request("GET", base.path.rstrip("/") + path + "?" + urllib.parse.urlencode(query),
                               headers=headers)
            response = connection.getresponse()
            body = response.read()
            if response.status != 200:
                raise SystemExit("fetch_pages: GET %s: HTTP %d" % (path, response.status))
            page = json.loads(body)
            with open(os.path.join(args.dir, "%s-%s-%05d.json" % (stream, phase, number)), "wb") as out:
                out.write(body)
            number += 1
            pages += 1
            total_bytes += len(body)
            records[stream] = records.get(stream, 0) + len(page[stream])
            cursor = page.get("cursor") or ""
            if not cursor:
                break
    print(json.dumps({"pages": pages, "bytes": total_bytes, "records": records}))


if __name__ == "__main__":
    main()
