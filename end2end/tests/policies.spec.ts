import { expect, type Page, test } from "@playwright/test";
import { customerWrites, login, operatingAgent, users } from "./helpers";

const CIFRA = "100000000000088";

/// Deactivates a service the test created, so later tests' customers never reach it.
async function switchOff(admin: Page, service: number, baseURL: string) {
  const headers = { Origin: baseURL };
  const detail = await (await admin.request.post("/api/admin/service", { form: { id: String(service) }, headers })).json();
  const off = await admin.request.post("/api/admin/set_service_active", {
    form: { id: String(service), active: "false", version: String(detail.version) },
    headers,
  });
  expect(off.status()).toBe(200);
}

test("out of hours: the customer is told, Ana resumes the chat, answers and concludes it", async ({ browser, baseURL }) => {
  // The admin sets up a page that is closed right now (a schedule without hours).
  const adminContext = await browser.newContext({ locale: "pt-BR" });
  const admin = await adminContext.newPage();
  await login(admin, users.admin.username, users.admin.password);
  await expect(admin).toHaveURL(/\/admin$/);
  const api = async (endpoint: string, data: unknown) => {
    const response = await admin.request.post(`/api/admin/${endpoint}`, { data, headers: { Origin: baseURL! } });
    expect(response.status(), `${endpoint}: ${await response.text()}`).toBe(200);
    return response.json();
  };
  const schedule = await api("save_schedule", {
    form: { id: null, name: "Fechado (teste)", time_zone: "America/Sao_Paulo", intervals: [], exceptions: [], version: 0 },
  });
  const choices = await (await admin.request.post("/api/admin/service_choices", { headers: { Origin: baseURL! } })).json();
  const group = choices.groups.find((g: { name: string }) => g.name === "Atendimento Loja Demo").id;
  const service = await api("save_service", {
    form: {
      id: null, name: "Loja Noturna", channel: "messenger", cifra: CIFRA, active: true,
      integration_url: `${baseURL}/sandbox/graph/v22.0/me/messages`, access_token: "loja-noturna-token",
      groups: [{ group_id: group, schedule_id: null }], schedule_id: schedule,
      policy: { messages: { out_of_hours: { pt_br: "Estamos fechados agora. Seu protocolo: {protocol}.", en: "" } } },
      version: 0,
    },
  });

  // A customer writes at night: told at once, and nobody's chat yet.
  const customerContext = await browser.newContext({ locale: "pt-BR" });
  const customer = await customerContext.newPage();
  await customer.goto("/sandbox");
  await customer.locator("#new-name").fill("Tomás Noite");
  await customer.locator("#new-customer button").click();
  await expect(customer.locator("#customer option:checked")).toHaveText(/Tomás Noite/);
  await customer.locator("#page").selectOption(CIFRA);
  await customer.locator("#text").fill("Vocês estão abertos?");
  await customer.locator("#text").press("Enter");
  await expect(customer.locator("#messages .page").last()).toContainText("Estamos fechados agora. Seu protocolo:", { timeout: 15_000 });

  // Ana finds it in the out-of-hours folder, sees she may answer normally, and resumes it.
  const anaContext = await browser.newContext({ locale: "pt-BR" });
  const ana = await anaContext.newPage();
  await login(ana, users.ana.username, users.ana.password);
  await expect(ana).toHaveURL(/\/console$/);
  await expect(ana.locator("body[data-hydrated]")).toBeAttached();
  await ana.locator("select[name=presence]").selectOption("operating");
  await ana.locator(".out-of-hours summary").click();
  // Until Meta's profile arrives the row shows a fallback name: refresh until it is there.
  const row = ana.locator(".out-of-hours tr", { hasText: "Tomás Noite" });
  await expect(async () => {
    await ana.locator(".out-of-hours button", { hasText: "Atualizar" }).click();
    await expect(row).toBeVisible({ timeout: 1_000 });
  }).toPass({ timeout: 15_000 });
  await expect(row).toContainText("Resposta normal até");
  await expect(row).toContainText("Vocês estão abertos?");
  await ana.screenshot({ path: "test-results/out-of-hours-folder.png" });
  await row.locator("button[name=resume]").click();
  await ana.locator(".tile", { hasText: "Tomás Noite" }).click();
  await expect(ana.locator(".chat-header h2")).toHaveText("Tomás Noite");
  await expect(ana.getByTestId("protocol")).toContainText(/Protocolo \d{8}-\d{6}/);
  await ana.locator(".composer textarea").fill("Bom dia, Tomás! Já estamos aqui.");
  await ana.locator(".composer textarea").press("Enter");
  await expect(customer.locator("#messages .page").last()).toContainText("Bom dia, Tomás!", { timeout: 15_000 });

  // Concluded: the customer gets the closing message with the date and time.
  await ana.locator(".close-chat").click();
  await expect(customer.locator("#messages .page").last()).toContainText("Conversa concluída pelo atendente em", { timeout: 15_000 });
  await customer.screenshot({ path: "test-results/closing-message.png" });

  // Clean up for the tests after this one: Ana signs out, the page is switched off.
  await ana.locator(".logout button").click();
  await expect(ana).toHaveURL(/\/login/);
  await switchOff(admin, service, baseURL!);
  for (const context of [adminContext, anaContext, customerContext]) await context.close();
});

