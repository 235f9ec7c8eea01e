import { expect, Page } from '@playwright/test';
import { DEMO_PASSWORD, hydrated, stateFile, test } from './helpers';

async function signIn(page: Page, email: string, password: string) {
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

test.describe('signed out', () => {
  test.use({ storageState: { cookies: [], origins: [] } });

  test('a page asks to sign in, then opens', async ({ page }) => {
    const violations: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
    });
    await page.goto('/organizations?priority=A');
    await expect(page).toHaveURL(/\/login\?next=%2Forganizations%3Fpriority%3DA$/);
    await hydrated(page);
    await signIn(page, 'manager@kitchenpantry.test', 'not the password');
    await expect(page.locator('#f-password-error')).toContainText('email or password is not right');
    await expect(page.getByLabel('Email')).toHaveValue('manager@kitchenpantry.test');
    await page.getByLabel('Password').fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page).toHaveURL(/\/organizations\?priority=A$/);
    await hydrated(page);
    await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible();
    expect(violations, 'the page runs under its Content-Security-Policy').toEqual([]);
  });

  for (const [role, name] of [
    ['admin', 'Avery Admin'],
    ['manager', 'Morgan Manager'],
    ['rep1', 'Riley Rep'],
    ['rep2', 'Sam Seller'],
    ['viewer', 'Vic Viewer'],
  ]) {
    test(`${role} signs in and out`, async ({ page, isMobile }) => {
      await page.goto('/login');
      await hydrated(page);
      await signIn(page, `${role}@kitchenpantry.test`, DEMO_PASSWORD);
      await expect(page).toHaveURL(/\/$/);
      await hydrated(page);
      if (!isMobile) await expect(page.locator('.user-name')).toContainText(name);
      await page.getByRole('button', { name: 'Sign out' }).click();
      await expect(page).toHaveURL(/\/login$/);
      await page.goto('/organizations');
      await expect(page).toHaveURL(/\/login\?next=/);
    });
  }

  test.describe('without JavaScript', () => {
    test.use({ javaScriptEnabled: false });

    test('the sign-in form works', async ({ page }) => {
      await page.goto('/login?next=%2Forganizations');
      await signIn(page, 'rep1@kitchenpantry.test', 'wrong');
      await expect(page.locator('#f-password-error')).toContainText('email or password is not right');
      expect(page.url()).not.toContain('wrong');
      await page.getByLabel('Password').fill(DEMO_PASSWORD);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await expect(page).toHaveURL(/\/organizations$/);
      await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible();
    });
  });
});

test.describe('a sales rep', () => {
  test.use({ storageState: stateFile('rep1') });

  test('sees only their own accounts', async ({ page }) => {
    await page.goto('/organizations?per_page=100');
    const assignees = await page.locator('table.organizations tbody td[data-label="Assigned to"]').allInnerTexts();
    expect(assignees.length).toBeGreaterThan(0);
    for (const assignee of assignees) expect(assignee.trim()).toBe('Riley Rep');
  });
});

test.describe('a read-only viewer', () => {
  test.use({ storageState: stateFile('viewer') });

  test('sees everything and can change nothing', async ({ page }) => {
    await page.goto('/organizations');
    await hydrated(page);
    await expect(page.getByRole('link', { name: 'New organization' })).toHaveCount(0);
    await page.locator('table.organizations tbody a.row-link').first().click();
    await expect(page.getByRole('heading', { name: 'Contacts' })).toBeVisible();
    await expect(page.getByRole('link', { name: 'Edit', exact: true })).toHaveCount(0);
    const response = await page.goto('/organizations/new');
    expect(response?.status()).toBe(403);
    await expect(page.getByRole('heading', { name: 'Not allowed' })).toBeVisible();
  });
});

test.describe('an administrator', () => {
  test.use({ storageState: stateFile('admin') });

  test('adds a person, who can then sign in', async ({ page, browser }) => {
    const email = `new.rep.${Date.now().toString(36)}@kitchenpantry.test`;
    await page.goto('/admin/users');
    await hydrated(page);
    const width = page.viewportSize()?.width ?? 0;
    expect(await page.evaluate(() => document.documentElement.scrollWidth), 'nothing wider than the screen').toBeLessThanOrEqual(width);
    // Each row has its own "Role of …" and password fields: the new-person form's are exact.
    await page.getByRole('textbox', { name: 'Name', exact: true }).fill('Nora Newcomer');
    await page.getByRole('textbox', { name: 'Email', exact: true }).fill(email);
    await page.getByRole('combobox', { name: 'Role', exact: true }).selectOption('sales_rep');
    await page.getByLabel('First password').fill('short');
    await page.getByRole('button', { name: 'Add person' }).click();
    await expect(page.locator('#f-password-error')).toContainText('at least 10 characters');
    await page.getByLabel('First password').fill('welcome to the pantry');
    await page.getByRole('button', { name: 'Add person' }).click();
    await expect(page.getByRole('row').filter({ hasText: email })).toBeVisible();

    const context = await browser.newContext({ storageState: { cookies: [], origins: [] } });
    const other = await context.newPage();
    await other.goto('/login');
    await hydrated(other);
    await signIn(other, email, 'welcome to the pantry');
    await expect(other.getByRole('button', { name: 'Sign out' })).toBeVisible();
    await context.close();
  });
});
