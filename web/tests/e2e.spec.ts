// The seller's whole path in a real browser against the real server: readiness check, import, NCT key,
// a live lookup across a server restart, an ambiguous GTIN settled by hand, a card fixed until the check
// is clean, submit, sync to an NTIN, and the CSV export holding the NTINs.
import { expect, test } from "@playwright/test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { DEMO_DIR, Server } from "./server";
import { expectAccessible, shot, signIn, watchOrigins } from "./fixtures";

// Slow NCT answers and one call at a time make the lookup long enough to watch and to interrupt.
const server = new Server({ NCT_SIM_LATENCY_MS: "350", JOB_CONCURRENCY: "1" });
test.beforeAll(async () => {
  await server.start();
});
test.afterAll(async () => {
  await server.stop();
});

test("a seller carries a catalog from readiness to NTINs", async ({ page }) => {
  const { url, token } = server.demo;
  const foreign = watchOrigins(page, url);

  // 1. Public readiness check: no sign-in.
  await page.goto(`${url}/readiness`);
  await page.getByLabel("Штрихкоды").fill(["4871000000019", "0200121958529", "0041234567890", "12345", "4871000000019"].join("\n"));
  await page.getByRole("button", { name: "Проверить" }).click();
  const rows = page.getByTestId("readiness-table").locator("tbody tr");
  await expect(rows).toHaveCount(5);
  await expect(rows.nth(0)).toHaveAttribute("data-class", "AUTO_LOOKUP_READY");
  await expect(rows.nth(4)).toContainText("Повтор строки выше");
  await expect(rows.nth(1)).toHaveAttribute("data-class", "HAS_NTIN");
  await expect(rows.nth(2)).toHaveAttribute("data-class", "TEMPORARY_XTIN");
  await expect(rows.nth(3)).toHaveAttribute("data-class", "MANUAL_CARD");
  await expect(rows.nth(3)).toContainText("Не 8, 12, 13 или 14 цифр");
  await shot(page, "01-readiness");
  await expectAccessible(page, "readiness");
  await page.getByRole("combobox", { name: /^Класс/ }).selectOption("MANUAL_CARD");
  await expect(rows).toHaveCount(1);
  const [csv] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Скачать CSV" }).click()]);
  const csvText = readFileSync((await csv.path()) ?? "", "utf8");
  expect(csvText).toContain("12345,,MANUAL_CARD,BAD_LENGTH");

  // Sign in with the demo link; the token leaves the address bar and lives in sessionStorage.
  await signIn(page, url, token);
  expect(page.url()).not.toContain("token");
  expect(await page.evaluate(() => sessionStorage.getItem("ntin-desk.token"))).toBe(token);
  await expect(page.getByTestId("countdown")).toBeVisible();
  await shot(page, "02-dashboard");
  await expectAccessible(page, "dashboard");

  // 2. A new catalog, filled from the Kaspi XML price list and the barcode CSV by file upload.
  await page.getByRole("link", { name: "Каталоги" }).click();
  await page.getByLabel("Новый каталог").fill("Весна 2026");
  await page.getByRole("button", { name: "Создать каталог" }).click();
  await page.getByRole("link", { name: "Весна 2026" }).click();
  await page.getByRole("link", { name: "Импорт" }).click();
  await page.getByTestId("import-file").setInputFiles(join(DEMO_DIR, "kaspi_catalog.xml"));
  await page.getByRole("button", { name: "Импортировать" }).first().click();
  await expect(page.getByTestId("import-result")).toContainText("Создано: 36");
  await page.getByTestId("import-file").setInputFiles(join(DEMO_DIR, "barcodes.csv"));
  await expect(page.getByRole("combobox", { name: /^Формат/ })).toHaveValue("CSV");
  await page.getByRole("button", { name: "Импортировать" }).first().click();
  await expect(page.getByTestId("import-result")).toContainText("обновлено: 33");
  await shot(page, "03-import");
  const catalogPath = new URL(page.url()).pathname.replace(/\/import$/, "");

  // 3. The NCT key: stored, verified, never shown.
  await page.getByRole("link", { name: "Ключ НКТ" }).click();
  await page.getByLabel("Ключ НКТ").fill("nct-sim-demo-key");
  await page.getByRole("button", { name: "Сохранить" }).click();
  await expect(page.getByTestId("key-status")).toHaveText("Принят НКТ");
  expect(await page.content()).not.toContain("nct-sim-demo-key");
  await shot(page, "04-nct-key");

  // 4. Lookup with a live progress bar; record every value the bar shows.
  await page.goto(`${url}${catalogPath}/lookup`);
  await page.evaluate(() => {
    const seen: number[] = [];
    (window as unknown as { __seen: number[] }).__seen = seen;
    const note = () => {
      const bar = document.querySelector(".job [role=progressbar]");
      const v = Number(bar?.getAttribute("aria-valuenow") ?? -1);
      if (bar && seen[seen.length - 1] !== v) seen.push(v);
    };
    new MutationObserver(note).observe(document.body, { subtree: true, childList: true, attributes: true });
  });
  await page.getByRole("button", { name: "Начать поиск" }).click();
  const bar = page.locator(".job [role=progressbar]");
  await expect(bar).toHaveAttribute("aria-valuemax", "20");
  await expect.poll(async () => Number(await bar.getAttribute("aria-valuenow")), { timeout: 30_000 }).toBeGreaterThan(0);
  await shot(page, "05-lookup-running");

  // 5. The server dies mid-job and comes back on the same port and data: the page re-attaches by itself.
  await server.kill();
  await server.start();
  await expect(page.getByTestId("job-state")).toHaveText("Готово", { timeout: 60_000 });
  const seen = await page.evaluate(() => (window as unknown as { __seen: number[] }).__seen);
  const intermediate = new Set(seen.filter((v) => v > 0 && v < 20));
  expect(intermediate.size, `progress values ${seen.join(",")}`).toBeGreaterThanOrEqual(2);
  const jobs = await server.gql(token, "{ jobs(first: 5) { kind state progress { total processed found ambiguous notFound failed skipped } } }");
  const p = jobs.jobs.find((j: { kind: string }) => j.kind === "LOOKUP").progress;
  expect(p.processed).toBe(p.total);
  const counts = page.getByTestId("job-counts");
  for (const k of ["found", "ambiguous", "notFound", "failed"] as const) {
    await expect(counts.locator(`[data-count=${k}]`)).toHaveText(String(p[k]));
  }
  expect(p.ambiguous).toBeGreaterThan(0);
  await shot(page, "06-lookup-done");

  // 6. An ambiguous GTIN: the candidates side by side, a person picks one.
  await page.reload();
  const amb = page.getByTestId("ambiguous-sku").first();
  await expect(amb).toBeVisible();
  const firstNtin = (await amb.locator(".candidate .mono.big").first().textContent())?.trim() ?? "";
  expect(firstNtin).toMatch(/^02\d{11}$/);
  await shot(page, "07-ambiguous");
  await expectAccessible(page, "lookup");
  const ambBefore = await page.getByTestId("ambiguous-sku").count();
  await amb.getByRole("button", { name: "Это мой товар" }).first().click();
  await expect(page.getByTestId("ambiguous-sku")).toHaveCount(ambBefore - 1);

  // 7. A puzzle with a broken barcode, fixed field by field until the check finds nothing.
  await page.goto(`${url}${catalogPath}/skus`);
  await page.getByRole("searchbox").fill("пазл");
  await expect(page.getByTestId("sku-table").locator("tbody tr")).toHaveCount(1);
  await page.getByRole("link", { name: "DEMO-021" }).click();
  await expect(page.getByTestId("check-summary")).toContainText("Ошибок");
  await expect(page.locator('[data-code="MISSING_NAME_KK"]')).toBeVisible();
  await shot(page, "08-card-problems");
  await expectAccessible(page, "card editor");
  const pick = async (label: string, text: string, option: RegExp) => {
    await page.getByRole("combobox", { name: label }).fill(text);
    await page.getByRole("option", { name: option }).first().click();
  };
  await expect(page.locator('[data-code="INVALID_BARCODE"]')).toBeVisible();
  await page.getByLabel("Полное название (каз.)").fill("«Қазақстан картасы» пазлы, 500 элемент");
  await pick("Категория ОКТРУ", "КОНСТРУКТОРЫ", /100051234/);
  await pick("Код ТН ВЭД", "9503", /9503007000/);
  await pick("Страна происхождения", "қазақстан", /KZ/);
  await pick("Единица измерения", "штука", /796/);
  await page.getByLabel("Количество в единице").fill("1");
  // The printed code is no GTIN: the card goes without one.
  await page.getByLabel("Штрихкод", { exact: true }).fill("");
  await expect(page.getByTestId("check-summary")).toHaveText("Замечаний нет: карточку можно отправлять");
  await expect(page.getByTestId("save-state")).toHaveText("Сохранено");
  await shot(page, "09-card-clean");

  // 8. Submit the clean cards.
  await page.goto(`${url}${catalogPath}/moderation`);
  await page.getByRole("button", { name: "Отправить карточки" }).click();
  await expect(page.locator(".job").getByTestId("job-state")).toHaveText("Готово", { timeout: 60_000 });
  await expect(page.locator('[data-status="SUBMITTED"] li').filter({ hasText: "DEMO-021" })).toBeVisible();
  await shot(page, "10-moderation-submitted");

  // 9. Sync statuses until the card has its NTIN.
  await expect(async () => {
    const before = (await page.locator(".job").getAttribute("data-job-id")) ?? "";
    await page.getByRole("button", { name: "Обновить статусы" }).click();
    await expect(page.locator(".job")).not.toHaveAttribute("data-job-id", before);
    await expect(page.locator(".job").getByTestId("job-state")).toHaveText("Готово");
    await expect(page.locator('[data-status="COMPLETED"] li').filter({ hasText: "DEMO-021" }).locator(".ntin")).toHaveText(/02\d{11}/, { timeout: 2_000 });
  }).toPass({ timeout: 90_000, intervals: [1_000, 2_000] });
  const cardNtin = (await page.locator('[data-status="COMPLETED"] li').filter({ hasText: "DEMO-021" }).locator(".ntin").textContent())?.trim() ?? "";
  await shot(page, "11-moderation-completed");
  await expectAccessible(page, "moderation");

  // 10. Export through a signed link: the CSV holds both NTINs.
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByTestId("export").click()]);
  const exported = readFileSync((await download.path()) ?? "", "utf8");
  expect(exported).toContain(firstNtin);
  expect(exported).toContain(cardNtin);
  expect(exported).toContain("DEMO-021");

  expect(foreign).toEqual([]);
});
