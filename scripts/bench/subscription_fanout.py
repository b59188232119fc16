#!/usr/bin/env python3
"""Subscription fan-out: N WebSocket subscribers (graphql-transport-ws, token in connection_init) to ONE lookup
job's `jobProgress`. A catalog of --skus seed GTINs (valid GTIN-13s the simulator knows) is imported as CSV
`sku,barcode`; a standalone `ntin-desk nct-sim --rate-limit R` paces the job (~skus/R seconds). The job is held
at 1 call/s (PUT /__sim/rate-limit) while the subscribers connect, then released to R, so every subscriber sees
the whole run.

Measures: connections established, snapshots per subscriber, fan-out skew per snapshot (first to last subscriber
receiving the same snapshot, keyed by `processed` and `state`), delay from the job's `finishedAt` to each
subscriber receiving the final state, server RSS and CPU (from /proc), dropped connections, and the job's own
duration after the release (compare --subscribers 0 for the cost of watching).

--replicas 2 runs two servers on one PostgreSQL and one Redis: replica A works the job, replica B (RUN_WORKER=false)
serves every subscriber, so each snapshot crosses Redis pub/sub. RSS and CPU are then B's; A's CPU is printed too.

The client is a minimal asyncio WebSocket (RFC 6455) implementation that timestamps bytes as they arrive and
decodes JSON after the run, so 1,000 sockets cost the measuring side little CPU. Like graphql-ws by default, the
clients send no protocol pings (--ping-every N sends one every N s); they answer WebSocket pings, as every client
library and browser does.

Run from the project root after `cargo build --release -p api`, e.g.:
  python3 scripts/bench/subscription_fanout.py --subscribers 1000 --skus 2000 --rate 100
  python3 scripts/bench/subscription_fanout.py --subscribers 1000 --replicas 2
(--timeout 300, --db postgres, --keep; NTIN_BIN overrides target/release/ntin-desk). Last line: the summary.
scripts/bench-subscriptions runs 0, 100 and 1,000 subscribers in a row."""
import argparse, asyncio, base64, json, os, resource, shutil, struct, sys, time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import stop_all, OtherLoad, Postgres, Redis, Server, Sim, Sampler, pct, parse_ts, proc_cpu_s, seed_gtin, workdir

ap = argparse.ArgumentParser()
ap.add_argument("--subscribers", type=int, default=1000)
ap.add_argument("--skus", type=int, default=20000)
ap.add_argument("--rate", type=int, default=800, help="simulator per-key rate limit after the release (calls/s)")
ap.add_argument("--connect-concurrency", type=int, default=50)
ap.add_argument("--timeout", type=float, default=300)
ap.add_argument("--keep", action="store_true", help="keep the temp dir (logs, raw timings)")
ap.add_argument("--ping-every", type=float, default=0, help="seconds between graphql-transport-ws pings from each client (0: none)")
ap.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
ap.add_argument("--replicas", type=int, choices=[1, 2], default=1, help="2: job on replica A, subscribers on B (PostgreSQL + Redis)")
args = ap.parse_args()
if args.replicas == 2: args.db = "postgres"

live = []  # every socket opened, for the keep-alive pings
QUERY = "subscription($id: ID!) { jobProgress(jobId: $id) { state finishedAt progress { total processed } } }"


