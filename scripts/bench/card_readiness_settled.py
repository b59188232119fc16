#!/usr/bin/env python3
"""Card readiness once the stored checks are in: a catalog of --skus SKUs that all need a card (half with their
card fields filled, half with only a Russian name, as in ../shared/bench/card-readiness-scale.py) is imported,
then `cardReadiness { unchecked }` is polled until every card's check is stored (the background re-check plus
each query's 100 ms budget). Reports how long that took, then times the settled queries: `cardReadiness`,
`registrationPlan` and a page of 250 SKUs with and without `cardCheck` (client round trips; first call and the
median of --repeat more), with the server's RSS and CPU.

Starts its own standalone simulator and release server (SQLite, or PostgreSQL with --db postgres). Run from the
project checkout after `cargo build --release -p api --bin ntin-desk` (NTIN_BIN overrides the binary):
    python3 scripts/bench/card_readiness_settled.py [--skus 100000] [--repeat 9] [--db sqlite|postgres]
Last line: the summary."""
import argparse, os, shutil, sys, time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import stop_all, Postgres, Sampler, Server, Sim, pct, workdir

ap = argparse.ArgumentParser()
ap.add_argument("--skus", type=int, default=100_000)
ap.add_argument("--repeat", type=int, default=9)
ap.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
ap.add_argument("--settle-timeout", type=float, default=900)
ap.add_argument("--keep", action="store_true", help="keep the temp dir (database, logs)")
args = ap.parse_args()

LEAVES = [("1020-0011-0003-100006374", "1806321000"), ("1020-0011-0003-100006375", "1806329000")]
Q_UNCHECKED = "query($id: ID!) { catalog(id: $id) { cardReadiness { total unchecked } } }"
Q_CARD = "query($id: ID!) { catalog(id: $id) { cardReadiness { total ready withErrors unchecked problemsByCode { code count } } } }"
Q_PLAN = "query($id: ID!) { catalog(id: $id) { registrationPlan { pending earliestNtinDate latestNtinDate } } }"
Q_PAGE_CHECK = ("query($id: ID!) { catalog(id: $id) { skus(first: 250, filter: {readiness: MANUAL_CARD}) { totalCount "
                "nodes { id sellerSku cardCheck { field code severity message } } } } }")
Q_PAGE_PLAIN = ("query($id: ID!) { catalog(id: $id) { skus(first: 250, filter: {readiness: MANUAL_CARD}) { totalCount "
                "nodes { id sellerSku nameRu nameKk oktru tnved } } } }")


def rows(n):
    out = ["sku,barcode,name_ru,name_kk,brand,oktru,tnved,country,measure_unit,measure_qty"]
    for i in range(n):
        if i % 2 == 0:
            oktru, tnved = LEAVES[(i // 2) % 2]
            out.append(f"C-{i:06d},,Батончик шоколадный Bench №{i},Шоколад батончигі Bench №{i},Bench,{oktru},{tnved},KZ,796,1")
        else:
            out.append(f"C-{i:06d},,Товар без карточки №{i},,,,,,,")
    return "\n".join(out)


def main():
    work = workdir("ntin-cards-settled-"); key = "bench-cards-key"
    sim = srv = pg = sampler = None
    out = {}
    try:
        sim = Sim(work, key)
        if args.db == "postgres":
            pg = Postgres(work)
        srv = Server(work, {"NCT_BASE_URL": sim.base}, db_url=pg.url if pg else None)
        sampler = Sampler(srv.pid, 0.2)
        g = srv.gql
        _, tok = g.create_tenant(srv.admin_token(), "cards")
        g.set_key(tok, key)
        cat = g.create_catalog(tok, "cards")
        imp, imp_s = g.import_csv(tok, cat, rows(args.skus))
        if imp["created"] != args.skus:
            raise SystemExit(f"import: created {imp['created']} rejected {imp['rejected']}")
        print(f"{args.skus} SKUs needing a card imported in {imp_s:.1f} s ({args.db})")
        t0 = time.time()
        while True:
            cr = g(Q_UNCHECKED, {"id": cat}, tok)["catalog"]["cardReadiness"]
            if cr["unchecked"] == 0:
                break
            if time.time() - t0 > args.settle_timeout:
                raise SystemExit(f"not settled after {args.settle_timeout:.0f} s: {cr}")
            time.sleep(1)
        settle = time.time() - t0
        peak, cpu, _ = sampler.window(t0, time.time())
        print(f"every check stored {settle:.1f} s after the import ({args.skus / max(settle, 0.001):,.0f} cards/s"
              + (f"; server CPU {cpu:.0f}% of a core, RSS peak {peak:.0f} MB)" if peak else ")"))
        out["settle"] = settle
        for name, q in (("cardReadiness", Q_CARD), ("registrationPlan", Q_PLAN), ("skus(250)+cardCheck", Q_PAGE_CHECK), ("skus(250) plain", Q_PAGE_PLAIN)):
            times = []
            t1 = time.time()
            for _ in range(args.repeat + 1):
                code, body, dt = g.raw(q, {"id": cat}, tok, timeout=900)
                if code != 200 or body.get("errors"):
                    raise SystemExit(f"{name}: HTTP {code} {body.get('errors')}")
                times.append(dt)
            peak, cpu, _ = sampler.window(t1, time.time())
            data = body["data"]["catalog"]
            detail = ""
            if name == "cardReadiness":
                c = data["cardReadiness"]
                detail = f"total {c['total']} ready {c['ready']} withErrors {c['withErrors']} unchecked {c['unchecked']}"
            elif name == "registrationPlan":
                detail = f"pending {data['registrationPlan']['pending']}"
            else:
                detail = f"{len(data['skus']['nodes'])} nodes of {data['skus']['totalCount']}"
            med = pct(times[1:], 50)
            out[name] = med
            print(f"  {name}: first {times[0] * 1000:.0f} ms, median of {args.repeat} more {med * 1000:.0f} ms "
                  f"(min {min(times[1:]) * 1000:.0f}, max {max(times[1:]) * 1000:.0f}); {detail}"
                  + (f"; server CPU {cpu:.0f}% of a core, RSS peak {peak:.0f} MB" if peak else ""))
    finally:
        stop_all(sampler, srv, sim, pg)
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    print(f"SUMMARY card-readiness settled ({args.db}, {args.skus} SKUs): settled in {out['settle']:.1f}s; "
          f"cardReadiness {out['cardReadiness'] * 1000:.0f}ms; registrationPlan {out['registrationPlan'] * 1000:.0f}ms; "
          f"skus(250)+cardCheck {out['skus(250)+cardCheck'] * 1000:.0f}ms (plain {out['skus(250) plain'] * 1000:.0f}ms)")


if __name__ == "__main__":
    main()
