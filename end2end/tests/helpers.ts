import { Browser, BrowserContext, expect, Page } from "@playwright/test";

export const users = {
  admin: { username: "admin", password: "admin-demo-2026", name: "Administrador Demo", landing: "/admin" },
  supervisor: { username: "supervisor", password: "supervisor-demo-2026", name: "Sara Supervisora", landing: "/admin" },
  ana: { username: "ana", password: "ana-demo-2026", name: "Ana Souza", landing: "/console" },
  reviewer: { username: "reviewer", password: "reviewer-demo-2026", name: "Meta Reviewer", landing: "/console" },
  carlos: { username: "carlos", password: "carlos-demo-2026", name: "Carlos Lima", landing: "/console" },
};

/** Opens a page and waits until the WASM has hydrated it. */
export async function open(page: Page, path: string) {
  await page.goto(path);
  await expect(page.locator("body[data-hydrated]")).toBeAttached();
}

export async function login(page: Page, username: string, password: string) {
  await open(page, "/login");
  await page.locator("#username").fill(username);
  await page.locator("#password").fill(password);
  await page.locator("button[type=submit]").click();
}

/** A sandbox customer, in their own browser page, writes `text` to the demo page (or the page `cifra`). */
export async function customerWrites(context: BrowserContext, name: string, text: string, cifra?: string): Promise<Page> {
  const customer = await context.newPage();
  await customer.goto("/sandbox");
  await customer.locator("#new-name").fill(name);
  await customer.locator("#new-customer button").click();
  await expect(customer.locator("#customer option:checked")).toHaveText(new RegExp(name));
  if (cifra) await customer.locator("#page").selectOption(cifra);
  await customer.locator("#text").fill(text);
  await customer.locator("#text").press("Enter");
  await expect(customer.locator("#messages .customer").last()).toContainText(text);
  return customer;
}

/** An agent signed in, in their own context, operating. */
export async function operatingAgent(browser: Browser, user: { username: string; password: string }) {
  const context = await browser.newContext({ locale: "pt-BR" });
  const page = await context.newPage();
  await login(page, user.username, user.password);
  await expect(page.locator("body[data-hydrated]")).toBeAttached();
  await page.locator("select[name=presence]").selectOption("operating");
  return { context, page };
}
