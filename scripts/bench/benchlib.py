"""Shared pieces of the load scripts in scripts/bench: the release binary's NCT simulator, servers, a Redis and a
throwaway PostgreSQL on free local ports with a temp data dir; a small GraphQL client; /proc sampling of a server's
RSS and CPU. Run the scripts from the project root after `cargo build --release -p api` (BIN defaults to
target/release/ntin-desk; NTIN_BIN overrides). Every service listens on 127.0.0.1 only and is stopped at the end."""
import json, os, resource, sys, shutil, socket, subprocess, tempfile, threading, time, urllib.error, urllib.request
from datetime import datetime

BIN = os.path.abspath(os.environ.get("NTIN_BIN", "target/release/ntin-desk"))
FINAL = {"SUCCEEDED", "FAILED", "CANCELLED"}
TICK = os.sysconf("SC_CLK_TCK")


def need_bin():
    if not os.access(BIN, os.X_OK):
        raise SystemExit(f"not built: {BIN} (run from the project checkout after `cargo build --release`)")


def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p


def http(url, method="GET", body=None, headers=None, timeout=10):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers={"content-type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r: raw, code = r.read(), r.status
    except urllib.error.HTTPError as e: raw, code = e.read(), e.code
    except Exception: return None, None
    try: return code, (json.loads(raw) if raw else None)
    except Exception: return code, raw


def wait_for(pred, timeout, what):
    end = time.time() + timeout
    while time.time() < end:
        if pred(): return
        time.sleep(0.1)
    raise SystemExit(f"{what} not ready after {timeout} s")


def _more_fds():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 65536), hard))


# ---- GS1 ------------------------------------------------------------------------------------------------------
def check_digit(body):
    s = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return str((10 - s % 10) % 10)


def seed_gtin(i):
    """GTIN-13 of the simulator's seed card i (api/src/nct_sim/seed.rs: `487` + {100_000_000+i:09} + check);
    the default seed has cards 0..100_000; i % 100 == 7 is an ambiguous GTIN (two NTINs)."""
    b = f"487{100_000_000 + i:09d}"; return b + check_digit(b)


def not_found_gtin(k):
    b = f"487{200_000_000 + k:09d}"; return b + check_digit(b)


def parse_ts(s):
    """RFC 3339 DateTime from the API -> epoch seconds (float)."""
    if s is None: return None
    s = s.replace("Z", "+00:00")
    if "." in s:  # Python < 3.11 wants at most 6 fractional digits
        head, rest = s.split(".", 1)
        frac = "".join(ch for ch in rest if ch.isdigit()); tz = rest[len(frac):]
        s = f"{head}.{frac[:6].ljust(6, '0')}{tz}"
    return datetime.fromisoformat(s).timestamp()


# ---- process sampling -----------------------------------------------------------------------------------------
def proc_cpu_s(pid):
    with open(f"/proc/{pid}/stat") as f: parts = f.read().rsplit(")", 1)[1].split()
    return (int(parts[11]) + int(parts[12])) / TICK  # utime + stime


def proc_rss_kb(pid, field="VmRSS"):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"): return int(line.split()[1])
    return None


class Sampler(threading.Thread):
    """Samples (t, rss_kb, cpu_s) of a pid every `every` seconds until stopped."""
    def __init__(self, pid, every=0.25):
        super().__init__(daemon=True); self.pid, self.every, self.samples, self._halt = pid, every, [], threading.Event()
        self.start()

    def run(self):
        while not self._halt.is_set():
            try: self.samples.append((time.time(), proc_rss_kb(self.pid), proc_cpu_s(self.pid)))
            except (OSError, IndexError, ValueError): pass
            self._halt.wait(self.every)

    def stop(self):
        self._halt.set(); self.join(2)

    def window(self, t0, t1):
        """(peak RSS MB, mean CPU % of one core, peak 1-s CPU %) between t0 and t1."""
        s = [x for x in self.samples if t0 <= x[0] <= t1]
        if len(s) < 2: return None, None, None
        peak = max(x[1] for x in s) / 1024
        mean = 100 * (s[-1][2] - s[0][2]) / (s[-1][0] - s[0][0])
        best, j = 0.0, 0
        for i in range(len(s)):
            while s[i][0] - s[j + 1][0] >= 0.95: j += 1
            if s[i][0] - s[j][0] >= 0.95: best = max(best, 100 * (s[i][2] - s[j][2]) / (s[i][0] - s[j][0]))
        return peak, mean, best


