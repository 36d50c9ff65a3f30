#!/usr/bin/env python3
"""The live pipeline (issue 18), measured from outside against kalshi-sim trading at the wall clock.

  python3 tools/bench/live.py --bin build/bin [--rate 50] [--seconds 600] [--page-seconds 60]
                              [--out-md docs/performance.md]

1. A simulated account (20,000 fills) is backfilled in full into a new SQLite file.
2. Pipeline: `kalshi-direct run live` runs while the simulator makes --rate fills a second for
   --seconds. A poller reads the new rows of kalshi_fills every 5 ms: a fill's latency to commit
   is when the poller first saw it (the commit that made it visible) less its time of creation
   (filled_at_us: the simulator's wall clock when it made the fill, carried by the message).
   The process's CPU time (/proc/PID/stat) over the trading, less its idle rate measured for
   10 s before, divided by the fills made: CPU per fill. Its RSS every 5 s: memory over the run.
3. Dashboard: `kalshi-direct serve --live`, a Chromium page (tools/bench/live_page.mjs) notes when
   the fills table's total grows; the fills that made the total grow (kalshi_fills in rowid order)
   were on the page from then. Latency to the page = that moment less the fill's creation.
Same host, same clock for all three. Prints a Markdown section and writes it between the markers
in --out-md.
"""
import argparse
import json
import os
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

BEGIN, END = "<!-- live.py:begin -->", "<!-- live.py:end -->"
TOKEN = "bench-live"


def post(port, path):
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=b"", method="POST")
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read() or b"{}")


def get(port, path):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=60) as response:
        return json.loads(response.read())


def wait_for(condition, seconds=120, what="a condition"):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise SystemExit(f"live.py: timed out waiting for {what}")


def read_port(path):
    wait_for(lambda: os.path.exists(path) and open(path).read().strip(), what=path)
    return int(open(path).read().strip())


def state(db, key):
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as con:
            row = con.execute("SELECT value FROM kd_state WHERE scope='kalshi' AND key=?", (key,)).fetchone()
            return row[0] if row else ""
    except sqlite3.Error:
        return ""


