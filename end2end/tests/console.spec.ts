import { expect, test } from "@playwright/test";
import { customerWrites, login, users } from "./helpers";

test("the Meta reviewer's walk: Operating, a customer writes, the agent answers", async ({ browser, baseURL }) => {
  const context = await browser.newContext({ locale: "en-US" });
  await context.grantPermissions(["notifications"], { origin: baseURL });
  const page = await context.newPage();
  await login(page, users.reviewer.username, users.reviewer.password);
  await expect(page).toHaveURL(/\/console$/);
  await expect(page.locator("body[data-hydrated]")).toBeAttached();
  expect(await page.evaluate(() => Notification.permission)).toBe("granted");

  await page.locator("select[name=presence]").selectOption("operating");
  await expect(page.locator(".presence")).toHaveAttribute("data-presence", "operating");
  await expect(page.getByTestId("positions")).toHaveText("Positions 0/8");

  const customer = await customerWrites(context, "Maria Oliveira", "Hello, my order 1234 has not arrived");
  // The chat arrives by itself (live channel), with the customer's name.
  const tile = page.locator(".tile", { hasText: "Maria Oliveira" });
  await expect(tile).toBeVisible({ timeout: 15_000 });
  await expect(page.getByTestId("positions")).toHaveText("Positions 1/8");
  await expect(page.locator(".chat-header h2")).toHaveText("Maria Oliveira");
  await expect(page.locator(".bubble.in")).toContainText("my order 1234");
  await expect(page.getByTestId("window")).toContainText("24-hour window until");
  await page.screenshot({ path: "test-results/console-chat-arrived.png" });

  await page.locator(".composer textarea").fill("Hi Maria! Let me check order 1234 for you.");
  await expect(customer.locator("#typing")).toBeVisible({ timeout: 10_000 });
  await page.locator(".emoji-picker summary").click();
  await page.locator(".emoji-grid button", { hasText: "👍" }).click();
  await expect(page.locator(".composer textarea")).toHaveValue("Hi Maria! Let me check order 1234 for you.👍");
  await page.locator(".composer textarea").press("Enter");
  await expect(page.locator(".composer textarea")).toHaveValue("");
  await expect(page.locator(".emoji-grid")).toBeHidden();
  await expect(customer.locator("#messages .page")).toContainText("Let me check order 1234 for you.👍", {
    timeout: 15_000,
  });
  await expect(page.locator(".bubble.out")).toHaveAttribute("data-status", /delivered|read/, { timeout: 15_000 });
  await customer.screenshot({ path: "test-results/console-sandbox-answer.png" });
  await page.screenshot({ path: "test-results/console-answered.png" });

  // Closing frees the position.
  await page.locator(".close-chat").click();
  await expect(page.getByTestId("positions")).toHaveText("Positions 0/8");
  await context.close();
});

test("a paused agent keeps their chat and the status reads in Portuguese", async ({ browser }) => {
  const context = await browser.newContext({ locale: "pt-BR" });
  const page = await context.newPage();
  await login(page, users.ana.username, users.ana.password);
  await expect(page).toHaveURL(/\/console$/);
  await page.locator("select[name=presence]").selectOption("paused:lunch");
  await expect(page.locator(".presence")).toHaveAttribute("data-presence", "paused:lunch");
  await expect(page.locator("select[name=presence] option:checked")).toHaveText("Em pausa: Almoço");
  await page.locator("select[name=presence]").selectOption("offline");
  await expect(page.locator(".presence")).toHaveAttribute("data-presence", "offline");
  await context.close();
});

// A tiny valid PNG (1×1), so both browsers can draw it.
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==",
  "base64",
);

test("the agent sends a picture, then transfers the chat to a colleague", async ({ browser }) => {
  const reviewerContext = await browser.newContext({ locale: "en-US" });
  const anaContext = await browser.newContext({ locale: "pt-BR" });
  const customerContext = await browser.newContext({ locale: "pt-BR" });
  const reviewer = await reviewerContext.newPage();
  await login(reviewer, users.reviewer.username, users.reviewer.password);
  await expect(reviewer.locator("body[data-hydrated]")).toBeAttached();
  await reviewer.locator("select[name=presence]").selectOption("operating");
  await expect(reviewer.locator(".presence")).toHaveAttribute("data-presence", "operating");
  const customer = await customerWrites(customerContext, "Olga Pires", "Podem me mandar a foto do produto?");
  await expect(reviewer.locator(".chat-header h2")).toHaveText("Olga Pires", { timeout: 15_000 });

  // A picture from the composer's clip: the customer receives it.
  await reviewer.locator(".attach input[type=file]").setInputFiles({ name: "produto.png", mimeType: "image/png", buffer: PNG });
  await expect(reviewer.locator(".bubble.out img")).toBeVisible({ timeout: 15_000 });
  await expect(customer.locator("#messages .page img")).toBeVisible({ timeout: 15_000 });

  // Ana is Operating; the reviewer hands the chat to her by name.
  const ana = await anaContext.newPage();
  await login(ana, users.ana.username, users.ana.password);
  await expect(ana.locator("body[data-hydrated]")).toBeAttached();
  await ana.locator("select[name=presence]").selectOption("operating");
  await expect(ana.locator(".presence")).toHaveAttribute("data-presence", "operating");
  await reviewer.locator(".transfer-chat").click();
  const target = reviewer.locator(".transfer select");
  await expect(target.locator("option", { hasText: "Ana Souza" })).toBeAttached();
  await target.selectOption({ label: "Ana Souza (Operating, 0/8)" });
  await reviewer.screenshot({ path: "test-results/console-transfer.png" });
  await reviewer.locator(".transfer button[type=submit]").click();
  await expect(reviewer.locator(".tile")).toHaveCount(0, { timeout: 15_000 });
  await expect(ana.locator(".chat-header h2")).toHaveText("Olga Pires", { timeout: 15_000 });
  await expect(ana.locator(".bubble.out img")).toBeVisible();
  await ana.screenshot({ path: "test-results/console-transferred.png" });

  await ana.locator(".close-chat").click();
  await expect(ana.locator(".tile")).toHaveCount(0);
  for (const page of [reviewer, ana]) {
    await page.locator("select[name=presence]").selectOption("offline");
    await expect(page.locator(".presence")).toHaveAttribute("data-presence", "offline");
  }
  for (const context of [reviewerContext, anaContext, customerContext]) await context.close();
});
