import { expect, test } from "@playwright/test";
import { customerWrites, login, users } from "./helpers";

test("an admin creates an agent in the demo group; the next customer reaches her, no restart", async ({ browser }) => {
  const adminContext = await browser.newContext({ locale: "en-US" });
  const admin = await adminContext.newPage();
  await login(admin, users.admin.username, users.admin.password);
  await expect(admin).toHaveURL(/\/admin$/);
  await admin.locator(".admin-nav a[href='/admin/users']").click();
  await expect(admin.locator("body[data-hydrated]")).toBeAttached();
  await expect(admin.locator("tr[data-user=reviewer]")).toBeVisible();

  // The server's validation speaks the admin's language, field by field.
  await admin.locator(".panel-head button.primary").click();
  await admin.locator(".editor input[name=username]").fill("Dora Alves!");
  await admin.locator(".editor input[name=display_name]").fill("Dora Alves");
  await admin.locator(".editor input[name=password]").fill("dora-demo-2026");
  await admin.locator(".editor button[type=submit]").click();
  await expect(admin.locator(".editor .form-error")).toContainText("Usuário");

  await admin.locator(".editor input[name=username]").fill("dora");
  await admin.locator(".editor input[name=positions]").fill("2");
  await admin.locator(".group-choices label", { hasText: "Atendimento Loja Demo" }).locator("input").check();
  await admin.screenshot({ path: "test-results/admin-user-new.png" });
  await admin.locator(".editor button[type=submit]").click();
  await expect(admin.locator(".editor .notice-ok")).not.toBeEmpty();
  const row = admin.locator("tr[data-user=dora]");
  await expect(row).toContainText("Atendimento Loja Demo");
  await expect(row).toContainText("2");
  await admin.locator(".search").fill("dora");
  await expect(admin.locator("table.users tbody tr")).toHaveCount(1);
  await expect(admin.locator(".pager button").last()).toBeDisabled();
  await expect(admin.locator(".pager button").last()).toHaveText(/Próxima|Next/);
  await admin.screenshot({ path: "test-results/admin-users.png" });

  // Dora signs in and goes Operating: the next sandbox customer's chat is hers.
  const doraContext = await browser.newContext({ locale: "pt-BR" });
  const dora = await doraContext.newPage();
  await login(dora, "dora", "dora-demo-2026");
  await expect(dora).toHaveURL(/\/console$/);
  await expect(dora.locator("body[data-hydrated]")).toBeAttached();
  await dora.locator("select[name=presence]").selectOption("operating");
  await expect(dora.getByTestId("positions")).toHaveText(/ 0\/2$/);
  const customerContext = await browser.newContext({ locale: "pt-BR" });
  await customerWrites(customerContext, "Vera Reis", "Oi, alguém aí?");
  await expect(dora.locator(".chat-header h2")).toHaveText("Vera Reis", { timeout: 15_000 });
  await dora.locator(".close-chat").click();
  await expect(dora.locator(".tile")).toHaveCount(0);

  // Disabled by the admin: her session ends.
  await admin.locator("tr[data-user=dora] button.link").click();
  await expect(admin.locator(".editor input[name=display_name]")).toHaveValue("Dora Alves");
  await admin.locator(".editor-extra button", { hasText: "Desativar" }).click();
  await expect(admin.locator("tr[data-user=dora]")).toHaveClass(/disabled/);
  // Her console hears the session end and goes to sign-in by itself; a reload gets there too.
  // (Reloading while it navigates fails with "Not attached to an active page": retry.)
  await expect(async () => {
    if (!/\/login/.test(dora.url())) await dora.reload().catch(() => {});
    await expect(dora).toHaveURL(/\/login/, { timeout: 2_000 });
  }).toPass({ timeout: 15_000 });
  for (const context of [adminContext, doraContext, customerContext]) await context.close();
});