test("closing with a survey: the customer taps a score, and the report shows it", async ({ browser, baseURL }) => {
  const SURVEY_CIFRA = "100000000000066";
  const adminContext = await browser.newContext({ locale: "pt-BR" });
  const admin = await adminContext.newPage();
  await login(admin, users.admin.username, users.admin.password);
  await expect(admin).toHaveURL(/\/admin$/);
  const choices = await (await admin.request.post("/api/admin/service_choices", { headers: { Origin: baseURL! } })).json();
  const group = choices.groups.find((g: { name: string }) => g.name === "Atendimento Loja Demo").id;
  const saved = await admin.request.post("/api/admin/save_service", {
    data: {
      form: {
        id: null, name: "Loja Pesquisa", channel: "messenger", cifra: SURVEY_CIFRA, active: true,
        integration_url: `${baseURL}/sandbox/graph/v22.0/me/messages`, access_token: "loja-pesquisa-token",
        groups: [{ group_id: group, schedule_id: null }], schedule_id: null,
        policy: { survey: { kind: "custom", questions: [
          { text: { pt_br: "De 1 a 5, como foi o atendimento?", en: "" }, answer: "scale" },
          { text: { pt_br: "Resolvemos o seu problema?", en: "" }, answer: "yes_no" },
        ] } },
        version: 0,
      },
    },
    headers: { Origin: baseURL! },
  });
  expect(saved.status(), await saved.text()).toBe(200);
  const service = await saved.json();

  const { context: anaContext, page: ana } = await operatingAgent(browser, users.ana);
  const customerContext = await browser.newContext({ locale: "pt-BR" });
  const customer = await customerWrites(customerContext, "Lia Pesquisa", "Meu pedido chegou quebrado", SURVEY_CIFRA);

  const tile = ana.locator(".tile", { hasText: "Lia Pesquisa" });
  await expect(tile).toBeVisible({ timeout: 15_000 });
  await tile.click();
  // The pane is Lia's before Ana types (Enter on a pane still loading sends nothing).
  await expect(ana.locator(".chat-header h2")).toHaveText("Lia Pesquisa");
  await ana.locator(".composer textarea").fill("Vamos trocar o produto hoje mesmo.");
  await ana.locator(".composer textarea").press("Enter");
  await expect(customer.locator("#messages .page").last()).toContainText("Vamos trocar", { timeout: 15_000 });
  await ana.locator(".close-chat").click();

  // After the closing message: the first question, with a button for each score.
  await expect(customer.locator("#messages .page").last()).toHaveText(/De 1 a 5, como foi o atendimento\?/, { timeout: 15_000 });
  const buttons = customer.locator(".quick-replies button");
  await expect(buttons).toHaveText(["1", "2", "3", "4", "5"]);
  await customer.screenshot({ path: "test-results/survey-question.png" });
  await buttons.filter({ hasText: "5" }).click();
  await expect(customer.locator("#messages .page").last()).toContainText("Resolvemos o seu problema?", { timeout: 15_000 });
  // A typed answer that is no answer is asked again, once.
  await customer.locator("#text").fill("hmm");
  await customer.locator("#text").press("Enter");
  await expect(customer.locator("#messages .page").last()).toContainText("Desculpe, não entendi.", { timeout: 15_000 });
  await customer.locator(".quick-replies button", { hasText: "Sim" }).click();
  await expect(customer.locator("#messages .page").last()).toContainText("Obrigado pela sua avaliação!", { timeout: 15_000 });
  await expect(customer.locator(".quick-replies")).toHaveCount(0);
  await customer.screenshot({ path: "test-results/survey-answered.png" });

  // The supervisor's report for today: one survey, answered, average 5.
  await admin.goto("/admin/surveys");
  await expect(admin.locator("body[data-hydrated]")).toBeAttached();
  await admin.locator("select[name=service]").selectOption({ label: "Loja Pesquisa" });
  await admin.getByRole("button", { name: "Ver relatório" }).click();
  await expect(admin.locator("[data-kpi=sent] dd")).toHaveText("1");
  await expect(admin.locator("[data-kpi=rate] dd")).toHaveText("100%");
  await expect(admin.locator("[data-kpi=average] dd")).toHaveText("5.0");
  await expect(admin.locator("[data-question='1'] g[data-value='5']")).toHaveAttribute("data-count", "1");
  await expect(admin.locator("[data-question='2'] g[data-value='Sim']")).toHaveAttribute("data-count", "1");
  await admin.screenshot({ path: "test-results/survey-report.png", fullPage: true });

  // Clean up: Ana signs out, the page is switched off.
  await ana.locator(".logout button").click();
  await expect(ana).toHaveURL(/\/login/);
  await switchOff(admin, service, baseURL!);
  for (const context of [adminContext, anaContext, customerContext]) await context.close();
});
