// Console figures against the real server (use a release binary: NTIN_DESK_BIN=target/release/ntin-desk):
//   1. JavaScript on the console's first load, as sent (compressed) and gzipped;
//   2. SKU table page switch at 100,000 SKUs, click to rendered rows;
//   3. a jobProgress event to the progress bar, WebSocket frame arrival to the DOM update.
import { test } from "@playwright/test";
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { join } from "node:path";
import { Server } from "../tests/server";

const N = Number(process.env.FIGURES_SKUS ?? 100_000);
const server = new Server({ NCT_SIM_LATENCY_MS: "5", JOB_CONCURRENCY: "8" });
test.beforeAll(async () => {
  await server.start();
});
test.afterAll(async () => {
  await server.stop();
});

const out: string[] = [];
const report = (line: string) => {
  console.log(line);
  out.push(line);
  writeFileSync(join(import.meta.dirname, "../bench-results-figures.txt"), out.join("\n") + "\n");
};
const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return `median ${q(0.5).toFixed(1)} ms, p95 ${q(0.95).toFixed(1)} ms, max ${s[s.length - 1].toFixed(1)} ms (n=${s.length})`;
};

/** A GTIN-13 with its GS1 check digit. */
function gtin(body12: string): string {
  const sum = [...body12].reduce((s, d, i) => s + Number(d) * (i % 2 === 0 ? 1 : 3), 0);
  return body12 + ((10 - (sum % 10)) % 10);
}

