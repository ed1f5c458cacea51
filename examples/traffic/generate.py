#!/usr/bin/env python3
"""Writes access.log.gz: two hours of made-up traffic to the IPTO API, in nginx's combined format.

The worked example of docs/simulate.md replays it through examples/ipto.yaml:

    python3 examples/traffic/generate.py            # rewrites examples/traffic/access.log.gz
    ./sluice simulate --config examples/ipto.yaml --against examples/traffic/current.yaml \
        --log examples/traffic/access.log.gz --report report.html

Every address is from the documentation ranges (RFC 5737). Seeded: the same file every run.
Who is in it:
  - 150 ordinary users, each browsing assets, searching and checking a balance now and then;
  - an office behind one NAT address, 40 people at once from 12:30 to 13:00;
  - a scraper searching 80 times a minute from 13:10 to 13:30;
  - an integration listing assets 150 times a minute from 12:45 to 12:55;
  - magic-link sign-ins (keyed on the e-mail in the body, which no access log records);
  - two lines a log rotation cut short.
"""
import gzip
import random
from datetime import datetime, timedelta, timezone
from pathlib import Path

START = datetime(2030, 3, 4, 12, 0, 0, tzinfo=timezone.utc)
HOURS = 2
rnd = random.Random(23)
events = []  # (seconds after START, client, method, target, status)


def add(second, client, method, target, status=200):
    events.append((second, client, method, target, status))


def poisson(rate_per_minute, start_s, end_s):
    """Times of a Poisson process of the given rate between start_s and end_s."""
    t = start_s
    while True:
        t += rnd.expovariate(rate_per_minute / 60.0)
        if t >= end_s:
            return
        yield t


ordinary = ["GET /assets", "GET /microip/search?q=logo", "GET /balance", "GET /wallets",
            "GET /microip/assets/{id}/download", "PATCH /assets/{id}", "POST /assets"]
weights = [30, 30, 15, 8, 8, 5, 4]
for u in range(150):
    client = f"198.51.100.{u + 1}" if u < 100 else f"203.0.113.{u - 99}"
    rate = rnd.choice([0.3, 0.5, 1, 2, 4])
    for t in poisson(rate, 0, HOURS * 3600):
        method, target = rnd.choices(ordinary, weights)[0].split(" ")
        add(t, client, method, target.replace("{id}", str(rnd.randint(1, 9999))))

office = "192.0.2.10"  # one NAT address for a whole office
for t in poisson(40 * 3, 30 * 60, 60 * 60):
    add(t, office, "GET", rnd.choice(["/assets", "/microip/search?q=icons", "/balance"]))

scraper = "203.0.113.200"
for t in poisson(80, 70 * 60, 90 * 60):
    add(t, scraper, "GET", f"/microip/search?q=a&page={rnd.randint(1, 400)}")

bulk = "198.51.100.250"
for t in poisson(150, 45 * 60, 55 * 60):
    add(t, bulk, "GET", f"/assets?page={rnd.randint(1, 50)}")

for t in poisson(2, 0, HOURS * 3600):
    add(t, f"198.51.100.{rnd.randint(1, 100)}", "POST", "/auth/magic-link")

events.sort(key=lambda e: e[0])
agents = ["Mozilla/5.0 (X11; Linux x86_64)", "curl/8.5.0", "python-requests/2.31", "okhttp/4.12"]
lines = []
for second, client, method, target, status in events:
    t = START + timedelta(seconds=second)
    lines.append(
        f'{client} - - [{t.strftime("%d/%b/%Y:%H:%M:%S +0000")}] "{method} {target} HTTP/1.1" '
        f'{status} {rnd.randint(200, 9000)} "-" "{rnd.choice(agents)}" {rnd.random() / 10:.3f}')
for at in (len(lines) // 3, 2 * len(lines) // 3):  # cut short, as a rotation mid-write leaves them
    lines[at] = lines[at][:37]

out = Path(__file__).with_name("access.log.gz")
with gzip.GzipFile(out, "wb", mtime=0) as f:
    f.write(("\n".join(lines) + "\n").encode())
print(f"{out}: {len(lines)} lines")
