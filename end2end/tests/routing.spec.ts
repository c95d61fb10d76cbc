import { Browser, BrowserContext, expect, Page, test, WebSocketRoute } from "@playwright/test";
import { customerWrites, login, users } from "./helpers";

test.describe.configure({ timeout: 180_000 });

/** An agent's console in their own browser context (their own session cookie). */
async function agentConsole(browser: Browser, baseURL: string | undefined, user: { username: string; password: string }): Promise<Page> {
  const context = await browser.newContext({ locale: "en-US" });
  await context.grantPermissions(["notifications"], { origin: baseURL });
  const page = await context.newPage();
  await login(page, user.username, user.password);
  await expect(page).toHaveURL(/\/console$/);
  await expect(page.locator("body[data-hydrated]")).toBeAttached();
  return page;
}

async function setPresence(page: Page, value: string) {
  await page.locator("select[name=presence]").selectOption(value);
  await expect(page.locator(".presence")).toHaveAttribute("data-presence", value);
}

const names = [
  "Alice Ramos", "Bruno Melo", "Carla Nunes", "Davi Rocha", "Elisa Prado",
  "Fábio Teles", "Gabi Lopes", "Hugo Faria", "Iara Costa", "João Vieira",
];

test("two agents and ten customers: fair distribution, the 8-position cap, pause, answer", async ({ browser, baseURL }) => {
  // Each customer in their own browser context: the sandbox page remembers its customer.
  const customers: BrowserContext[] = [];
  const customer = async (name: string) => {
    const context = await browser.newContext({ locale: "pt-BR" });
    customers.push(context);
    return customerWrites(context, name, `Olá, sou ${name}`);
  };
  const reviewer = await agentConsole(browser, baseURL, users.reviewer);
  // Ana's console speaks her language (pt-BR): positions are checked by their figures.
  const ana = await agentConsole(browser, baseURL, users.ana);
  expect(await ana.evaluate(() => Notification.permission)).toBe("granted");
  await setPresence(reviewer, "operating");
  await setPresence(ana, "operating");

  // Two customers, two agents: one each (the least loaded gets the next).
  const pages: Page[] = [];
  for (const name of names.slice(0, 2)) {
    pages.push(await customer(name));
  }
  await expect(reviewer.getByTestId("positions")).toHaveText("Positions 1/8", { timeout: 15_000 });
  await expect(ana.getByTestId("positions")).toHaveText(/ 1\/8$/, { timeout: 15_000 });

  // Ana pauses: she keeps her chat, and the next eight all go to the reviewer — seven fit
  // (8/8), the last one waits in the queue.
  await setPresence(ana, "paused:lunch");
  for (const name of names.slice(2)) {
    pages.push(await customer(name));
  }
  await expect(reviewer.getByTestId("positions")).toHaveText("Positions 8/8", { timeout: 20_000 });
  await expect(reviewer.locator(".tile")).toHaveCount(8);
  await expect(ana.locator(".tile")).toHaveCount(1);
  await reviewer.screenshot({ path: "test-results/console-eight-positions.png" });

  // Back from lunch, Ana gets the waiting conversation at once.
  await setPresence(ana, "operating");
  await expect(ana.getByTestId("positions")).toHaveText(/ 2\/8$/, { timeout: 15_000 });
  await expect(reviewer.locator(".tile")).toHaveCount(8);

  // The reviewer answers one of them; the customer sees it.
  const last = names[8];
  await reviewer.locator(".tile", { hasText: last }).click();
  await expect(reviewer.locator(".chat-header h2")).toHaveText(last);
  const draft = `Oi ${last}, como posso ajudar?`;
  await reviewer.locator(".composer textarea").fill(draft);
  // The customer writes again while the agent types: the message appears, the draft stays.
  await pages[8].locator("#text").fill("Ainda está aí?");
  await pages[8].locator("#text").press("Enter");
  await expect(reviewer.locator(".bubble.in").last()).toContainText("Ainda está aí?", { timeout: 15_000 });
  await expect(reviewer.locator(".composer textarea")).toHaveValue(draft);
  await reviewer.locator(".composer textarea").press("Enter");
  await expect(pages[8].locator("#messages .page")).toContainText("como posso ajudar?", { timeout: 15_000 });
  await reviewer.screenshot({ path: "test-results/console-answer-one-of-eight.png" });

  // Everyone's chats are closed so later tests start clean. Done when the server says so
  // (the positions figure): the tile list may read empty for a moment while it reloads after
  // a close, which once ended a count-based loop early and left chats to the next tests.
  for (const page of [reviewer, ana]) {
    await expect(async () => {
      if ((await page.locator(".tile").count()) > 0) {
        await page.locator(".tile").first().click();
        await page.locator(".close-chat").click({ timeout: 2_000 });
      }
      await expect(page.getByTestId("positions")).toHaveText(/ 0\/8$/, { timeout: 1_000 });
    }).toPass({ timeout: 60_000 });
    await setPresence(page, "offline");
  }
  await reviewer.context().close();
  await ana.context().close();
  for (const context of customers) await context.close();
});

