import { expect, test } from "@playwright/test";
import { login, open, users } from "./helpers";

const CIFRA = "100000000000077";

test("an admin creates a service through its tabs; a sandbox customer of its page reaches Ana", async ({ browser, baseURL }) => {
  const adminContext = await browser.newContext({ locale: "pt-BR" });
  const admin = await adminContext.newPage();
  await login(admin, users.admin.username, users.admin.password);
  await expect(admin).toHaveURL(/\/admin$/);
  await admin.locator(".admin-nav a[href='/admin/services']").click();
  await expect(admin.locator("body[data-hydrated]")).toBeAttached();
  await expect(admin.locator("tr[data-service='Loja Demo (Messenger)']")).toBeVisible();
  await admin.locator(".panel-head button.primary").click();
  const editor = admin.locator(".service-editor");
  const tab = (name: string) => editor.locator("[role=tab]", { hasText: name }).click();

  // Registration.
  await editor.locator("input[name=name]").fill("Loja Nova");
  await editor.locator("input[name=cifra]").fill(CIFRA);

  // Integration: the token is write-only; an old Graph version gets a hint.
  await tab("Integração");
  await editor.locator("input[name=access_token]").fill("loja-nova-page-token");
  await editor.locator("input[name=integration_url]").fill(`${baseURL}/sandbox/graph/v11.0/me/messages`);
  await expect(editor.locator("[data-hint=graph-version]")).toContainText("v11");
  await editor.locator("input[name=integration_url]").fill(`${baseURL}/sandbox/graph/v22.0/me/messages`);
  await expect(editor.locator("[data-hint=graph-version]")).toHaveCount(0);
  await editor.locator("button[name=test_connection]").click();
  // Not saved yet, so the sandbox (Meta's stand-in) does not know this token.
  await expect(editor.locator("[data-check=problem]")).toContainText("A Meta recusou o token");
  await admin.screenshot({ path: "test-results/admin-service-integration.png" });

  // Service groups: the demo group answers it.
  await tab("Grupos do serviço");
  await editor.locator("button[name=add_group]").click();
  await editor.locator("select[name=group]").selectOption({ label: "Atendimento Loja Demo" });

  // Times, survey, messages, classification.
  await tab("Tempos");
  await editor.locator("input[name=time_QueueWait]").fill("5");
  await tab("Pesquisa");
  await editor.locator("input[name=survey_kind][value=custom]").check();
  await editor.locator("button[name=add_question]").click();
  await editor.locator("input[name=question_pt_br]").fill("De 1 a 5, como foi o atendimento?");
  await editor.locator("input[name=question_en]").fill("From 1 to 5, how was the service?");
  await tab("Mensagens");
  await expect(editor.locator("[data-preview='closing_pt-BR']")).toContainText("Conversa concluída pelo atendente em 21/11/2026");
  await editor.locator("textarea[name=message_closing_pt_br]").fill("Obrigado! {agent} encerrou o protocolo {protocol}.");
  await expect(editor.locator("[data-preview='closing_pt-BR']")).toHaveText("Obrigado! Ana encerrou o protocolo 20261121-000042.");
  await editor.locator("textarea[name=message_welcome_pt_br]").fill("Olá {cliente}");
  await expect(editor.locator("[data-preview='welcome_pt-BR']")).toHaveClass(/form-error/);
  await admin.screenshot({ path: "test-results/admin-service-messages.png" });

  // The server refuses the unknown placeholder, in Portuguese; fixed, the service saves.
  await editor.locator("button[type=submit]").click();
  await expect(editor.locator(".form-error[role=alert]")).toContainText("Mensagens");
  await editor.locator("textarea[name=message_welcome_pt_br]").fill("Olá! Já vamos atender.");
  await tab("Classificação e pós-atendimento");
  await editor.locator("textarea[name=classification_codes]").fill("Venda\nDúvida");
  await editor.locator("input[name=classification_required]").check();
  await editor.locator("button[type=submit]").click();
  await expect(editor.locator(".notice-ok")).not.toBeEmpty();
  await expect(admin.locator("tr[data-service='Loja Nova']")).toContainText("Atendimento Loja Demo");

  // Saved: the stored token is tested (the browser never gets it back).
  await tab("Integração");
  await expect(editor.locator("input[name=access_token]")).toHaveValue("");
  await editor.locator("button[name=test_connection]").click();
  await expect(editor.locator("[data-check=matches]")).toContainText("Loja Nova");
  await admin.screenshot({ path: "test-results/admin-service-saved.png" });

  // Ana takes the page's first customer, with no restart.
  const anaContext = await browser.newContext({ locale: "pt-BR" });
  const ana = await anaContext.newPage();
  await login(ana, users.ana.username, users.ana.password);
  await expect(ana).toHaveURL(/\/console$/);
  await expect(ana.locator("body[data-hydrated]")).toBeAttached();
  await ana.locator("select[name=presence]").selectOption("operating");
  const customerContext = await browser.newContext({ locale: "pt-BR" });
  const customer = await customerContext.newPage();
  await customer.goto("/sandbox");
  await customer.locator("#new-name").fill("Olga Prado");
  await customer.locator("#new-customer button").click();
  await expect(customer.locator("#customer option:checked")).toHaveText(/Olga Prado/);
  await customer.locator("#page").selectOption(CIFRA);
  await customer.locator("#text").fill("Oi, Loja Nova!");
  await customer.locator("#text").press("Enter");
  await ana.locator(".tile", { hasText: "Olga Prado" }).click({ timeout: 15_000 });
  await expect(ana.locator(".chat-header h2")).toHaveText("Olga Prado");
  await ana.locator(".composer textarea").fill("Olá Olga, em que posso ajudar?");
  await ana.locator(".composer textarea").press("Enter");
  await expect(customer.locator("#messages .page").last()).toContainText("Olá Olga", { timeout: 15_000 });
  // The service requires a classification: closing without one is refused, in Portuguese.
  await ana.locator(".close-chat").click();
  await expect(ana.locator(".chat .form-error")).toContainText("Códigos de classificação");
  await expect(ana.locator(".tile", { hasText: "Olga Prado" })).toHaveCount(1);
  await ana.screenshot({ path: "test-results/console-classification.png" });
  // Ana classifies and concludes, then signs out, so the next tests' customers do not reach her.
  await ana.locator("select[name=classification]").selectOption("Venda");
  await ana.locator(".close-chat").click();
  await expect(ana.locator(".tile", { hasText: "Olga Prado" })).toHaveCount(0);
  await ana.locator(".logout button").click();
  await expect(ana).toHaveURL(/\/login/);

  // Deactivated, the page is no longer answered (the sandbox stops offering it at once).
  await editor.locator(".editor-actions button", { hasText: "Desativar" }).click();
  await expect(admin.locator("tr[data-service='Loja Nova']")).toHaveClass(/disabled/);
  await expect(editor.locator(".editor-actions button", { hasText: "Excluir" })).toHaveCount(0);
  await customer.reload();
  await expect(customer.locator("#page option")).toHaveCount(1);
  for (const context of [adminContext, anaContext, customerContext]) await context.close();
});

