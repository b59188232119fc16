// Starts the real ntin-desk binary as a child process on a free port in demo mode (SQLite in a temp dir,
// the in-process NCT simulator), and restarts it on the same port and data for the restart test.
import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const root = resolve(import.meta.dirname, "../..");
export const BIN =
  process.env.NTIN_DESK_BIN ?? join(process.env.CARGO_TARGET_DIR ?? join(process.env.HOME ?? "/root", ".cache/ntin-desk-target"), "debug/ntin-desk");
export const DEMO_DIR = join(root, "api/demo");
export const SCREENSHOTS = join(root, "web/screenshots");

async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const a = s.address();
      s.close(() => (a && typeof a === "object" ? ok(a.port) : fail(new Error("no port"))));
    });
  });
}

export interface Demo {
  url: string;
  /** The in-process NCT simulator (its `/__sim` control routes). */
  simUrl: string;
  token: string;
  tenantId: string;
  catalogId: string;
}

export class Server {
  private child: ChildProcess | null = null;
  readonly dataDir = mkdtempSync(join(tmpdir(), "ntin-desk-e2e-"));
  port = 0;
  demo!: Demo;
  log = "";

  constructor(private readonly extraEnv: Record<string, string> = {}) {}

  private env(): NodeJS.ProcessEnv {
    return {
      ...process.env,
      DATA_DIR: this.dataDir,
      DATABASE_URL: `sqlite://${this.dataDir}/ntin-desk.sqlite?mode=rwc`,
      BIND: `127.0.0.1:${this.port}`,
      API_RATE_LIMIT: "0",
      NCT_SIM_WORKING_DAY_MS: "300",
      RUST_LOG: "warn",
      ...this.extraEnv,
    };
  }

  /** Starts (or restarts) the server and waits for the demo console URL it prints. */
  async start(): Promise<Demo> {
    if (!this.port) this.port = await freePort();
    const child = spawn(BIN, ["serve", "--demo"], { env: this.env(), stdio: ["ignore", "pipe", "pipe"] });
    this.child = child;
    this.demo = await new Promise<Demo>((ok, fail) => {
      let out = "";
      const timer = setTimeout(() => fail(new Error(`server did not start:\n${out}`)), 60_000);
      const onData = (b: Buffer) => {
        out += b.toString();
        this.log += b.toString();
        const console = /Web console, signed in as the demo owner: (\S+)#token=(\S+)/.exec(out);
        const tenant = /Demo tenant (\S+) with catalog (\S+)/.exec(out);
        const sim = /NCT: in-process simulator at (\S+)/.exec(out);
        if (console && tenant) {
          clearTimeout(timer);
          ok({ url: console[1].replace(/\/$/, ""), simUrl: sim?.[1] ?? "", token: console[2], tenantId: tenant[1], catalogId: tenant[2] });
        }
      };
      child.stdout?.on("data", onData);
      child.stderr?.on("data", (b: Buffer) => (this.log += b.toString()));
      child.on("exit", (code) => fail(new Error(`server exited with ${code}:\n${out}`)));
    });
    return this.demo;
  }

  /** Kills the process at once (as a crash would), leaving its data for a restart. */
  async kill(): Promise<void> {
    const c = this.child;
    if (!c || c.exitCode !== null) return;
    await new Promise<void>((ok) => {
      c.once("exit", () => ok());
      c.kill("SIGKILL");
    });
    this.child = null;
  }

  async stop(): Promise<void> {
    await this.kill();
    rmSync(this.dataDir, { recursive: true, force: true });
  }

  /** A token minted by `ntin-desk token` with this server's secret. */
  token(args: string[]): string {
    return execFileSync(BIN, ["token", ...args], { env: this.env() }).toString().trim().split("\n").pop() ?? "";
  }

  /** A GraphQL call with `token`, for set-up and checks outside the page. */
  async gql<T = any>(token: string | null, query: string, variables: Record<string, unknown> = {}): Promise<T> {
    const res = await fetch(`${this.demo.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await res.json()) as { data: T; errors?: { message: string }[] };
    if (body.errors?.length) throw new Error(body.errors.map((e) => e.message).join("; "));
    return body.data;
  }
}

export function demoFile(name: string): string {
  return readFileSync(join(DEMO_DIR, name), "utf8");
}
