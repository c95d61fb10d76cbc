import { expect, test } from "@playwright/test";
import { customerWrites, login, operatingAgent, users } from "./helpers";

const CIFRA = "100000000000055";

test("an admin builds a chatbot script with its test chat; a customer goes through it to Ana", async ({ browser, baseURL }) => {
  const adminContext = await browser.newContext({ locale: "pt-BR" });
  const admin = await adminContext.newPage();
  await login(admin, users.admin.username, users.admin.password);
  await expect(admin).toHaveURL(/\/admin$/);
  await admin.goto("/admin/services");
  await expect(admin.locator("body[data-hydrated]")).toBeAttached();
  await admin.locator(".panel-head button.primary").click();
  const editor = admin.locator(".service-editor");
  const tab = (name: string) => editor.locator("[role=tab]", { hasText: name }).click();
  await editor.locator("input[name=name]").fill("Loja Robô");
  await editor.locator("input[name=cifra]").fill(CIFRA);
  await tab("Integração");
  await editor.locator("input[name=access_token]").fill("loja-robo-token");
  await editor.locator("input[name=integration_url]").fill(`${baseURL}/sandbox/graph/v22.0/me/messages`);
  await tab("Grupos do serviço");
  await editor.locator("button[name=add_group]").click();
  await editor.locator("select[name=group]").selectOption({ label: "Atendimento Loja Demo" });

  // The script: a greeting, the order number, and a menu with a message and a way to Ana.
  await tab("Script de automação");
  await editor.locator("input[name=script_enabled]").check();
  await editor.locator("input[name=script_buttons]").check();
  await editor.locator("input[name=greeting_pt_br]").fill("Olá! Sou o robô da Loja.");
  await editor.locator("input[name=human_keyword]").fill("atendente");
  await editor.locator("input[name=script_question]").check();
  await editor.locator("input[name=script_question_text_pt_br]").fill("Qual é o número do seu pedido?");
  await editor.locator("input[name=question_label]").fill("Pedido");
  await editor.locator("input[name=prompt__pt_br]").fill("Como posso ajudar?");
  await editor.getByRole("button", { name: "Adicionar opção" }).click();
  await editor.getByRole("button", { name: "Adicionar opção" }).click();
  await editor.locator("input[name=option_0_label_pt_br]").fill("Falar com vendas");
  await editor.locator("input[name=option_1_label_pt_br]").fill("Horário");
  await editor.locator("select[name=option_1_kind]").selectOption("message");
  await editor.locator("input[name=option_1_message_pt_br]").fill("Abrimos das 8h às 18h.");

  // The test chat runs it as typed.
  const chat = editor.locator(".test-chat");
  await chat.locator("input[name=test_message]").fill("A-778");
  await chat.locator("button[name=test_send]").click();
  await expect(chat.locator(".bubble.bot").last()).toContainText("1. Falar com vendas");
  await chat.locator(".bubble.bot").last().getByRole("button", { name: "Horário" }).click();
  await expect(chat.locator(".bubble.bot").nth(-2)).toHaveText("Abrimos das 8h às 18h.");
  await chat.locator(".bubble.bot").last().getByRole("button", { name: "Falar com vendas" }).click();
  await expect(chat.locator(".handed-over")).toContainText("Pedido: A-778");
  await admin.screenshot({ path: "test-results/script-editor.png", fullPage: true });
  await editor.locator("button[type=submit]").click();
  await expect(editor.locator(".notice-ok")).not.toBeEmpty();

  // A customer of the page talks to the bot, then reaches Ana with the answer on her screen.
  const { context: anaContext, page: ana } = await operatingAgent(browser, users.ana);
  const customerContext = await browser.newContext({ locale: "pt-BR" });
  const customer = await customerWrites(customerContext, "Beto Robô", "Oi", CIFRA);
  await expect(customer.locator("#messages .page").last()).toHaveText(/Qual é o número do seu pedido\?/, { timeout: 15_000 });
  await customer.locator("#text").fill("B-1234");
  await customer.locator("#text").press("Enter");
  await expect(customer.locator(".quick-replies button")).toHaveText(["Falar com vendas", "Horário"], { timeout: 15_000 });
  await customer.screenshot({ path: "test-results/script-customer.png" });
  await customer.locator(".quick-replies button", { hasText: "Falar com vendas" }).click();
  await expect(customer.locator("#messages .page").last()).toContainText("vou transferir você para um atendente", { timeout: 15_000 });

  const tile = ana.locator(".tile", { hasText: "Beto Robô" });
  await expect(tile).toBeVisible({ timeout: 15_000 });
  await tile.click();
  await expect(ana.getByTestId("customer-answer")).toHaveText("Pedido: B-1234");
  await ana.screenshot({ path: "test-results/script-agent.png" });
  await ana.locator(".close-chat").click();

  // Clean up: Ana signs out, the page is switched off.
  await ana.locator(".logout button").click();
  await expect(ana).toHaveURL(/\/login/);
  await admin.goto("/admin/services");
  const row = admin.locator("tr[data-service='Loja Robô']");
  await row.locator("button.link").click();
  await admin.locator(".service-editor").getByRole("button", { name: "Desativar" }).click();
  await expect(row).toHaveClass(/disabled/);
  for (const context of [adminContext, anaContext, customerContext]) await context.close();
});