test("an admin builds a schedule and sees whether it is open now", async ({ browser }) => {
  const context = await browser.newContext({ locale: "en-US" });
  const page = await context.newPage();
  await login(page, users.admin.username, users.admin.password);
  await expect(page).toHaveURL(/\/admin$/);
  await open(page, "/admin/schedules");
  await page.locator(".panel-head button.primary").click();
  const editor = page.locator(".schedule-editor");
  await expect(editor.locator("input[name=time_zone]")).toHaveValue("America/Sao_Paulo");
  await editor.locator("input[name=name]").fill("Plantão");
  // Open every day, all day: the preview says open, always.
  await expect(editor.locator("tr[data-interval]")).toHaveCount(5);
  for (let i = 0; i < 5; i++) {
    await editor.locator("tr[data-interval] input[name=start]").nth(i).fill("00:00");
    await editor.locator("tr[data-interval] input[name=end]").nth(i).fill("24:00");
  }
  await editor.locator("button[name=add_interval]").click();
  await editor.locator("button[name=add_interval]").click();
  for (const i of [5, 6]) {
    await editor.locator("tr[data-interval] input[name=start]").nth(i).fill("00:00");
    await editor.locator("tr[data-interval] input[name=end]").nth(i).fill("24:00");
  }
  await editor.locator("button[name=add_exception]").click();
  await editor.locator("input[name=exception_date]").fill("2026-12-25");
  await editor.locator("input[name=exception_name]").fill("Natal");
  await editor.locator("button[name=preview]").click();
  await expect(editor.locator(".open-preview [data-open]")).toHaveAttribute("data-open", "true");
  await page.screenshot({ path: "test-results/admin-schedule.png" });
  await editor.locator("button[type=submit]").click();
  await expect(editor.locator(".notice-ok")).not.toBeEmpty();
  await expect(page.locator("tr[data-schedule='Plantão']")).toContainText("America/Sao_Paulo");
  await context.close();
});

test("general settings: the webhook for Meta's dashboard, a new verify token, admins only", async ({ browser, baseURL }) => {
  const context = await browser.newContext({ locale: "en-US" });
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: baseURL });
  const page = await context.newPage();
  await login(page, users.admin.username, users.admin.password);
  await page.locator(".admin-nav a[href='/admin/settings']").click();
  await expect(page.locator("body[data-hydrated]")).toBeAttached();
  await expect(page.locator("input[name=messenger_webhook]")).toHaveValue(`${baseURL}/hook/messageFacebook`);
  await page.locator("button[name=copy_messenger_webhook]").click();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(`${baseURL}/hook/messageFacebook`);
  const before = await page.locator("input[name=verify_token]").inputValue();
  await page.locator("button[name=regenerate]").click();
  await expect(page.locator("input[name=verify_token]")).not.toHaveValue(before);
  await expect(page.locator("input[name=verify_token]")).toHaveValue(/^[0-9a-f]{48}$/);
  // The server refuses it inline, in the admin's language (pt-BR): the browser lets it through.
  await page.locator("input[name=internal_url]").fill("ftp://intranet.loja");
  await page.locator(".settings-editor button[type=submit]").click();
  await expect(page.locator(".settings-editor .form-error")).toContainText("Link interno");
  await page.locator("input[name=internal_url]").fill("http://atende.intranet.loja");
  await page.locator("input[name=attachment_max_mb]").fill("20");
  await page.locator(".settings-editor button[type=submit]").click();
  await expect(page.locator(".settings-editor .notice-ok")).not.toBeEmpty();
  await page.screenshot({ path: "test-results/admin-settings.png", fullPage: true });
  await context.close();

  // A supervisor has no such section, and the page answers 403.
  const supervisorContext = await browser.newContext({ locale: "pt-BR" });
  const supervisor = await supervisorContext.newPage();
  await login(supervisor, users.supervisor.username, users.supervisor.password);
  await expect(supervisor).toHaveURL(/\/admin$/);
  await expect(supervisor.locator(".admin-nav a[href='/admin/services']")).toBeVisible();
  await expect(supervisor.locator(".admin-nav a[href='/admin/settings']")).toHaveCount(0);
  const response = await supervisor.goto("/admin/settings");
  expect(response?.status()).toBe(403);
  await supervisorContext.close();
});