test("a console that loses its connection shows every message once, in order, when it is back", async ({ browser }) => {
  const agents = await browser.newContext({ locale: "en-US" });
  const customers = await browser.newContext({ locale: "pt-BR" });
  const page = await agents.newPage();
  // The live channel goes through a proxy the test can cut.
  let cut = false;
  const sockets: WebSocketRoute[] = [];
  await page.routeWebSocket(/\/console\/live$/, (ws) => {
    if (cut) {
      ws.close();
      return;
    }
    ws.connectToServer();
    sockets.push(ws);
  });
  await login(page, users.reviewer.username, users.reviewer.password);
  await expect(page.locator("body[data-hydrated]")).toBeAttached();
  await setPresence(page, "operating");
  const customer = await customerWrites(customers, "Lia Moura", "primeira mensagem");
  await expect(page.locator(".chat-header h2")).toHaveText("Lia Moura", { timeout: 15_000 });
  await expect(page.locator(".bubble.in")).toHaveText([/primeira mensagem/]);

  // The network drops; the customer goes on writing.
  cut = true;
  for (const ws of sockets) await ws.close();
  await expect(page.locator(".live-lost")).toBeVisible();
  for (const text of ["segunda mensagem", "terceira mensagem"]) {
    await customer.locator("#text").fill(text);
    await customer.locator("#text").press("Enter");
    await expect(customer.locator("#messages .customer").last()).toContainText(text);
  }
  await page.waitForTimeout(1_000);
  await expect(page.locator(".bubble.in")).toHaveCount(1);

  // Back online: what was missed appears, once each, in order.
  cut = false;
  await expect(page.locator(".live-lost")).toBeHidden({ timeout: 10_000 });
  await expect(page.locator(".bubble.in")).toHaveText(
    [/primeira mensagem/, /segunda mensagem/, /terceira mensagem/],
    { timeout: 10_000 },
  );
  await page.waitForTimeout(1_000);
  await expect(page.locator(".bubble.in")).toHaveCount(3);
  await page.screenshot({ path: "test-results/console-after-reconnect.png" });

  await page.locator(".close-chat").click();
  await expect(page.locator(".tile")).toHaveCount(0);
  await setPresence(page, "offline");
  await agents.close();
  await customers.close();
});

test("an agent in manual answer mode is offered the chat, reads it, accepts and answers", async ({ browser }) => {
  const agentContext = await browser.newContext({ locale: "pt-BR" });
  const customerContext = await browser.newContext({ locale: "pt-BR" });
  const carlos = await agentContext.newPage();
  await login(carlos, users.carlos.username, users.carlos.password);
  await expect(carlos.locator("body[data-hydrated]")).toBeAttached();
  await setPresence(carlos, "operating");
  await expect(carlos.getByTestId("positions")).toHaveText(/ 0\/4$/);
  const customer = await customerWrites(customerContext, "Nina Campos", "Vocês entregam no sábado?");

  // Offered: it holds a position, shows its countdown and can be read, not yet answered.
  await expect(carlos.locator(".tile.offered")).toContainText("Nina Campos", { timeout: 15_000 });
  await expect(carlos.locator(".offer")).toBeVisible();
  await expect(carlos.locator(".offer-time")).toContainText(/\d+s/);
  await expect(carlos.locator(".bubble.in")).toContainText("entregam no sábado");
  await expect(carlos.locator(".composer")).toHaveCount(0);
  await expect(carlos.getByTestId("positions")).toHaveText(/ 1\/4$/);
  await carlos.screenshot({ path: "test-results/console-offer.png" });

  await carlos.locator(".offer button.primary").click();
  await expect(carlos.locator(".offer")).toHaveCount(0);
  await expect(carlos.locator(".tile.offered")).toHaveCount(0);
  await carlos.locator(".composer textarea").fill("Entregamos sim, das 9h às 13h.");
  await carlos.locator(".composer textarea").press("Enter");
  await expect(customer.locator("#messages .page")).toContainText("das 9h às 13h", { timeout: 15_000 });

  await carlos.locator(".close-chat").click();
  await expect(carlos.locator(".tile")).toHaveCount(0);
  await setPresence(carlos, "offline");
  await agentContext.close();
  await customerContext.close();
});
