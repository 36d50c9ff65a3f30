#!/usr/bin/env python3
"""Requests a `backfill --full` makes, per endpoint and per 1,000 fills: one kalshi-direct binary
against another (before/after a change), on the same simulated accounts. See tools/bench/README.md.

Writes a Markdown section between the markers below into --out-md (docs/performance.md): the rest
of that file is bench.py's and is kept as it is.
"""
import argparse
import datetime
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

TOKEN = "bench-token"
BEGIN = "<!-- requests.py:begin -->"
END = "<!-- requests.py:end -->"
METADATA = ("/markets", "/markets/{ticker}", "/historical/markets", "/historical/markets/{ticker}", "/events",
            "/events/{event_ticker}", "/series/{series_ticker}")


def log(message):
    print("requests: " + message, file=sys.stderr, flush=True)


def fetch(base, path, method="GET"):
    request = urllib.request.Request(base + path, method=method, data=b"" if method == "POST" else None)
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read() or b"{}")


def start_sim(sim, fills, work):
    port_file = os.path.join(work, "port")
    if os.path.exists(port_file):
        os.remove(port_file)
    proc = subprocess.Popen([sim, "--port", "0", "--port-file", port_file, "--fills", str(fills), "--anchor", "now",
                             "--bearer-token", TOKEN], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(1200):
        if os.path.exists(port_file):
            return proc, "http://127.0.0.1:%s" % open(port_file).read().strip()
        time.sleep(0.05)
    proc.kill()
    raise RuntimeError("kalshi-sim did not start")


def backfill(binary, base, work):
    db_dir = tempfile.mkdtemp(dir=work)
    env = dict(os.environ, KALSHI_API_BASE_URL=base + "/trade-api/v2", KALSHI_API_KEY=TOKEN, KALSHI_API_KEY_ID="",
               KALSHI_PRIVATE_KEY_PATH="", KALSHI_PRIVATE_KEY="", KALSHI_RATE_LIMIT="off",
               KALSHI_DB=os.path.join(db_dir, "kalshi.db"))
    fetch(base, "/admin/stats/reset", "POST")
    start = time.monotonic()
    proc = subprocess.run([binary, "run", "backfill", "--full"], env=env, cwd=db_dir, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True)
    seconds = time.monotonic() - start
    if proc.returncode not in (0, 3):
        raise RuntimeError("%s backfill failed (%d): %s" % (binary, proc.returncode, proc.stderr[-2000:]))
    stats = fetch(base, "/admin/stats")
    shutil.rmtree(db_dir, ignore_errors=True)
    endpoints = {name: value["total"] for name, value in stats.get("endpoints", {}).items()}
    return {"seconds": seconds, "total": stats.get("requests_total", 0), "endpoints": endpoints,
            "metadata": sum(endpoints.get(name, 0) for name in METADATA)}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--before", required=True, help="kalshi-direct binary before the change")
    parser.add_argument("--before-label", default="before")
    parser.add_argument("--after", required=True, help="kalshi-direct binary after the change")
    parser.add_argument("--after-label", default="after")
    parser.add_argument("--sim", required=True)
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--out-md", required=True)
    parser.add_argument("--work", default=None)
    args = parser.parse_args()
    args.before, args.after, args.sim = (os.path.abspath(path) for path in (args.before, args.after, args.sim))
    work = args.work or tempfile.mkdtemp(prefix="kd-requests.")
    results = []
    for fills in [int(size) for size in args.sizes.split(",")]:
        proc, base = start_sim(args.sim, fills, work)
        try:
            counts = fetch(base, "/admin/truth")["counts"]
            row = {"fills": fills, "markets": len(fetch(base, "/admin/truth")["markets"])}
            for label, binary in ((args.before_label, args.before), (args.after_label, args.after)):
                run = backfill(binary, base, work)
                row[label] = run
                log("%d fills, %s: %d requests (%d metadata) in %.1f s" % (fills, label, run["total"],
                                                                           run["metadata"], run["seconds"]))
            row["orders"] = counts["orders"]
            results.append(row)
        finally:
            proc.terminate()
            proc.wait()

    lines = [BEGIN, "", "## Requests of a full backfill (issue 12)", "",
             "Measured %s by `tools/bench/requests.sh`: `kalshi-direct run backfill --full` of a fresh database "
             "against `kalshi-sim --fills N --anchor now` (3.34.0: markets settled before the cutoff only under "
             "`/historical/markets`), rate limit off; requests from the simulator's `/admin/stats`. "
             "**%s** is %s; **%s** is %s." % (
                 datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
                 args.before_label, os.environ.get("KD_REQUESTS_BEFORE_NOTE", args.before),
                 args.after_label, os.environ.get("KD_REQUESTS_AFTER_NOTE", args.after)), "",
             "| fills | markets | | all requests | per 1,000 fills | metadata requests | per 1,000 fills | wall time |",
             "|---|---|---|---|---|---|---|---|"]
    for row in results:
        for label in (args.before_label, args.after_label):
            run = row[label]
            lines.append("| %s | %s | %s | %d | %.1f | %d | %.1f | %.1f s |" % (
                f"{row['fills']:,}", f"{row['markets']:,}", label, run["total"], 1000.0 * run["total"] / row["fills"],
                run["metadata"], 1000.0 * run["metadata"] / row["fills"], run["seconds"]))
    lines += ["", "Metadata requests by endpoint at the largest size:", "",
              "| endpoint | %s | %s |" % (args.before_label, args.after_label), "|---|---|---|"]
    last = results[-1]
    for name in METADATA:
        before, after = last[args.before_label]["endpoints"].get(name, 0), last[args.after_label]["endpoints"].get(name, 0)
        if before or after:
            lines.append("| `%s` | %d | %d |" % (name, before, after))
    lines += ["", END]
    section = "\n".join(lines) + "\n"

    text = open(args.out_md).read() if os.path.exists(args.out_md) else ""
    if BEGIN in text and END in text:
        text = text[:text.index(BEGIN)] + section + text[text.index(END) + len(END) + 1:]
    else:
        text = text.rstrip("\n") + "\n\n" + section
    with open(args.out_md, "w") as out:
        out.write(text)
    with open(os.path.join(work, "requests.json"), "w") as out:
        json.dump(results, out, indent=1)
    log("wrote %s (raw numbers: %s)" % (args.out_md, os.path.join(work, "requests.json")))


if __name__ == "__main__":
    main()
