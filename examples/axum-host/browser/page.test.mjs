// Drives the live order-book page in Debian's headless Chromium (playwright-core,
// executablePath /usr/bin/chromium): log in with a token, place an order, see it
// in the book and in "my orders", cancel it, see it gone; keep a screenshot.
//
//   BROKERX_URL=http://127.0.0.1:PORT BROKERX_TOKEN=<jwt> SCREENSHOT=path.png node page.test.mjs
import { chromium } from "playwright-core";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import assert from "node:assert/strict";

const url = process.env.BROKERX_URL;
const token = process.env.BROKERX_TOKEN;
const screenshot = process.env.SCREENSHOT || join(tmpdir(), "brokerx-orderbook.png");
assert.ok(url && token, "BROKERX_URL and BROKERX_TOKEN are required");
const account = JSON.parse(Buffer.from(token.split(".")[1], "base64url")).sub;

// Funds first, through the REST API.
const dep = await fetch(`${url}/api/v1/accounts/${account}/deposits`, {
  method: "POST",
  headers: { authorization: `Bearer ${token}`, "content-type": "application/json", "idempotency-key": "browser-test" },
  body: JSON.stringify({ asset: "USD", amount: "10000.00" }),
});
assert.equal(dep.status, 201, await dep.text());

const userDataDir = mkdtempSync(join(tmpdir(), "brokerx-chromium-"));
// A fresh profile directory (playwright passes it as --user-data-dir).
const browser = await chromium.launchPersistentContext(userDataDir, {
  executablePath: "/usr/bin/chromium",
  headless: true,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
try {
  const page = await browser.newPage();
  page.on("pageerror", (e) => { throw e; });
  await page.goto(url + "/");
  await page.fill("#token", token);
  await page.click("#connect");
  await page.waitForSelector("#status.connected", { timeout: 10000 });
  assert.equal(await page.textContent("#account"), account);

  await page.selectOption("#side", "buy");
  await page.fill("#price", "99.50");
  await page.fill("#quantity", "3");
  await page.click("#place");

  // In the book (from the WebSocket's L2 delta) and in my orders.
  const bookRow = page.locator('#book tr.bid[data-price="99.50"]');
  await bookRow.waitFor({ timeout: 10000 });
  assert.equal(await bookRow.locator("td").nth(2).textContent(), "3");
  const mine = page.locator("#orders tbody tr");
  await mine.first().waitFor({ timeout: 10000 });
  assert.equal(await mine.count(), 1);
  assert.equal(await mine.first().locator("td").nth(2).textContent(), "99.50");
  await page.screenshot({ path: screenshot, fullPage: true });

  // Cancel it: gone from both.
  await mine.first().locator("button.cancel").click();
  await bookRow.waitFor({ state: "detached", timeout: 10000 });
  await page.waitForFunction(() => document.querySelectorAll("#orders tbody tr").length === 0, null, { timeout: 10000 });

  // An off-tick price is refused with the core's code, shown on the page.
  await page.fill("#price", "99.505");
  await page.click("#place");
  await page.waitForFunction(() => document.getElementById("error").textContent.startsWith("off_tick"), null, { timeout: 10000 });
  console.log(`browser test ok; screenshot ${screenshot}`);
} finally {
  await browser.close();
}