class Ws(asyncio.Protocol):
    """One graphql-transport-ws client socket. Frames are parsed on arrival; text messages are kept raw with the
    arrival time of the bytes that completed them."""
    def __init__(self, host, port):
        self.host, self.port = host, port
        self.buf, self.frag, self.hs = bytearray(), None, False
        self.msgs = []  # (t, bytes)
        loop = asyncio.get_running_loop()
        self.handshake, self.acked, self.first, self.done = (loop.create_future() for _ in range(4))
        self.closed_at, self.close_code, self.completed = None, None, False
        self.refused = None
        self.last_sent = time.time()

    def connection_made(self, tr):
        self.tr = tr
        key = base64.b64encode(os.urandom(16)).decode()
        tr.write((f"GET /graphql/ws HTTP/1.1\r\nHost: {self.host}:{self.port}\r\nUpgrade: websocket\r\n"
                  f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
                  f"Sec-WebSocket-Protocol: graphql-transport-ws\r\n\r\n").encode())

    def send(self, obj, op=1):
        payload = obj if isinstance(obj, bytes) else json.dumps(obj).encode()
        n, mask = len(payload), os.urandom(4)
        head = bytes([0x80 | op]) + (bytes([0x80 | n]) if n < 126 else (bytes([0x80 | 126]) + struct.pack(">H", n) if n < 65536
                                                                      else bytes([0x80 | 127]) + struct.pack(">Q", n)))
        m = (mask * (n // 4 + 1))[:n]
        body = (int.from_bytes(payload, "big") ^ int.from_bytes(m, "big")).to_bytes(n, "big") if n else b""
        if not self.tr.is_closing():
            self.tr.write(head + mask + body)
            if op == 1: self.last_sent = time.time()  # protocol messages only: WS-level pongs do not count

    def data_received(self, data):
        t = time.time()
        self.buf += data
        if not self.hs:
            end = self.buf.find(b"\r\n\r\n")
            if end < 0: return
            head = bytes(self.buf[:end]).decode(errors="replace"); del self.buf[:end + 4]
            if " 101 " not in head.split("\r\n")[0]:
                self.refused = head.split("\r\n")[0]; self._settle(self.handshake, False); self.tr.close(); return
            self.hs = True; self._settle(self.handshake, True)
        while len(self.buf) >= 2:
            b0, b1 = self.buf[0], self.buf[1]
            n, off = b1 & 0x7F, 2
            if n == 126:
                if len(self.buf) < 4: return
                n, off = struct.unpack(">H", self.buf[2:4])[0], 4
            elif n == 127:
                if len(self.buf) < 10: return
                n, off = struct.unpack(">Q", self.buf[2:10])[0], 10
            mkey = None
            if b1 & 0x80:
                mkey = bytes(self.buf[off:off + 4]); off += 4
            if len(self.buf) < off + n: return
            payload = bytes(self.buf[off:off + n]); del self.buf[:off + n]
            if mkey: payload = bytes(c ^ mkey[i % 4] for i, c in enumerate(payload))
            self._frame(b0 & 0x80, b0 & 0x0F, payload, t)

    def _frame(self, fin, op, payload, t):
        if op == 0x9: self.send(payload, 0xA); return   # ping -> pong
        if op == 0xA: return
        if op == 0x8:
            self.close_code = struct.unpack(">H", payload[:2])[0] if len(payload) >= 2 else None
            self.send(payload[:2], 0x8); self.tr.close(); return
        if op in (0x1, 0x2): self.frag = payload
        elif op == 0x0 and self.frag is not None: self.frag += payload
        if not fin: return
        msg, self.frag = self.frag, None
        self.msgs.append((t, msg))
        if not self.acked.done() and b'"connection_ack"' in msg: self._settle(self.acked, True)
        elif b'"next"' in msg and not self.first.done(): self._settle(self.first, True)
        elif b'"complete"' in msg[:40] or b'"type":"complete"' in msg:
            self.completed = True; self._settle(self.done, "complete")
        elif b'"type":"error"' in msg: self._settle(self.done, "error")
        elif b'"type":"ping"' in msg: self.send({"type": "pong"})

    def connection_lost(self, exc):
        self.closed_at = time.time()
        for f in (self.handshake, self.acked, self.first):
            self._settle(f, False)
        self._settle(self.done, "closed")

    @staticmethod
    def _settle(f, value):
        if not f.done(): f.set_result(value)


async def subscribe(port, token, job_id, sem, out, errors):
    async with sem:
        loop = asyncio.get_running_loop()
        try:
            _, ws = await asyncio.wait_for(loop.create_connection(lambda: Ws("127.0.0.1", port), "127.0.0.1", port), 30)
            live.append(ws)
            if not await asyncio.wait_for(ws.handshake, 30): raise ConnectionError(f"upgrade refused: {ws.refused}")
            ws.send({"type": "connection_init", "payload": {"Authorization": "Bearer " + token}})
            if not await asyncio.wait_for(ws.acked, 30): raise ConnectionError(f"no connection_ack (close {ws.close_code})")
            ws.send({"id": "1", "type": "subscribe", "payload": {"query": QUERY, "variables": {"id": job_id}}})
            if not await asyncio.wait_for(ws.first, 30):
                raise ConnectionError(f"no first snapshot (close {ws.close_code}): {[m for _, m in ws.msgs][-1:]}")
            out.append(ws)
        except Exception as e:  # noqa: BLE001 - a failed connection is a figure, not a crash
            errors.append(f"{type(e).__name__}: {e}"[:200])


async def run_clients(srv, sim, token, job_id, t_marks):
    sem = asyncio.Semaphore(args.connect_concurrency)
    subs, errors = [], []
    live.clear()

    async def keepalive():
        # Optional protocol pings (--ping-every); the server needs none to keep a subscription open.
        while True:
            await asyncio.sleep(1.0)
            now = time.time()
            for s in live:
                if s.hs and not s.done.done() and now - s.last_sent >= args.ping_every: s.send({"type": "ping"})
    ka = asyncio.ensure_future(keepalive()) if args.ping_every > 0 else None
    t0 = time.time()
    await asyncio.gather(*(subscribe(srv.port, token, job_id, sem, subs, errors) for _ in range(args.subscribers)))
    t_marks["connected"] = time.time(); t_marks["connect_s"] = t_marks["connected"] - t0
    await asyncio.sleep(1.0)  # let the initial snapshots settle
    t_marks["rss_connected"] = srv.rss_mb()
    code, _ = sim.control("PUT", "/rate-limit", {"perSecond": args.rate})
    if code != 200: raise SystemExit(f"PUT /__sim/rate-limit {args.rate}: {code}")
    t_marks["release"] = time.time()
    pending = [s.done for s in subs]
    if pending:
        await asyncio.wait(pending, timeout=args.timeout)
    if ka: ka.cancel()
    t_marks["end"] = time.time()
    await asyncio.sleep(0.5)
    for s in subs:
        if not s.tr.is_closing(): s.tr.close()
    return subs, errors


def main():
    work = workdir("ntin-fanout-"); key = "bench-fanout-key"
    sim = srv = worker = sampler = pg = redis = None
    try:
        sim = Sim(work, key, rate=args.rate)
        if args.db == "postgres": pg = Postgres(work)
        env = {"NCT_BASE_URL": sim.base}
        if args.replicas == 2:
            redis = Redis(work)
            env.update(REDIS_URL=redis.url, WORKER_RELEASE_LEASES_ON_START="false")
            # A works the job; B, where every subscriber connects, works none.
            worker = Server(work, env, db_url=pg.url, name="replica-a")
            srv = Server(work, {**env, "RUN_WORKER": "false"}, db_url=pg.url, name="replica-b")
        else:
            srv = Server(work, env, db_url=pg.url if pg else None)
        jobs = worker or srv  # where the job is started
        g = jobs.gql; admin = srv.admin_token()
        _, tok = g.create_tenant(admin, "fanout")
        cat = g.create_catalog(tok, "fanout")
        csv = "sku,barcode\n" + "\n".join(f"F-{i:06d},{seed_gtin(i)}" for i in range(args.skus))
        imp, imp_s = g.import_csv(tok, cat, csv)
        if imp["created"] != args.skus: raise SystemExit(f"import: {imp}")
        g.set_key(tok, key)
        sampler = Sampler(srv.pid, 0.25)
        rss_idle = srv.rss_mb()
        sim.control("PUT", "/rate-limit", {"perSecond": 1})  # hold the job while subscribers connect
        job = g.start_lookup(tok, cat)
        worker_cpu0 = proc_cpu_s(worker.pid) if worker else None
        reads = []
        for _ in range(5):
            t = time.perf_counter(); g.job(tok, job["id"]); reads.append((time.perf_counter() - t) * 1000)
        marks = {}
        other = OtherLoad(pg)
        ru0 = resource.getrusage(resource.RUSAGE_SELF)
        subs, errors = asyncio.run(run_clients(srv, sim, tok, job["id"], marks))
        if not subs:  # no subscriber to wait for: poll lightly (finishedAt, not the poll, dates the end)
            g.wait_job(tok, job["id"], args.timeout, every=0.25)
            marks["end"] = time.time()
        ru1 = resource.getrusage(resource.RUSAGE_SELF)
        final = g.job(tok, job["id"])
        worker_cpu = (proc_cpu_s(worker.pid) - worker_cpu0) if worker else None
        oth = other.cores()
        time.sleep(2.0)
        rss_after = srv.rss_mb()
        sampler.stop()
    finally:
        stop_all(sampler, srv, worker, sim, redis, pg)

    rel = marks["release"]
    done_job = final["state"] in ("SUCCEEDED", "FAILED", "CANCELLED")
    fin_at = parse_ts(final["finishedAt"]) if done_job else None
    start_at = parse_ts(final["startedAt"])
    rate_seen = final["progress"]["processed"] / ((fin_at or marks["end"]) - rel)
    if not done_job:
        print(f"job NOT final after {marks['end'] - rel:.0f} s (--timeout): {final['progress']}")
    # Decode what each subscriber got.
    per_sub, dropped, finals, still_open, drop_codes = [], 0, [], 0, {}
    keyed = {}
    n_next_total = 0
    for s in subs:
        snaps = []
        for t, raw in s.msgs:
            try: m = json.loads(raw)
            except ValueError: continue
            if m.get("type") != "next": continue
            jp = ((m.get("payload") or {}).get("data") or {}).get("jobProgress")
            if not jp: continue
            snaps.append((t, jp["progress"]["processed"], jp["state"]))
        n_next_total += len(snaps)
        per_sub.append(len(snaps))
        seen = set()
        for t, p, st in snaps:
            if t < rel or (p, st) in seen: continue
            seen.add((p, st)); keyed.setdefault((p, st), []).append(t)
        fin = [t for t, p, st in snaps if st in ("SUCCEEDED", "FAILED", "CANCELLED")]
        if fin and fin_at: finals.append(fin[0] - fin_at)
        if s.completed: pass
        elif s.closed_at and s.closed_at <= marks["end"]:
            dropped += 1; drop_codes[s.close_code] = drop_codes.get(s.close_code, 0) + 1
        else: still_open += 1
    shared_min = max(2, int(0.9 * len(subs)))
    skew_all = [(max(v) - min(v)) * 1000 for v in keyed.values() if len(v) >= 2]
    skew_shared = [(max(v) - min(v)) * 1000 for v in keyed.values() if len(v) >= shared_min]
    receivers = sorted(len(v) for v in keyed.values())
    peak_rss, cpu_mean, cpu_peak = sampler.window(rel, marks["end"])
    _, cpu_conn, _ = sampler.window(marks["connected"] - marks["connect_s"], marks["connected"])
    client_cpu = (ru1.ru_utime + ru1.ru_stime) - (ru0.ru_utime + ru0.ru_stime)
    wall = marks["end"] - (marks["connected"] - marks["connect_s"])
    fd = [x * 1000 for x in finals]

    def ms(x): return "n/a" if x is None else f"{x:.0f}"
    print(f"job: {args.skus} SKUs, state {final['state']}, progress {final['progress']}, lastError {final['lastError']}")
    if done_job: print(f"job ran {fin_at - start_at:.1f} s (startedAt..finishedAt); {fin_at - rel:.1f} s after release at {args.rate}/s")
    print(f"job throughput after release: {rate_seen:.0f} items/s (simulator allows {args.rate}/s)")
    print(f"import {args.skus} rows: {imp_s:.2f} s; one job read (node + progress, what each snapshot costs) "
          f"with no subscriber: median {pct(reads, 50):.1f} ms; db {args.db}")
    print(f"connect: {len(subs)}/{args.subscribers} subscribed in {marks['connect_s']:.1f} s "
          f"(concurrency {args.connect_concurrency}); errors: {len(errors)} {sorted(set(errors))[:3]}")
    print(f"snapshots per subscriber: min {min(per_sub, default=0)} p50 {ms(pct(per_sub, 50))} max {max(per_sub, default=0)} "
          f"(total {n_next_total}); distinct (processed,state) after release: {len(keyed)}, receivers per snapshot "
          f"p50 {ms(pct(receivers, 50))} max {max(receivers, default=0)}")
    print(f"skew, snapshots received by >= {shared_min} subscribers ({len(skew_shared)}): p50 {ms(pct(skew_shared, 50))} ms "
          f"p99 {ms(pct(skew_shared, 99))} ms max {ms(max(skew_shared, default=None))} ms")
    print(f"skew, every snapshot with >= 2 receivers ({len(skew_all)}): p50 {ms(pct(skew_all, 50))} ms p99 {ms(pct(skew_all, 99))} ms")
    print(f"final state: {len(finals)}/{len(subs)} received it; delay from finishedAt p50 {ms(pct(fd, 50))} ms "
          f"p99 {ms(pct(fd, 99))} ms max {ms(max(fd, default=None))} ms")
    print(f"server RSS: idle {rss_idle:.1f} MB, {len(subs)} connected {marks['rss_connected']:.1f} MB, peak during run "
          f"{peak_rss or 0:.1f} MB, 2 s after close {rss_after:.1f} MB")
    print(f"server CPU (% of one core, 2 cores): while connecting {cpu_conn or 0:.0f}%, during the job mean {cpu_mean or 0:.0f}% "
          f"peak 1-s {cpu_peak or 0:.0f}%; client CPU {client_cpu:.1f} s over {wall:.1f} s")
    if worker_cpu is not None:
        print(f"replica A (works the job, no subscriber): {100 * worker_cpu / max(marks['end'] - marks['connected'] + marks['connect_s'], 1e-6):.0f}% of one core over the run")
    print(f"other processes on the machine during the run: {oth:.2f} cores (this machine has 2)")
    print(f"dropped (closed by the server before `complete`): {dropped} {drop_codes or ''}; still open, no final state, "
          f"when the run timed out: {still_open}")
    if args.keep:
        with open(f"{work}/timings.json", "w") as f:
            json.dump({"finishedAt": fin_at, "release": rel, "finals": finals, "keyed": {f"{k[0]}:{k[1]}": v for k, v in keyed.items()}}, f)
        print(f"kept {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)
    print(f"SUMMARY fanout subscribers={args.subscribers} replicas={args.replicas} skus={args.skus} db={args.db} connected={len(subs)} dropped={dropped} "
          f"snapshots/sub p50={ms(pct(per_sub, 50))} skew p50={ms(pct(skew_shared, 50))}ms p99={ms(pct(skew_shared, 99))}ms "
          f"final-delay p50={ms(pct(fd, 50))}ms p99={ms(pct(fd, 99))}ms max={ms(max(fd, default=None))}ms "
          f"rss_peak={peak_rss or 0:.0f}MB cpu_mean={cpu_mean or 0:.0f}% "
          f"job={'%.1fs' % (fin_at - rel) if done_job else 'NOT-FINISHED(%d/%d)' % (final['progress']['processed'], final['progress']['total'])} "
          f"items/s={rate_seen:.0f} other-load={oth:.2f}cores")


if __name__ == "__main__":
    main()
