import { expect, test } from "@playwright/test";

// A tiny valid PNG (1×1, red), so the browser can draw it.
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==",
  "base64",
);

test("a sandbox customer writes to the demo page, with text and an image", async ({ page }) => {
  await page.goto("/sandbox");
  await expect(page.locator("#page option")).toHaveText([/Loja Demo \(Messenger\)/]);
  await page.locator("#new-name").fill("Maria Oliveira");
  await page.locator("#new-customer button").click();
  await expect(page.locator("#customer option:checked")).toHaveText(/Maria Oliveira/);

  await page.locator("#text").fill("Olá! Meu pedido 1234 ainda não chegou.");
  await page.locator("#text").press("Enter");
  await expect(page.locator("#messages .customer")).toContainText("Meu pedido 1234");

  await page.locator("#image").setInputFiles({ name: "foto.png", mimeType: "image/png", buffer: PNG });
  const image = page.locator("#messages .customer img");
  await expect(image).toBeVisible();
  expect(await image.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(1);
  await expect(page.locator("#status")).toHaveText("");
  await page.screenshot({ path: "test-results/sandbox-customer.png" });
});

test("the Graph API failure injection can be switched from the page", async ({ page }) => {
  await page.goto("/sandbox");
  await page.locator("#injection").selectOption("rate_limit");
  await page.reload();
  await expect(page.locator("#injection")).toHaveValue("rate_limit");
  await page.locator("#injection").selectOption("none");
  await page.reload();
  await expect(page.locator("#injection")).toHaveValue("none");
});

test("a chat read that answers late never hides a newer message", async ({ page }) => {
  await page.goto("/sandbox");
  await page.locator("#new-name").fill("Rui Atraso");
  await page.locator("#new-customer button").click();
  await expect(page.locator("#customer option:checked")).toHaveText(/Rui Atraso/);
  await page.locator("#page").selectOption("100000000000001");
  await page.locator("#text").fill("primeira");
  await page.locator("#text").press("Enter");
  await expect(page.locator("#messages .customer")).toHaveText([/primeira/]);

  // The next read of the chat answers only after the reads that follow it (a busy server
  // answers out of order): its older list must not replace the newer one.
  let held = false;
  let staleRead: () => void;
  const staleIsRead = new Promise<void>((resolve) => (staleRead = resolve));
  await page.route(/\/sandbox\/api\/chat\?/, async (route) => {
    if (held) return route.continue();
    held = true;
    const stale = await route.fetch();
    staleRead();
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    await route.fulfill({ response: stale });
  });
  await page.evaluate(() => document.dispatchEvent(new Event("visibilitychange")));
  await staleIsRead;
  await page.locator("#text").fill("segunda");
  await page.locator("#text").press("Enter");
  await expect(page.locator("#messages .customer")).toHaveText([/primeira/, /segunda/]);
  await page.waitForTimeout(2_500);
  await expect(page.locator("#messages .customer")).toHaveText([/primeira/, /segunda/]);
});
