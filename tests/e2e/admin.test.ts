// The admin section as people use it: a viewer is turned away (and sees no Admin link); an
// admin creates a user (a refusal keeps what was typed and names the field), disables them,
// makes a token that is shown once and works at once, revokes it (refused at once), sets a
// reload target with a generated secret shown once and never listed, and an approval policy.
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, test } from "vitest";
import { launchBrowser, signedInContext, watchedPage } from "../support/browser";

const baseUrl = inject("baseUrl");
const password = inject("demoPassword");
let browser: Browser;
let admin: BrowserContext;
// What must never reach the audit log (nor any page after it was shown once).
const NEW_PASSWORD = "a long enough passphrase";
let generatedSecret = "";

beforeAll(async () => {
  browser = await launchBrowser();
  admin = await signedInContext(browser, baseUrl, "admin", password, { viewport: { width: 1400, height: 1000 } });
});

afterAll(async () => {
  await browser?.close();
});

async function adminPage(path: string): Promise<{ page: Page; problems: string[] }> {
  const watched = await watchedPage(admin);
  expect((await watched.page.goto(`${baseUrl}${path}`))?.status()).toBe(200);
  return watched;
}

describe("admin pages", () => {
  test("a viewer sees no Admin link and an 'admins only' page", async () => {
    const viewer = await signedInContext(browser, baseUrl, "viewer", password);
    const { page, problems } = await watchedPage(viewer);
    await page.goto(`${baseUrl}/fleet`);
    expect(await page.locator("header.topbar").innerText()).not.toContain("Admin");
    for (const path of ["/admin/users", "/admin/tokens", "/admin/targets", "/admin/policies"]) {
      await page.goto(`${baseUrl}${path}`);
      const refusal = page.locator("[data-admins-only]");
      expect(await refusal.innerText()).toContain("Admins only");
      expect(await refusal.innerText()).toContain("viewer");
      // Nothing of the section leaks: no lists, no forms.
      expect(await page.locator("table, form").count()).toBe(0);
    }
    expect(problems).toEqual([]);
    await viewer.close();
  });

  test("an admin creates a user: a refusal keeps the form and names the field; then disables them", async () => {
    const { page, problems } = await adminPage("/fleet");
    await page.locator("header.topbar").getByRole("link", { name: "Admin" }).click();
    await page.waitForURL(`${baseUrl}/admin/users`);

    const form = page.getByRole("form", { name: "Create a local user" });
    await form.getByLabel("Username").fill("e2e-person");
    await form.getByLabel("Role").selectOption("operator");
    await form.getByLabel("Password").fill("too short");
    await form.getByRole("button", { name: "Create user" }).click();
    await expect.poll(() => form.locator('[data-field-error="password"]').textContent()).toContain("at least 12");
    expect(await form.getByLabel("Username").inputValue()).toBe("e2e-person");

    await form.getByLabel("Password").fill(NEW_PASSWORD);
    await form.getByRole("button", { name: "Create user" }).click();
    await expect.poll(() => form.getByRole("status").textContent()).toContain("Created e2e-person (operator)");
    const row = page.locator('tr[data-user="e2e-person"]');
    await row.waitFor();
    expect(await row.locator("[data-role]").innerText()).toBe("operator");

    await row.getByText("Manage").click();
    await row.getByRole("button", { name: "Disable" }).click();
    // The first click only asks.
    const question = row.getByRole("group", { name: /Disable e2e-person\?/ });
    await question.waitFor();
    await question.getByRole("button", { name: "Disable" }).click();
    await expect.poll(() => row.innerText()).toContain("disabled");

    // The admin's own row offers no way to disable or demote themselves.
    const self = page.locator('tr[data-user="admin"]');
    await self.getByText("Manage").click();
    expect(await self.getByRole("button", { name: "Disable" }).count()).toBe(0);
    expect(await self.getByText("This is you").count()).toBe(1);
    expect(problems).toEqual([]);
  });

  test("a token is shown once, works at once, and is refused at once when revoked", async () => {
    const { page, problems } = await adminPage("/admin/tokens");
    const form = page.getByRole("form", { name: "Create a token" });
    await form.getByRole("textbox", { name: /^Name/ }).fill("e2e deploy waiter");
    await form.getByRole("checkbox", { name: /ingest/ }).uncheck();
    await form.getByRole("button", { name: "Create token" }).click();
    const shown = form.locator("[data-show-once]");
    await shown.waitFor();
    expect(await shown.innerText()).toContain("you will not see it again");
    const token = await shown.locator("[data-secret-value]").inputValue();
    expect(token).toMatch(/^rs_[a-z2-7]{8}_[A-Za-z0-9_-]{43}$/);

    const read = () => fetch(`${baseUrl}/api/v1/reloads?limit=1`, { headers: { authorization: `Bearer ${token}` } });
    expect((await read()).status).toBe(200);
    // Read scope only: sending events is refused.
    expect(
      (
        await fetch(`${baseUrl}/api/v1/events`, {
          method: "POST",
          headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
          body: "[]",
        })
      ).status,
    ).toBe(403);

    await shown.getByRole("button", { name: "I have copied it" }).click();
    expect(await form.locator("[data-show-once]").count()).toBe(0);
    // A fresh load of the page does not have it either.
    await page.reload();
    const row = page.locator(`tr[data-token="${token.slice(0, 11)}"]`);
    await row.waitFor();
    expect(await page.content()).not.toContain(token);
    expect(await row.innerText()).toContain("read");

    await row.getByRole("button", { name: "Revoke" }).click();
    await row
      .getByRole("group", { name: /^Revoke rs_/ })
      .getByRole("button", { name: "Revoke" })
      .click();
    await expect.poll(() => row.innerText()).toContain("revoked");
    expect((await read()).status).toBe(401);
    expect(problems).toEqual([]);
  });

  test("a reload target: http elsewhere than loopback is refused beside the URL; a generated secret is shown once and never listed", async () => {
    const { page, problems } = await adminPage("/admin/targets");
    const form = page.getByRole("form", { name: "Set a reload target" });
    const service = form.getByLabel("Service");
    const firstService = await service.locator("option[value]:not([value=''])").first().getAttribute("value");
    await service.selectOption(firstService!);
    await form.getByLabel("URL").fill("http://checkout.example/reload");
    await form.getByRole("radio", { name: /Generate one/ }).check();
    await form.getByRole("button", { name: "Save target" }).click();
    await expect
      .poll(() => form.locator('[data-field-error="url"]').textContent())
      .toContain("plain http is accepted only");

    await form.getByLabel("URL").fill("https://checkout.example/reload");
    await form.getByRole("button", { name: "Save target" }).click();
    const shown = form.locator("[data-show-once]");
    await shown.waitFor();
    const secret = await shown.locator("[data-secret-value]").inputValue();
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    generatedSecret = secret;

    const row = page.locator(`tr[data-target-service="${firstService}"]`);
    await expect.poll(() => row.innerText()).toContain("https://checkout.example/reload");
    expect(await row.innerText()).toContain("secret set");
    expect(await row.innerText()).toContain("admin");
    await page.reload();
    expect(await page.content()).not.toContain(secret);
    expect(problems).toEqual([]);
  });

  test("an approval policy: the default is stated, a policy with a group is listed with who can approve", async () => {
    const { page, problems } = await adminPage("/admin/policies");
    expect(await page.getByRole("note").innerText()).toContain("needs 1 approver");
    const form = page.getByRole("form", { name: "Set an approval policy" });
    const service = form.getByLabel("Service");
    const firstService = await service.locator("option[value]:not([value=''])").first().getAttribute("value");
    await service.selectOption(firstService!);
    await form.getByLabel("Approvals needed").selectOption("0");
    await form.getByLabel(/Approvers must be in group/).fill("payments");
    await form.getByRole("button", { name: "Save policy" }).click();
    await expect
      .poll(() => form.locator('[data-field-error="requiredGroup"]').textContent())
      .toContain("only matters when approvals are needed");

    await form.getByLabel("Approvals needed").selectOption("2");
    await form.getByRole("button", { name: "Save policy" }).click();
    await expect.poll(() => form.getByRole("status").textContent()).toContain("now needs 2 approvals from payments");
    const row = page.locator(`tr[data-policy-service="${firstService}"]`);
    await row.waitFor();
    // Nobody carries the group yet: the list warns that requests cannot collect enough approvals.
    expect(await row.innerText()).toContain("too few to approve");
    expect(problems).toEqual([]);
  });

  test("every admin change above is in the audit log, without the password or the secret", async () => {
    for (const action of ["user.manage", "token.manage", "target.manage", "policy.manage"]) {
      const { page } = await adminPage(`/audit?action=${action}`);
      await page.locator("tr[data-entry]").first().waitFor();
      const text = await page.getByRole("table", { name: "Audit entries" }).innerText();
      expect(text).toContain(action);
      expect(text).toContain("admin");
      const html = await page.content();
      expect(html).not.toContain(NEW_PASSWORD);
      expect(generatedSecret).not.toBe("");
      expect(html).not.toContain(generatedSecret);
      await page.close();
    }
  });
});