test("an admin creates a group serving the demo page; its agent takes the next customer", async ({ browser }) => {
  const adminContext = await browser.newContext({ locale: "en-US" });
  const admin = await adminContext.newPage();
  await login(admin, users.admin.username, users.admin.password);
  await expect(admin).toHaveURL(/\/admin$/);

  // A new agent in no group yet.
  await admin.goto("/admin/users");
  await expect(admin.locator("body[data-hydrated]")).toBeAttached();
  await admin.locator(".panel-head button.primary").click();
  await admin.locator(".editor input[name=username]").fill("edu");
  await admin.locator(".editor input[name=display_name]").fill("Edu Ramos");
  await admin.locator(".editor input[name=password]").fill("edu-demo-2026");
  await admin.locator(".editor button[type=submit]").click();
  await expect(admin.locator("tr[data-user=edu]")).toBeVisible();

  // The group: Edu, serving the demo page.
  await admin.locator(".admin-nav a[href='/admin/groups']").click();
  await expect(admin.locator("tr[data-group='Atendimento Loja Demo']")).toBeVisible();
  await admin.locator(".panel-head button.primary").click();
  await admin.locator(".editor input[name=name]").fill("Plantão");
  await admin.locator(".editor label.check", { hasText: "Edu Ramos" }).locator("input").check();
  await admin.locator(".editor label.check", { hasText: "Loja Demo (Messenger)" }).locator("input").check();
  await admin.screenshot({ path: "test-results/admin-group-new.png" });
  await admin.locator(".editor button[type=submit]").click();
  await expect(admin.locator("tr[data-group='Plantão']")).toContainText("Edu Ramos");

  const eduContext = await browser.newContext({ locale: "pt-BR" });
  const edu = await eduContext.newPage();
  await login(edu, "edu", "edu-demo-2026");
  await expect(edu.locator("body[data-hydrated]")).toBeAttached();
  await edu.locator("select[name=presence]").selectOption("operating");
  await expect(edu.locator(".presence")).toHaveAttribute("data-presence", "operating");
  const customerContext = await browser.newContext({ locale: "pt-BR" });
  await customerWrites(customerContext, "Íris Mota", "Bom dia!");
  await expect(edu.locator(".chat-header h2")).toHaveText("Íris Mota", { timeout: 15_000 });
  await edu.locator(".close-chat").click();
  await edu.locator("select[name=presence]").selectOption("offline");
  await expect(edu.locator(".presence")).toHaveAttribute("data-presence", "offline");

  // Deactivated, the group routes nothing more.
  await admin.locator("tr[data-group='Plantão'] button.link").click();
  await expect(admin.locator(".editor input[name=name]")).toHaveValue("Plantão");
  await admin.locator(".editor-actions button", { hasText: "Desativar" }).click();
  await expect(admin.locator("tr[data-group='Plantão']")).toHaveClass(/disabled/);
  await admin.screenshot({ path: "test-results/admin-groups.png" });
  for (const context of [adminContext, eduContext, customerContext]) await context.close();
});

test("an admin adds a pause reason; agents can pause with it until it stops being offered", async ({ browser }) => {
  const adminContext = await browser.newContext({ locale: "pt-BR" });
  const admin = await adminContext.newPage();
  await login(admin, users.admin.username, users.admin.password);
  await expect(admin).toHaveURL(/\/admin$/);
  await admin.locator(".admin-nav a[href='/admin/pause-reasons']").click();
  await expect(admin.locator("tr[data-reason=lunch]")).toContainText("Almoço");
  await admin.locator("input[name=new_reason]").fill("Reunião");
  await admin.locator(".inline-add button").click();
  await expect(admin.locator("tr[data-reason='Reunião']")).toBeVisible();
  await admin.screenshot({ path: "test-results/admin-pause-reasons.png" });

  const anaContext = await browser.newContext({ locale: "pt-BR" });
  const ana = await anaContext.newPage();
  await login(ana, users.ana.username, users.ana.password);
  await expect(ana.locator("body[data-hydrated]")).toBeAttached();
  await ana.locator("select[name=presence]").selectOption("paused:Reunião");
  await expect(ana.locator(".presence")).toHaveAttribute("data-presence", "paused:Reunião");
  await ana.locator("select[name=presence]").selectOption("offline");
  await expect(ana.locator(".presence")).toHaveAttribute("data-presence", "offline");

  await admin.locator("tr[data-reason='Reunião'] td:last-child button").click();
  await expect(admin.locator("tr[data-reason='Reunião']")).toHaveClass(/disabled/);
  await ana.reload();
  await expect(ana.locator("body[data-hydrated]")).toBeAttached();
  await expect(ana.locator("select[name=presence] option[value='paused:Reunião']")).toHaveCount(0);

  // The audit log shows who did it, with the field before and after.
  await admin.locator(".admin-nav a[href='/admin/audit']").click();
  await expect(admin.locator("table.audit tbody tr").first()).toContainText("Ativo: true → false");
  await expect(admin.locator("table.audit tbody tr").first()).toContainText("Administrador Demo");
  await admin.screenshot({ path: "test-results/admin-audit.png" });
  for (const context of [adminContext, anaContext]) await context.close();
});
