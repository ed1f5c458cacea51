#!/usr/bin/env python3
"""Clients for sluice-bench/attack/run.sh: a legitimate client at a steady rate, and a slowloris.

  attack.py legit --port P [--bind 127.0.0.2] [--rate 50] [--duration 30] [--tokens 60]
      Kept-alive connections from --bind, a GET every 1/rate s on a fixed schedule (an open loop:
      a late answer does not push the schedule back, the next request takes another connection;
      latency counts from when the request was due, so a stall of the client itself shows too). Bearer tokens taken in turn from --tokens of them, so that the
      policy's per-user limits (100/minute) are never what refuses it. Prints one JSON line:
      requests, status counts, errors, success rate (2xx), p50/p99/max latency in ms.

  attack.py slowloris --port P --connections N [--sources 127.0.0.3,...] [--duration 60]
      N connections spread over the source addresses, each sending a request line and then one
      header line every --trickle seconds, never the blank line that ends the headers; a
      connection the gateway closes (408, 503, reset) is counted and opened again --reconnect s
      later (1 s).
      Prints one JSON line: what the gateway answered, and the most connections held at once.

Loopback only; both stop by themselves after --duration.
"""
import argparse
import asyncio
import json
import random
import resource
import sys
import time


def raise_nofile():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    except (ValueError, OSError):
        pass


async def read_response(reader):
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    length = 0
    chunked = False
    close = False
    for line in lines[1:]:
        name, _, value = line.partition(":")
        name = name.strip().lower()
        value = value.strip()
        if name == "content-length":
            length = int(value)
        elif name == "transfer-encoding" and "chunked" in value.lower():
            chunked = True
        elif name == "connection" and value.lower() == "close":
            close = True
    if chunked:
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    elif length:
        await reader.readexactly(length)
    return status, close


async def legit(args):
    interval = 1.0 / args.rate
    # The same users in every phase, as a real client's are: new tokens each phase would make this
    # one address introduce 60 new identities per phase, and two phases within one minute would
    # pass the gateway's ceiling of new identities per client address (100 a minute).
    tokens = ["legit-%d" % i for i in range(args.tokens)]
    statuses = {}
    errors = {}
    latencies = []
    idle = []  # kept-alive connections free for the next request
    state = {"opened": 0}

    async def one(due, token):
        conn = None
        try:
            if idle:
                conn = idle.pop()
            else:
                conn = await asyncio.wait_for(
                    asyncio.open_connection("127.0.0.1", args.port, local_addr=(args.bind, 0)),
                    args.timeout)
                state["opened"] += 1
            reader, writer = conn
            writer.write(("GET /api/items HTTP/1.1\r\nHost: api.example\r\n"
                          "Authorization: Bearer %s\r\n\r\n" % token).encode())
            status, close = await asyncio.wait_for(read_response(reader), args.timeout)
            latencies.append((time.monotonic() - due) * 1000)
            statuses[status] = statuses.get(status, 0) + 1
            if close:
                writer.close()
            else:
                idle.append(conn)
        except Exception as e:  # a timeout, a reset, a refusal: a failed request
            kind = type(e).__name__
            errors[kind] = errors.get(kind, 0) + 1
            if conn is not None:
                conn[1].close()

    start = time.monotonic()
    tasks = []
    i = 0
    while True:
        due = start + i * interval
        if due - start >= args.duration:
            break
        now = time.monotonic()
        if due > now:
            await asyncio.sleep(due - now)
        # On schedule whatever the answers before it did (an open loop): a slow answer takes
        # another connection rather than delaying the next request, as separate users would.
        tasks.append(asyncio.ensure_future(one(due, tokens[i % len(tokens)])))
        i += 1
    await asyncio.gather(*tasks)
    for _, writer in idle:
        writer.close()
    latencies.sort()
    n = i
    ok = sum(c for s, c in statuses.items() if 200 <= s < 300)

    def pct(p):
        if not latencies:
            return None
        return round(latencies[min(len(latencies) - 1, int(p * len(latencies)))], 2)

    print(json.dumps({
        "requests": n, "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "errors": errors, "success_pct": round(100.0 * ok / n, 3) if n else None,
        "p50_ms": pct(0.50), "p99_ms": pct(0.99),
        "max_ms": round(latencies[-1], 2) if latencies else None,
        "connections_opened": state["opened"],
    }))


async def slowloris(args):
    sources = args.sources.split(",")
    stop_at = time.monotonic() + args.duration
    outcome = {}
    state = {"open": 0, "most": 0, "opened": 0}

    def count(kind):
        outcome[kind] = outcome.get(kind, 0) + 1

    async def one(n):
        source = sources[n % len(sources)]
        while time.monotonic() < stop_at:
            writer = None
            try:
                reader, writer = await asyncio.open_connection(
                    "127.0.0.1", args.port, local_addr=(source, 0))
                state["opened"] += 1
                state["open"] += 1
                state["most"] = max(state["most"], state["open"])
                writer.write(b"GET /api/items HTTP/1.1\r\nHost: api.example\r\n")
                await writer.drain()
                while time.monotonic() < stop_at:
                    try:
                        data = await asyncio.wait_for(reader.read(4096), args.trickle)
                    except asyncio.TimeoutError:
                        writer.write(b"X-Slow-%d: x\r\n" % random.randrange(1 << 30))
                        await writer.drain()
                        continue
                    if data.startswith(b"HTTP/1.1 "):
                        count(data[9:12].decode())
                        await reader.read()  # until the gateway closes
                    else:
                        count("closed" if not data else "other")
                    break
            except (ConnectionError, OSError) as e:
                count(type(e).__name__)
            finally:
                if writer is not None:
                    state["open"] -= 1
                    writer.close()
            if time.monotonic() < stop_at:
                await asyncio.sleep(args.reconnect)

    tasks = []
    for n in range(args.connections):
        tasks.append(asyncio.ensure_future(one(n)))
        if n % 500 == 499:
            await asyncio.sleep(0.05)  # open them over a few seconds, not in one burst
    await asyncio.gather(*tasks)
    print(json.dumps({"connections": args.connections, "sources": len(sources),
                      "opened": state["opened"], "most_open_at_once": state["most"],
                      "answers": outcome}))


def main():
    raise_nofile()
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    a = sub.add_parser("legit")
    a.add_argument("--port", type=int, required=True)
    a.add_argument("--bind", default="127.0.0.2")
    a.add_argument("--rate", type=float, default=50)
    a.add_argument("--duration", type=float, default=30)
    a.add_argument("--tokens", type=int, default=60)
    a.add_argument("--timeout", type=float, default=2.0)
    s = sub.add_parser("slowloris")
    s.add_argument("--port", type=int, required=True)
    s.add_argument("--connections", type=int, default=10000)
    s.add_argument("--sources", default="127.0.0.3")
    s.add_argument("--duration", type=float, default=60)
    s.add_argument("--trickle", type=float, default=5)
    s.add_argument("--reconnect", type=float, default=1.0)
    args = p.parse_args()
    asyncio.run(legit(args) if args.cmd == "legit" else slowloris(args))


if __name__ == "__main__":
    sys.exit(main())