def cpu_seconds(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mib(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def percentile(values, p):
    values = sorted(values)
    if not values:
        return float("nan")
    k = (len(values) - 1) * p / 100
    low, high = int(k), min(int(k) + 1, len(values) - 1)
    return values[low] + (values[high] - values[low]) * (k - low)


class Poller(threading.Thread):
    """Notes when each new kalshi_fills row first became visible (a committed read)."""

    def __init__(self, db, since_us):
        super().__init__(daemon=True)
        self.db, self.since_us, self.latencies_ms, self.stop = db, since_us, [], False

    def run(self):
        con = sqlite3.connect(f"file:{self.db}?mode=ro", uri=True)
        last = con.execute("SELECT coalesce(max(rowid), 0) FROM kalshi_fills").fetchone()[0]
        while not self.stop:
            rows = con.execute("SELECT rowid, filled_at_us FROM kalshi_fills WHERE rowid > ?", (last,)).fetchall()
            now_us = time.time() * 1e6
            for rowid, filled_at_us in rows:
                last = max(last, rowid)
                if filled_at_us and filled_at_us >= self.since_us:
                    self.latencies_ms.append((now_us - filled_at_us) / 1000)
            time.sleep(0.005)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", default="build/bin")
    parser.add_argument("--rate", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=600)
    parser.add_argument("--page-seconds", type=int, default=60)
    parser.add_argument("--out-md", default="")
    parser.add_argument("--commit-interval", default="", help="KALSHI_LIVE_COMMIT_INTERVAL (default: the pipeline's)")
    args = parser.parse_args()
    args.bin = os.path.abspath(args.bin)
    work = tempfile.mkdtemp(prefix="kd-bench-live.")
    db = os.path.join(work, "kalshi.db")
    children = []

    def start(argv, name, env=None):
        log = open(os.path.join(work, f"{name}.log"), "w")
        child = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=work)
        children.append(child)
        return child

    try:
        start([f"{args.bin}/kalshi-sim", "--port", "0", "--port-file", f"{work}/sim.port", "--fills", "20000",
               "--seed", "21", "--anchor", "now", "--bearer-token", TOKEN], "sim")
        sim = read_port(f"{work}/sim.port")
        env = dict(os.environ, KALSHI_API_BASE_URL=f"http://127.0.0.1:{sim}/trade-api/v2", KALSHI_API_KEY=TOKEN,
                   KALSHI_API_KEY_ID="", KALSHI_PRIVATE_KEY_PATH="", KALSHI_PRIVATE_KEY="", KALSHI_RATE_LIMIT="off",
                   KALSHI_DB=db)
        if args.commit_interval:
            env["KALSHI_LIVE_COMMIT_INTERVAL"] = args.commit_interval
        subprocess.run([f"{args.bin}/kalshi-direct", "run", "backfill", "--full", "--quiet"], env=env, cwd=work,
                       check=True)

        # ---- 2. the pipeline alone ----
        live = start([f"{args.bin}/kalshi-direct", "run", "live"], "live", env)
        wait_for(lambda: state(db, "live.connected") == "1", what="the live feed")
        idle_cpu0, idle_t0 = cpu_seconds(live.pid), time.time()
        time.sleep(10)
        idle_rate = (cpu_seconds(live.pid) - idle_cpu0) / (time.time() - idle_t0)
        poller = Poller(db, time.time() * 1e6)
        poller.start()
        made0 = get(sim, "/admin/live")["fills_made"]
        cpu0, t0 = cpu_seconds(live.pid), time.time()
        rss = []
        post(sim, f"/admin/trade-rate?rate={args.rate}")
        while time.time() - t0 < args.seconds:
            time.sleep(5)
            rss.append((time.time() - t0, rss_mib(live.pid)))
        post(sim, "/admin/trade-rate?rate=0")
        trading = time.time() - t0
        cpu = cpu_seconds(live.pid) - cpu0
        made = get(sim, "/admin/live")["fills_made"] - made0
        wait_for(lambda: len(poller.latencies_ms) >= made, seconds=30, what="the last fills to commit")
        poller.stop = True
        live.send_signal(signal.SIGTERM)
        live.wait(timeout=60)
        commit = poller.latencies_ms
        cpu_per_fill_ms = (cpu - idle_rate * trading) / max(made, 1) * 1000

        # ---- 3. the dashboard ----
        serve = start([f"{args.bin}/kalshi-direct", "serve", "--live", "--port", "0", "--port-file",
                       f"{work}/serve.port"], "serve", env)
        port = read_port(f"{work}/serve.port")
        wait_for(lambda: get(port, "/api/v1/sync").get("live", {}) and
                 get(port, "/api/v1/sync")["live"]["status"] == "live", what="serve --live")
        page_out = os.path.join(work, "page.json")
        watcher = subprocess.Popen(["node", os.path.join(os.path.dirname(__file__), "live_page.mjs"), "--url",
                                    f"http://127.0.0.1:{port}/", "--seconds", str(args.page_seconds + 10), "--out",
                                    page_out], cwd=work)
        time.sleep(8)  # the page's first load (not measured)
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as con:
            base = con.execute("SELECT count(*) FROM kalshi_fills").fetchone()[0]
        page_t0_us = time.time() * 1e6
        post(sim, f"/admin/trade-rate?rate={args.rate}")
        time.sleep(args.page_seconds)
        post(sim, "/admin/trade-rate?rate=0")
        watcher.wait(timeout=120)
        serve.send_signal(signal.SIGTERM)
        serve.wait(timeout=60)
        seen = json.load(open(page_out))
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as con:
            created = [r[0] for r in con.execute("SELECT filled_at_us FROM kalshi_fills ORDER BY rowid")]
        page = []
        previous = base
        for total, at_us in seen:
            if total <= previous:
                previous = max(previous, total)
                continue
            for rank in range(previous, min(total, len(created))):
                if created[rank] and created[rank] >= page_t0_us:
                    page.append((at_us - created[rank]) / 1000)
            previous = total
    finally:
        for child in children:
            if child.poll() is None:
                child.kill()

    growth = rss[-1][1] - min(r for _, r in rss[len(rss) // 10:]) if rss else float("nan")
    lines = [
        BEGIN,
        "",
        f"## Live: fills over the WebSocket (issue 18)",
        "",
        f"`python3 tools/bench/live.py --rate {args.rate} --seconds {args.seconds} --page-seconds "
        f"{args.page_seconds}`, on this machine ({os.cpu_count()} cores), SQLite, against kalshi-sim making "
        f"{args.rate} fills a second at the wall clock on a backfilled 20,000-fill account. `pipelines/live.yaml` "
        f"with commit interval {args.commit_interval or '250ms (as shipped)'}, its P&L recomputed at most every "
        f"second (`recompute_every: 1s`).",
        "",
        "| from the simulator making a fill to | fills | p50 | p95 | p99 | max |",
        "|---|---|---|---|---|---|",
        f"| its row committed (`run live`) | {len(commit)} | {percentile(commit, 50):.0f} ms | "
        f"{percentile(commit, 95):.0f} ms | {percentile(commit, 99):.0f} ms | {max(commit):.0f} ms |",
        f"| the page showing it (`serve --live`, Chromium) | {len(page)} | {percentile(page, 50):.0f} ms | "
        f"{percentile(page, 95):.0f} ms | {percentile(page, 99):.0f} ms | {max(page) if page else float('nan'):.0f} ms |",
        "",
        f"- CPU: {cpu_per_fill_ms:.2f} ms of CPU per fill (user + system of `run live` over {trading:.0f} s of "
        f"trading, less its idle rate of {idle_rate * 1000:.1f} ms/s); {made} fills made, "
        f"{cpu / trading * 100:.0f}% of one core while trading.",
        f"- Memory (RSS of `run live`, every 5 s): {min(r for _, r in rss):.1f} to {max(r for _, r in rss):.1f} MiB "
        f"over {trading:.0f} s; the last sample is {growth:+.1f} MiB from the lowest after the first tenth.",
        "- Targets: p95 to commit under 500 ms, to the page under 1 s.",
        "",
        END,
    ]
    section = "\n".join(lines)
    print(section)
    print("rss samples (s, MiB):", " ".join(f"{t:.0f}:{r:.1f}" for t, r in rss), file=sys.stderr)
    if args.out_md:
        text = open(args.out_md).read()
        if BEGIN in text:
            text = text[: text.index(BEGIN)] + section + text[text.index(END) + len(END):]
        else:
            text = text.rstrip("\n") + "\n\n" + section + "\n"
        open(args.out_md, "w").write(text)


if __name__ == "__main__":
    main()