# ---- services -------------------------------------------------------------------------------------------------
class Sim:
    """`ntin-desk nct-sim` (standalone) with a key, an optional per-key rate limit and added latency."""
    def __init__(self, work, key, rate=None, latency_ms=None, seed_file=None):
        need_bin()
        self.port = free_port(); self.base = f"http://127.0.0.1:{self.port}"; self.key = key
        args = [BIN, "nct-sim", "--bind", f"127.0.0.1:{self.port}", "--key", key]
        if rate: args += ["--rate-limit", str(rate)]
        if latency_ms is not None: args += ["--latency-ms", str(latency_ms)]
        if seed_file: args += ["--seed-file", seed_file]
        self.proc = subprocess.Popen(args, stdout=open(f"{work}/sim.log", "ab"), stderr=subprocess.STDOUT, preexec_fn=_more_fds)
        wait_for(lambda: http(self.base + "/__sim/stats")[0] == 200 or self.proc.poll() is not None, 60, "nct-sim")
        if self.proc.poll() is not None: raise SystemExit(f"nct-sim exited: {open(f'{work}/sim.log').read()[-300:]}")

    def control(self, method, path, body=None):
        return http(self.base + "/__sim" + path, method, body)

    def stats(self):
        return self.control("GET", "/stats")[1] or {}

    def stop(self):
        _stop(self.proc)


class Redis:
    def __init__(self, work):
        self.port = free_port(); self.url = f"redis://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--dir", work,
                                      "--save", "", "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(lambda: subprocess.run(["redis-cli", "-p", str(self.port), "ping"], capture_output=True).stdout.strip() == b"PONG",
                 20, "redis-server")

    def dbsize(self):
        return int(subprocess.run(["redis-cli", "-p", str(self.port), "dbsize"], capture_output=True, text=True).stdout.strip() or 0)

    def stop(self):
        _stop(self.proc)