test("figures", async ({ page }) => {
  const { url, token } = server.demo;

  // 1. First-load JavaScript: what the browser receives, and the same files gzipped.
  const dist = join(import.meta.dirname, "../dist/app");
  const html = readFileSync(join(dist, "index.html"), "utf8");
  const scripts = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.js)"/g)].map((m) => m[1]);
  const gz = scripts.reduce((s, f) => s + gzipSync(readFileSync(join(dist, f)), { level: 9 }).length, 0);
  let wire = 0;
  page.on("response", async (r) => {
    if (r.url().endsWith(".js")) wire += (await r.request().sizes()).responseBodySize;
  });
  await page.goto(`${url}/#token=${token}`);
  await page.getByTestId("role").waitFor();
  await page.waitForLoadState("networkidle");
  report(`FIGURE first-load JS: ${scripts.length} files, ${(gz / 1024).toFixed(1)} KB gzipped; ${(wire / 1024).toFixed(1)} KB on the wire (brotli)`);
  const all = readdirSync(join(dist, "assets")).filter((f) => f.endsWith(".js") && scripts.every((s) => !s.endsWith(f)));
  report(`      (GraphiQL and its editor, loaded only at /graphql: ${all.length} more files)`);

  // 2. A 100,000-SKU catalog, imported as CSV, then page switches in the SKU table.
  const cat = (await server.gql(token, 'mutation { createCatalog(input: { name: "Бенч 100k" }) { catalog { id } } }')).createCatalog.catalog.id;
  const rows = ["sku;barcode;name_ru;name_kk"];
  for (let i = 0; i < N; i++) {
    rows.push(`B-${String(i).padStart(6, "0")};${gtin(`487${String(5_000_000 + i).padStart(9, "0")}`)};Товар номер ${i};Тауар ${i}`);
  }
  const t0 = Date.now();
  const form = new FormData();
  form.append("operations", JSON.stringify({ query: "mutation($c:ID!,$f:Upload){ importCatalog(input:{catalogId:$c, format:CSV, file:$f}){ created rejected } }", variables: { c: cat, f: null } }));
  form.append("map", JSON.stringify({ "0": ["variables.f"] }));
  form.append("0", new Blob([rows.join("\n")]), "bench.csv");
  const imp = await (await fetch(`${url}/graphql`, { method: "POST", headers: { authorization: `Bearer ${token}` }, body: form })).json();
  report(`      imported ${JSON.stringify(imp.data.importCatalog)} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

  const switchTimes = async (label: string) => {
    const times: number[] = [];
    for (let i = 0; i < 20; i++) {
      const ms = await page.evaluate(async () => {
        const tbody = document.querySelector("[data-testid=sku-table] tbody") as HTMLTableSectionElement;
        const first = tbody.rows[0]?.cells[0]?.textContent;
        const next = [...document.querySelectorAll(".pager button")][1] as HTMLButtonElement;
        const start = performance.now();
        const done = new Promise<void>((ok) => {
          const obs = new MutationObserver(() => {
            if (tbody.rows[0]?.cells[0]?.textContent !== first) {
              obs.disconnect();
              // After the browser has painted the new rows.
              requestAnimationFrame(() => setTimeout(ok, 0));
            }
          });
          obs.observe(tbody, { childList: true, subtree: true, characterData: true });
        });
        next.click();
        await done;
        return performance.now() - start;
      });
      times.push(ms);
      await page.waitForFunction(() => !(document.querySelector(".pager button:last-child") as HTMLButtonElement).disabled);
    }
    report(`FIGURE SKU table page switch at ${N} SKUs (${label}): ${stats(times)}`);
  };
  await page.goto(`${url}/catalogs/${cat}/skus`);
  await page.getByTestId("sku-table").locator("tbody tr").first().waitFor();
  await switchTimes("no filter");
  await page.getByRole("searchbox").fill("товар номер 1");
  await page.waitForFunction(() => document.querySelector("[data-testid=page-info]")?.textContent?.includes("1 "));
  await page.waitForTimeout(800);
  await switchTimes("search 'товар номер 1'");

  // 3. Subscription events to the progress bar during a lookup over the catalog.
  await server.gql(token, 'mutation { setNctApiKey(input: { key: "nct-sim-demo-key" }) { nctKey { status } } }');
  await page.addInitScript(() => {
    const w = window as unknown as { __frames: number[] };
    w.__frames = [];
    const Orig = window.WebSocket;
    window.WebSocket = class extends Orig {
      constructor(u: string | URL, p?: string | string[]) {
        super(u, p);
        this.addEventListener("message", () => w.__frames.push(performance.now()));
      }
    } as typeof WebSocket;
  });
  // A 3,000-GTIN catalog: enough events for a distribution, short enough to run anywhere.
  const lookupCat = (await server.gql(token, 'mutation { createCatalog(input: { name: "Бенч lookup" }) { catalog { id } } }')).createCatalog.catalog.id;
  await server.gql(token, "mutation($c:ID!,$x:String){ importCatalog(input:{catalogId:$c, format:CSV, content:$x}){ created } }", {
    c: lookupCat,
    x: rows.slice(0, 3001).join("\n"),
  });
  await page.goto(`${url}/catalogs/${lookupCat}/lookup`);
  await page.evaluate(() => {
    const w = window as unknown as { __paints: { t: number; v: string }[] };
    w.__paints = [];
    new MutationObserver(() => {
      const v = document.querySelector(".job [role=progressbar]")?.getAttribute("aria-valuenow") ?? "";
      if (w.__paints[w.__paints.length - 1]?.v !== v) w.__paints.push({ t: performance.now(), v });
    }).observe(document.body, { subtree: true, childList: true, attributes: true });
  });
  await page.getByRole("button", { name: "Начать поиск" }).click();
  await page.getByTestId("job-state").filter({ hasText: "Готово" }).waitFor({ timeout: 600_000 });
  const { frames, paints } = await page.evaluate(() => {
    const w = window as unknown as { __frames: number[]; __paints: { t: number; v: string }[] };
    return { frames: w.__frames, paints: w.__paints };
  });
  // Each change of the bar, from the last frame that arrived before it.
  const lags = paints.map((p) => p.t - Math.max(...frames.filter((f) => f <= p.t))).filter((x) => Number.isFinite(x));
  report(`FIGURE jobProgress frame to progress bar: ${stats(lags)} over ${paints.length} bar updates`);
});
