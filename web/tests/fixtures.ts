// Shared test pieces: a guard that fails a test when the page asks any other origin for anything, axe
// checks, and screenshots into test-results/screens.
import { expect, type Page } from "@playwright/test";
import AxeBuilder from "@axe-core/playwright";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { SCREENSHOTS } from "./server";

/** Records every request the page makes to an origin other than `origin` (blob: and data: are local). */
export function watchOrigins(page: Page, origin: string): string[] {
  const foreign: string[] = [];
  page.on("request", (r) => {
    const u = r.url();
    if (u.startsWith("data:") || u.startsWith("blob:")) return;
    const o = new URL(u);
    const same = `${o.protocol.replace("ws", "http")}//${o.host}` === origin;
    if (!same) foreign.push(u);
  });
  page.on("websocket", (ws) => {
    const o = new URL(ws.url());
    if (`http://${o.host}` !== origin) foreign.push(ws.url());
  });
  return foreign;
}

export async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** Fails on any serious or critical axe-core violation of WCAG 2 A/AA rules. */
export async function expectAccessible(page: Page, what: string): Promise<void> {
  const r = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
  const bad = r.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  expect(bad.map((v) => `${what}: ${v.id} (${v.impact}) ${v.nodes.map((n) => n.target.join(" ")).slice(0, 3).join(", ")}`)).toEqual([]);
}

/** Signs in through the demo link: the token rides in the fragment, never in a request. */
export async function signIn(page: Page, url: string, token: string): Promise<void> {
  await page.goto(`${url}/#token=${token}`);
  await expect(page.getByTestId("role")).toBeVisible();
}