class Postgres:
    """A throwaway cluster (initdb as the postgres user), trust auth, on a free port."""
    def __init__(self, work):
        bins = sorted(d for d in (f"/usr/lib/postgresql/{v}/bin" for v in os.listdir("/usr/lib/postgresql"))
                      if os.path.exists(d + "/initdb")) if os.path.isdir("/usr/lib/postgresql") else []
        if not bins or os.geteuid() != 0: raise RuntimeError("PostgreSQL needs /usr/lib/postgresql/*/bin and root")
        self.bin = bins[-1]; self.data = f"{work}/pg"; os.makedirs(self.data)
        shutil.chown(self.data, "postgres"); os.chmod(work, 0o755)
        self.port = free_port()
        subprocess.run(["runuser", "-u", "postgres", "--", f"{self.bin}/initdb", "-D", self.data, "-A", "trust", "-U", "postgres"],
                       check=True, capture_output=True)
        subprocess.run(["runuser", "-u", "postgres", "--", f"{self.bin}/pg_ctl", "-D", self.data, "-l", f"{self.data}/log", "-w",
                        "-o", f"-p {self.port} -k /tmp -c listen_addresses=127.0.0.1 -c max_connections=300", "start"],
                       check=True, capture_output=True)
        subprocess.run(["psql", "-q", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-c", "create database ntin"],
                       check=True, capture_output=True)
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/ntin"

    def stop(self):
        subprocess.run(["runuser", "-u", "postgres", "--", f"{self.bin}/pg_ctl", "-D", self.data, "stop", "-m", "fast"],
                       capture_output=True)


class Server:
    """`ntin-desk serve` on a free port; SQLite in `work` unless db_url is given. Servers started in one `work` dir
    share its generated JWT secret and master key, as replicas must."""
    def __init__(self, work, env_extra=None, db_url=None, name="server"):
        need_bin()
        self.work, self.port = work, free_port(); self.url = f"http://127.0.0.1:{self.port}"
        self.env = dict(os.environ); self.env.update(BIND=f"127.0.0.1:{self.port}", DATA_DIR=work,
                                                     DATABASE_URL=db_url or f"sqlite://{work}/bench.db?mode=rwc",
                                                     API_RATE_LIMIT="0", RUST_LOG="warn")
        self.env.update(env_extra or {})
        self.log = f"{work}/{name}.log"
        self.proc = subprocess.Popen([BIN, "serve"], env=self.env, stdout=open(self.log, "ab"),
                                     stderr=subprocess.STDOUT, preexec_fn=_more_fds)
        self.pid = self.proc.pid
        wait_for(lambda: http(self.url + "/healthz")[0] == 200 or self.proc.poll() is not None, 120, "ntin-desk serve")
        if self.proc.poll() is not None: raise SystemExit(f"server exited: {open(self.log, errors='replace').read()[-300:]}")
        self.gql = Gql(self.url + "/graphql")

    def admin_token(self):
        out = subprocess.run([BIN, "token", "--admin"], env=self.env, capture_output=True, text=True, timeout=60)
        words = [w for w in out.stdout.split() if w.count(".") == 2 and len(w) > 40]
        if not words: raise SystemExit(f"`ntin-desk token --admin` printed no token: {out.stdout[-200:]}{out.stderr[-200:]}")
        return words[-1]

    def rss_mb(self):
        try: return proc_rss_kb(self.pid) / 1024
        except OSError: return None

    def log_tail(self, n=400):
        try: return open(self.log, errors="replace").read()[-n:]
        except OSError: return ""

    def stop(self):
        _stop(self.proc)


def _stop(proc):
    if proc.poll() is None:
        proc.terminate()
        try: proc.wait(20)
        except subprocess.TimeoutExpired: proc.kill(); proc.wait(5)


def workdir(prefix="ntin-bench-"):
    return tempfile.mkdtemp(prefix=prefix)


# ---- GraphQL --------------------------------------------------------------------------------------------------
class GqlError(Exception):
    pass


class Gql:
    def __init__(self, url): self.url = url

    def raw(self, query, variables=None, token=None, timeout=600):
        """(http status, body, seconds)."""
        headers = {"content-type": "application/json"}
        if token: headers["authorization"] = "Bearer " + token
        req = urllib.request.Request(self.url, json.dumps({"query": query, "variables": variables or {}}).encode(), headers)
        t0 = time.perf_counter()
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r: code, raw = r.status, r.read()
        except urllib.error.HTTPError as e: code, raw = e.code, e.read()
        dt = time.perf_counter() - t0
        try: body = json.loads(raw)
        except Exception: body = {"errors": [{"message": raw[:300].decode(errors="replace")}]}
        return code, body, dt

    def __call__(self, query, variables=None, token=None, timeout=600):
        code, body, _ = self.raw(query, variables, token, timeout)
        if body.get("errors"): raise GqlError(f"HTTP {code}: {json.dumps(body['errors'])[:400]}")
        return body["data"]

    def create_tenant(self, admin, name):
        d = self("mutation($i: CreateTenantInput!) { createTenant(input: $i) { tenant { id } ownerToken userErrors { code message } } }",
                 {"i": {"name": name, "segment": "RETAIL_CHAINS"}}, admin)["createTenant"]
        if d["userErrors"] or not d["ownerToken"]: raise GqlError(f"createTenant: {d['userErrors']}")
        return d["tenant"]["id"], d["ownerToken"]

    def create_catalog(self, token, name):
        d = self("mutation($i: CreateCatalogInput!) { createCatalog(input: $i) { catalog { id } userErrors { code message } } }",
                 {"i": {"name": name}}, token)["createCatalog"]
        if d["userErrors"]: raise GqlError(f"createCatalog: {d['userErrors']}")
        return d["catalog"]["id"]

    def import_csv(self, token, catalog_id, csv_text):
        """Returns (payload, seconds)."""
        q = ("mutation($i: ImportCatalogInput!) { importCatalog(input: $i) { created updated unchanged rejected "
             "rowErrors { row code message } userErrors { field code message } } }")
        code, body, dt = self.raw(q, {"i": {"catalogId": catalog_id, "format": "CSV", "content": csv_text}}, token)
        if body.get("errors"): raise GqlError(f"importCatalog HTTP {code}: {json.dumps(body['errors'])[:300]}")
        d = body["data"]["importCatalog"]
        if d["userErrors"]: raise GqlError(f"importCatalog: {d['userErrors']}")
        return d, dt

    def set_key(self, token, key):
        d = self("mutation($i: SetNctApiKeyInput!) { setNctApiKey(input: $i) { nctKey { configured status } userErrors { code message } } }",
                 {"i": {"key": key}}, token)["setNctApiKey"]
        if d["userErrors"]: raise GqlError(f"setNctApiKey: {d['userErrors']}")
        return d["nctKey"]

    JOB = "id state createdAt startedAt finishedAt lastError progress { total processed found ambiguous notFound failed skipped }"

    def start_lookup(self, token, catalog_id, key=None):
        d = self("mutation($i: StartLookupJobInput!) { startLookupJob(input: $i) { job { %s } userErrors { code message } } }" % self.JOB,
                 {"i": {"catalogId": catalog_id, **({"idempotencyKey": key} if key else {})}}, token)["startLookupJob"]
        if d["userErrors"] or not d["job"]: raise GqlError(f"startLookupJob: {d['userErrors']}")
        return d["job"]

    def job(self, token, job_id, fields=None):
        return self("query($id: ID!) { node(id: $id) { ... on RegistrationJob { %s } } }" % (fields or self.JOB),
                    {"id": job_id}, token)["node"]

    def wait_job(self, token, job_id, timeout, every=0.1, fields="state finishedAt"):
        """Polls until final; returns (job, client time when final was seen)."""
        end = time.time() + timeout
        while time.time() < end:
            j = self.job(token, job_id, fields)
            if j and j["state"] in FINAL: return j, time.time()
            time.sleep(every)
        raise SystemExit(f"job {job_id} not final after {timeout} s: {j}")


def pct(xs, p):
    if not xs: return None
    xs = sorted(xs); k = (len(xs) - 1) * p / 100; f = int(k); c = min(f + 1, len(xs) - 1)
    return xs[f] + (xs[c] - xs[f]) * (k - f)


def stop_all(*things):
    """Stops each service/sampler given (None skipped); one failing does not keep the others running."""
    for t in things:
        if t is None: continue
        try: t.stop()
        except Exception as e:  # noqa: BLE001
            print(f"warning: stopping {type(t).__name__}: {e}", file=sys.stderr)


def machine_cpu():
    """Jiffies of the whole machine from /proc/stat: (user+nice, system+irq+softirq, iowait, idle, total)."""
    with open("/proc/stat") as f: v = [int(x) for x in f.readline().split()[1:]]
    user, nice, system, idle, iowait, irq, softirq = v[:7]; steal = v[7] if len(v) > 7 else 0
    return user + nice, system + irq + softirq, iowait, idle, user + nice + system + idle + iowait + irq + softirq + steal


def tree_cpu_s(root):
    """CPU seconds of a process and its live descendants (children it has reaped count in its cutime/cstime)."""
    procs = {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit(): continue
        try:
            with open(f"/proc/{pid}/stat") as f: parts = f.read().rsplit(")", 1)[1].split()
            procs[int(pid)] = (int(parts[1]), (int(parts[11]) + int(parts[12]) + int(parts[13]) + int(parts[14])) / TICK)
        except (OSError, IndexError, ValueError): pass
    kids = {}
    for pid, (ppid, _) in procs.items(): kids.setdefault(ppid, []).append(pid)
    total, todo = 0.0, [root]
    while todo:
        p = todo.pop()
        if p in procs: total += procs[p][1]
        todo += kids.get(p, [])
    return total


class OtherLoad:
    """How much CPU the rest of the machine used while we measured: machine busy time minus this script's own
    process tree (server, simulator, Redis are its children) and our PostgreSQL cluster. Other processes may share this
    machine; a figure taken while `cores` is well above 0 is suspect."""
    def __init__(self, pg=None):
        self.pg = pg; self.m0 = machine_cpu(); self.c0 = self._ours(); self.t0 = time.time()

    def _ours(self):
        c = tree_cpu_s(os.getpid())
        if self.pg:
            try: c += tree_cpu_s(int(open(f"{self.pg.data}/postmaster.pid").readline()))
            except (OSError, ValueError): pass
        return c

    def cores(self):
        m1, c1 = machine_cpu(), self._ours(); wall = max(time.time() - self.t0, 1e-6)
        busy = ((m1[4] - self.m0[4]) - (m1[3] - self.m0[3]) - (m1[2] - self.m0[2])) / TICK
        return max(0.0, busy - (c1 - self.c0)) / wall


