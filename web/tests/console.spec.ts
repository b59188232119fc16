// Everything around the main path: bad import rows, tenant isolation, the viewer role, languages,
// GraphiQL offline, and accessibility of the remaining pages. One server for the file.
import { expect, test } from "@playwright/test";
import { readFileSync } from "node:fs";
import { Server } from "./server";
import { expectAccessible, shot, signIn, watchOrigins } from "./fixtures";

const server = new Server();
test.beforeAll(async () => {
  await server.start();
});
test.afterAll(async () => {
  await server.stop();
});

const SKUS = "query($id: ID!) { catalog(id: $id) { skus(first: 250) { totalCount nodes { sellerSku barcode nameRu } } } }";

test("a bad import file shows its row errors and loses nothing already stored", async ({ page }) => {
  const { url, token, catalogId } = server.demo;
  const foreign = watchOrigins(page, url);
  const before = (await server.gql(token, SKUS, { id: catalogId })).catalog.skus;
  await signIn(page, url, token);
  await page.goto(`${url}/catalogs/${catalogId}/import`);
  // Row 3 has no SKU, row 4 a bad price, row 5 repeats row 2; rows 2 and 6 are good (one new, one update).
  const csv = [
    "sku;barcode;name_ru;price",
    "NEW-1;4870000000000;Новый товар;100",
    ";4871000000019;Без артикула;10",
    "NEW-2;;Плохая цена;дорого",
    "NEW-1;;Повтор;5",
    "DEMO-001;4871000000019;Чай чёрный гранулированный, 250 г;990",
  ].join("\n");
  await page.getByTestId("import-file").setInputFiles({ name: "bad.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
  await page.getByRole("button", { name: "Импортировать" }).first().click();
  const errors = page.getByTestId("row-errors").locator("tbody tr");
  await expect(errors.first()).toBeVisible();
  const rows = await errors.locator("td:first-child").allTextContents();
  expect(rows).toEqual(expect.arrayContaining(["3", "4"]));
  await shot(page, "12-import-row-errors");
  await expectAccessible(page, "import");

  const after = (await server.gql(token, SKUS, { id: catalogId })).catalog.skus;
  const bySku = new Map(after.nodes.map((n: { sellerSku: string }) => [n.sellerSku, n]));
  for (const old of before.nodes) expect(bySku.has(old.sellerSku), old.sellerSku).toBe(true);
  expect(bySku.has("NEW-1")).toBe(true);
  expect(after.totalCount).toBe(before.totalCount + 1);
  expect(foreign).toEqual([]);
});

test("tenant B's console never shows tenant A's data", async ({ page }) => {
  const { url, token: tokenA, catalogId } = server.demo;
  const admin = server.token(["--admin"]);
  const b = await server.gql(admin, 'mutation { createTenant(input: { name: "Shop B", segment: RETAIL_CHAINS }) { ownerToken userErrors { message } } }');
  const tokenB: string = b.createTenant.ownerToken;
  await server.gql(tokenB, 'mutation { createCatalog(input: { name: "Каталог Б" }) { catalog { id } } }');
  const skuA = (await server.gql(tokenA, "query($id: ID!) { catalog(id: $id) { skus(first: 1) { nodes { id sellerSku } } } }", { id: catalogId })).catalog.skus.nodes[0];

  await signIn(page, url, tokenB);
  await expect(page.getByTestId("tenant-name")).toHaveText("Shop B");
  await expect(page.getByText("Kaspi price list")).toHaveCount(0);
  await page.getByRole("link", { name: "Каталоги" }).click();
  await expect(page.getByRole("link", { name: "Каталог Б" })).toBeVisible();
  await expect(page.getByRole("link", { name: "Kaspi price list" })).toHaveCount(0);
  // A's catalog and SKU by their IDs: not found, exactly like a missing object.
  await page.goto(`${url}/catalogs/${catalogId}`);
  await expect(page.getByRole("alert")).toContainText("Не найдено");
  await page.goto(`${url}/skus/${skuA.id}`);
  await expect(page.getByRole("alert")).toContainText("Не найдено");
  await expect(page.getByText(skuA.sellerSku)).toHaveCount(0);
  await page.goto(`${url}/`);
  await expect(page.getByText("Заданий пока не было")).toBeVisible();
  await shot(page, "13-tenant-b");
});

test("a viewer sees no edit controls, and a forced mutation is refused and shown", async ({ page }) => {
  const { url, tenantId, catalogId } = server.demo;
  const viewer = server.token(["--tenant", tenantId, "--role", "viewer"]);
  await signIn(page, url, viewer);
  await expect(page.getByTestId("role")).toHaveText("только просмотр");
  await page.getByRole("link", { name: "Каталоги" }).click();
  await expect(page.getByRole("link", { name: "Kaspi price list" })).toBeVisible();
  await expect(page.getByRole("button", { name: "Создать каталог" })).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Переименовать" })).toHaveCount(0);
  await page.goto(`${url}/catalogs/${catalogId}/lookup`);
  await expect(page.getByRole("heading", { name: "Поиск NTIN по GTIN" })).toBeVisible();
  await expect(page.getByRole("button", { name: "Начать поиск" })).toHaveCount(0);
  await page.goto(`${url}/catalogs/${catalogId}/import`);
  await expect(page.getByText("Только просмотр: изменения недоступны")).toBeVisible();
  await page.goto(`${url}/catalogs/${catalogId}/moderation`);
  await expect(page.getByRole("button", { name: "Отправить карточки" })).toHaveCount(0);
  await page.goto(`${url}/catalogs/${catalogId}/skus`);
  await page.getByRole("searchbox").fill("DEMO-032");
  await page.getByRole("link", { name: "DEMO-032" }).click();
  await expect(page.getByLabel("Полное название (рус.)")).toBeDisabled();
  await expect(page.getByRole("button", { name: "Сохранить" })).toHaveCount(0);
  await page.goto(`${url}/key`);
  await expect(page.getByText("Ключом НКТ управляет только владелец.")).toBeVisible();
  await shot(page, "14-viewer");

  // Force the edit controls on by making the console believe the viewer is an editor: the server still
  // refuses the mutation, and the console shows why.
  await page.route("**/graphql", async (route) => {
    const body = route.request().postData() ?? "";
    if (!body.includes("query Viewer")) return route.continue();
    const res = await route.fetch();
    const json = await res.json();
    json.data.viewer.role = "EDITOR";
    await route.fulfill({ response: res, json });
  });
  await page.goto(`${url}/catalogs`);
  await page.getByLabel("Новый каталог").fill("Не должен появиться");
  await page.getByRole("button", { name: "Создать каталог" }).click();
  await expect(page.getByRole("alert")).toContainText("Недостаточно прав");
  await page.unroute("**/graphql");
  const names = (await server.gql(viewer, "{ catalogs(first: 50) { nodes { name } } }")).catalogs.nodes.map((n: { name: string }) => n.name);
  expect(names).not.toContain("Не должен появиться");
});

test("languages switch the whole console, dates in Kazakhstan time", async ({ page }) => {
  const { url, token } = server.demo;
  await signIn(page, url, token);
  await page.getByRole("combobox", { name: "Язык" }).selectOption("kk");
  await expect(page.getByRole("link", { name: "Каталогтар" })).toBeVisible();
  await expect(page.locator("html")).toHaveAttribute("lang", "kk");
  await page.getByRole("combobox", { name: "Тіл" }).selectOption("en");
  await expect(page.getByRole("link", { name: "Catalogs" })).toBeVisible();
  await page.getByRole("link", { name: "Catalogs" }).click();
  // The catalog's update time, shown in UTC+5 whatever the browser's zone.
  const cat = (await server.gql(token, "{ catalogs(first: 1) { nodes { updatedAt } } }")).catalogs.nodes[0];
  const kz = new Intl.DateTimeFormat("en-GB", { timeZone: "Asia/Almaty", dateStyle: "medium", timeStyle: "short" }).format(new Date(cat.updatedAt));
  await expect(page.getByRole("cell", { name: kz })).toBeVisible();
  await shot(page, "15-english");
  await page.getByRole("combobox", { name: "Language" }).selectOption("ru");
});

test("GraphiQL loads from the binary and runs a query with no other origin", async ({ page }) => {
  const { url, token } = server.demo;
  const foreign = watchOrigins(page, url);
  await signIn(page, url, token);
  await page.goto(`${url}/graphql`);
  await expect(page.locator(".graphiql-container")).toBeVisible();
  await expect(page.locator(".graphiql-query-editor")).toContainText("readiness");
  await expect(async () => {
    await page.getByRole("button", { name: /Execute query/i }).click();
    await expect(page.locator(".result-window")).toContainText("autoLookupReady", { timeout: 3_000 });
  }).toPass({ timeout: 30_000 });
  await shot(page, "16-graphiql");
  expect(foreign).toEqual([]);
});

test("the main pages have no serious accessibility violations", async ({ page }) => {
  const { url, token, catalogId } = server.demo;
  const foreign = watchOrigins(page, url);
  await page.goto(`${url}/signin`);
  await expect(page.getByRole("heading", { name: "Вход в NTIN Desk" })).toBeVisible();
  await expectAccessible(page, "sign-in");
  await signIn(page, url, token);
  for (const [path, name] of [
    ["/catalogs", "catalogs"],
    [`/catalogs/${catalogId}`, "sku-table"],
    [`/catalogs/${catalogId}/cards`, "cards"],
    [`/catalogs/${catalogId}/moderation`, "moderation-board"],
    ["/key", "key"],
  ]) {
    await page.goto(`${url}${path}`);
    await expect(page.locator("main .panel").first()).toBeVisible();
    await page.waitForLoadState("networkidle");
    await expectAccessible(page, name);
  }
  await shot(page, "17-key");
  expect(foreign).toEqual([]);
});

test("a photo uploads with a preview; a returned card shows its remarks, is fixed and resubmitted", async ({ page }) => {
  const { url, token, catalogId, simUrl } = server.demo;
  const foreign = watchOrigins(page, url);
  await server.gql(token, 'mutation { setNctApiKey(input: { key: "nct-sim-demo-key" }) { nctKey { status } } }');
  // The next card that passes every rule comes back from the moderator with this remark.
  await fetch(`${simUrl}/__sim/moderator-remark`, {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ attributeCode: "short_name_ru", comment: "Краткое наименование не соответствует товару на фото." }),
  });
  await signIn(page, url, token);
  await page.goto(`${url}/catalogs/${catalogId}/skus`);
  await page.getByRole("searchbox").fill("DEMO-034");
  await page.getByRole("link", { name: "DEMO-034" }).click();
  // No error: the card can be sent (DEMO-034 has look-alike NCT cards, so the check may add the near-duplicate
  // warning).
  await expect(page.getByTestId("check-summary")).toHaveText(
    /^(Замечаний нет: карточку можно отправлять|Ошибок нет, но есть предупреждения: \d+)$/,
  );
  // A 1×1 PNG as the front photo: uploaded to NCT storage, previewed from the local file.
  const png = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==", "base64");
  await page.getByTestId("upload-FRONT").setInputFiles({ name: "front.png", mimeType: "image/png", buffer: png });
  await expect(page.locator('[data-side="FRONT"] img')).toBeVisible();
  await expect(page.locator('[data-side="FRONT"] figcaption .mono')).not.toBeEmpty();

  await page.goto(`${url}/catalogs/${catalogId}/moderation`);
  await page.getByRole("button", { name: "Отправить карточки" }).click();
  await expect(page.locator(".job").getByTestId("job-state")).toHaveText("Готово", { timeout: 60_000 });
  await expect(async () => {
    const before = (await page.locator(".job").getAttribute("data-job-id")) ?? "";
    await page.getByRole("button", { name: "Обновить статусы" }).click();
    await expect(page.locator(".job")).not.toHaveAttribute("data-job-id", before);
    await expect(page.locator(".job").getByTestId("job-state")).toHaveText("Готово");
    await expect(page.locator('[data-status="NEEDS_REVISION"] li').filter({ hasText: "DEMO-034" })).toBeVisible({ timeout: 2_000 });
  }).toPass({ timeout: 90_000, intervals: [1_000, 2_000] });

  await page.locator('[data-status="NEEDS_REVISION"] li').filter({ hasText: "DEMO-034" }).getByRole("link").click();
  await expect(page.getByTestId("revision-details")).toContainText("Краткое наименование не соответствует товару на фото.");
  await expect(page.getByTestId("moderation-status")).toHaveText("возвращена на доработку");
  await expect(page.locator(".remark")).toContainText("Модератор: Краткое наименование");
  await shot(page, "18-revision");
  await page.getByLabel("Краткое название (рус.)").fill("Печенье овсяное");
  await expect(page.getByTestId("save-state")).toHaveText("Сохранено");
  await page.getByRole("button", { name: "Отправить повторно" }).click();
  await expect(page.getByTestId("moderation-status")).toHaveAttribute("data-status", /onModeration|accepted/);
  // (Withdrawing races the simulator's moderator clock here; `cancelRequest` is covered in tests/api/cards.rs.)
  expect(foreign).toEqual([]);
});

test("the served console is precompressed, cached by hash and under a strict CSP", async ({ request }) => {
  const { url } = server.demo;
  const index = await request.get(`${url}/catalogs/anything`, { headers: { "accept-encoding": "br" } });
  expect(index.status()).toBe(200);
  expect(index.headers()["cache-control"]).toBe("no-cache");
  expect(index.headers()["content-security-policy"]).toContain("script-src 'self'");
  expect(index.headers()["content-encoding"]).toBe("br");
  const html = await (await request.get(`${url}/`)).text();
  const js = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1] ?? "";
  const asset = await request.get(`${url}${js}`, { headers: { "accept-encoding": "gzip" } });
  expect(asset.headers()["cache-control"]).toContain("immutable");
  expect(asset.headers()["content-encoding"]).toBe("gzip");
  void readFileSync;
});
