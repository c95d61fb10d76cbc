import { createHmac } from "node:crypto";
import { APIRequestContext, expect, test } from "@playwright/test";
import { login, users } from "./helpers";

// The app secret playwright.config.ts gives the server: we sign as Meta does.
const APP_SECRET = "e2e-app-secret";
const DEMO_PAGE = "100000000000001";

async function postSigned(request: APIRequestContext, body: string) {
  const signature = createHmac("sha256", APP_SECRET).update(body).digest("hex");
  const response = await request.post("/hook/messageFacebook", {
    data: body,
    headers: { "Content-Type": "application/json", "X-Hub-Signature-256": `sha256=${signature}` },
  });
  expect(response.status()).toBe(200);
}

test("a delivery Atende cannot read is listed for the admin, who processes it again", async ({ browser, request }) => {
  // JSON, signed, but not a webhook payload: acknowledged, then set aside as failed.
  await postSigned(request, `[{"e2e": "not a payload ${Date.now()}"}]`);
  const context = await browser.newContext({ locale: "pt-BR" });
  const page = await context.newPage();
  await login(page, users.admin.username, users.admin.password);
  await expect(page).toHaveURL(/\/admin$/);
  const section = page.locator("[data-section=delivery-issues]");
  const retry = section.locator("button[name=retry_delivery]").first();
  await expect(retry).toBeVisible({ timeout: 15_000 });
  await page.screenshot({ path: "test-results/admin-delivery-issues.png", fullPage: true });
  await retry.click();
  await expect(section.locator(".notice-ok[role=status]").first()).toBeVisible();
  await context.close();
});

test("the console shows a shared link and content it cannot read; an ended session goes to sign-in", async ({
  browser,
  request,
}) => {
  const context = await browser.newContext({ locale: "en-US" });
  const page = await context.newPage();
  await login(page, users.reviewer.username, users.reviewer.password);
  await expect(page).toHaveURL(/\/console$/);
  await expect(page.locator("body[data-hydrated]")).toBeAttached();
  await page.locator("select[name=presence]").selectOption("operating");
  await expect(page.locator(".presence")).toHaveAttribute("data-presence", "operating");

  // Meta's documented shapes: a shared link (`fallback`, its payload null) and a message whose
  // attachments Atende cannot read, in one delivery.
  const psid = `73${Date.now()}`.slice(0, 16);
  const event = (mid: string, message: string) =>
    `{"sender":{"id":"${psid}"},"recipient":{"id":"${DEMO_PAGE}"},"timestamp":${Date.now()},"message":{"mid":"${mid}",${message}}}`;
  const body =
    `{"object":"page","entry":[{"id":"${DEMO_PAGE}","time":${Date.now()},"messaging":[` +
    event(`m_link_${psid}`, `"text":"look at this","attachments":[{"type":"fallback","payload":null,"title":"Atende on GitHub","url":"https://example.com/atende"}]`) +
    "," +
    event(`m_odd_${psid}`, `"attachments":"not a list"`) +
    "]}]}";
  await postSigned(request, body);

  const tile = page.locator(".tile").first();
  await expect(tile).toBeVisible({ timeout: 15_000 });
  const link = page.locator(".bubble.in a.shared-link");
  await expect(link).toHaveText("Atende on GitHub");
  await expect(link).toHaveAttribute("href", "https://example.com/atende");
  await expect(page.locator(".bubble.in .unsupported")).toBeVisible();
  await page.screenshot({ path: "test-results/console-shared-link-unsupported.png" });
  await page.locator(".close-chat").click();

  // Signing out in another tab ends the session: the console's live channel is closed (4001)
  // and the console goes to the sign-in page by itself.
  const other = await context.newPage();
  await other.goto("/console");
  await expect(other.locator("body[data-hydrated]")).toBeAttached();
  await other.locator(".logout button").click();
  await expect(page).toHaveURL(/\/login/, { timeout: 15_000 });
  await page.screenshot({ path: "test-results/console-session-ended.png" });
  await context.close();
});
