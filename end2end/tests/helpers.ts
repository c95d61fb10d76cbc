import { BrowserContext, expect, Page } from "@playwright/test";

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

/** A sandbox customer, in their own browser page, writes `text` to the demo page. */
export async function customerWrites(context: BrowserContext, name: string, text: string): Promise<Page> {
  const customer = await context.newPage();
  await customer.goto("/sandbox");
  await customer.locator("#new-name").fill(name);
  await customer.locator("#new-customer button").click();
  await expect(customer.locator("#customer option:checked")).toHaveText(new RegExp(name));
  await customer.locator("#text").fill(text);
  await customer.locator("#text").press("Enter");
  await expect(customer.locator("#messages .customer").last()).toContainText(text);
  return customer;
}
