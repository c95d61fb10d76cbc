import { expect, test } from "@playwright/test";
import { login, open, users } from "./helpers";

test("the login page speaks Portuguese by default and switches to English", async ({ page }) => {
  await open(page, "/login");
  await expect(page.locator("h1")).toHaveText("Entrar no Atende");
  await expect(page.locator("html")).toHaveAttribute("lang", "pt-BR");
  await page.screenshot({ path: "test-results/login-pt-BR.png" });

  await page.getByTestId("language").selectOption("en");
  await expect(page.locator("h1")).toHaveText("Sign in to Atende");
  await expect(page.locator("label[for=username]")).toHaveText("Username");
  await page.screenshot({ path: "test-results/login-en.png" });

  // The choice survives a reload (cookie read by the server).
  await open(page, "/login");
  await expect(page.locator("h1")).toHaveText("Sign in to Atende");
});

test("a wrong password gets a clear message in the page's language", async ({ page }) => {
  await login(page, "ana", "not-her-password");
  await expect(page.locator(".form-error")).toHaveText("Usuário ou senha incorretos.");
  await expect(page).toHaveURL(/\/login$/);

  await page.getByTestId("language").selectOption("en");
  await page.locator("#password").fill("still-wrong");
  await page.locator("button[type=submit]").click();
  await expect(page.locator(".form-error")).toHaveText("Wrong username or password.");
});

for (const [role, user, refused] of [
  ["admin", users.admin, "/console"],
  ["supervisor", users.supervisor, "/console"],
  ["agent", users.ana, "/admin"],
] as const) {
  test(`the ${role} lands on ${user.landing} and is refused ${refused}`, async ({ page }) => {
    await login(page, user.username, user.password);
    await expect(page).toHaveURL(new RegExp(`${user.landing}$`));
    await expect(page.getByTestId("user-name")).toHaveText(user.name);
    await page.screenshot({ path: `test-results/landing-${role}.png`, fullPage: true });

    const response = await page.goto(refused);
    expect(response?.status()).toBe(403);
    await expect(page.locator("[data-page=forbidden] h1")).toHaveText("Acesso negado");
    await page.screenshot({ path: `test-results/forbidden-${role}.png` });
  });
}

test("the reviewer account works in English from the first screen after login", async ({ page }) => {
  await login(page, users.reviewer.username, users.reviewer.password);
  await expect(page).toHaveURL(/\/console$/);
  await expect(page.locator(".presence")).toContainText("Status");
  await expect(page.locator(".tiles .empty")).toHaveText(/No conversations in progress/);
  await expect(page.locator("html")).toHaveAttribute("lang", "en");
  await page.screenshot({ path: "test-results/landing-reviewer-en.png", fullPage: true });
});

test("logging out ends the session", async ({ page }) => {
  await login(page, users.ana.username, users.ana.password);
  await expect(page).toHaveURL(/\/console$/);
  await expect(page.locator("body[data-hydrated]")).toBeAttached();
  await page.locator(".logout button").click();
  await expect(page).toHaveURL(/\/login$/);
  await page.goto("/console");
  await expect(page).toHaveURL(/\/login$/);
});

test("a language chosen while signed in is saved for the next sign-in", async ({ page, browser }) => {
  await login(page, users.supervisor.username, users.supervisor.password);
  await expect(page).toHaveURL(/\/admin$/);
  await expect(page.locator("body[data-hydrated]")).toBeAttached();
  const saved = page.waitForResponse((r) => r.url().endsWith("/api/auth/set_locale") && r.ok());
  await page.getByTestId("language").selectOption("en");
  await expect(page.locator("main h1")).toHaveText("Administration");
  await saved;

  // A different browser (no cookie), whose own language is Portuguese.
  const other = await browser.newPage({ locale: "pt-BR" });
  await login(other, users.supervisor.username, users.supervisor.password);
  await expect(other).toHaveURL(/\/admin$/);
  await expect(other.locator("main h1")).toHaveText("Administration");

  // Leave the demo user as it was for the other tests.
  const restored = other.waitForResponse((r) => r.url().endsWith("/api/auth/set_locale") && r.ok());
  await other.getByTestId("language").selectOption("pt-BR");
  await expect(other.locator("main h1")).toHaveText("Administração");
  await restored;
  await other.close();
});
