import { expect } from '@playwright/test';
import { test } from './helpers';

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });

  test('the organizations list renders, filters and pages', async ({ page }) => {
    const response = await page.goto('/organizations');
    expect(response?.status()).toBe(200);
    await expect(page.getByRole('heading', { level: 1, name: 'Organizations' })).toBeVisible();
    const rows = page.locator('table.organizations tbody tr');
    await expect(rows).toHaveCount(25);
    await expect(page.locator('.pagination .range')).toHaveText(/^1–25 of \d{3,}$/);

    // A priority chip is a plain link: it filters on the server.
    await page.getByRole('link', { name: /^Priority A \d+$/ }).click();
    await expect(page).toHaveURL(/\/organizations\?priority=A$/);
    const badges = page.locator('table.organizations tbody .badge');
    await expect(badges.first()).toBeVisible();
    for (const text of await badges.allInnerTexts()) expect(text).toContain('A');

    // Next keeps the filter.
    const total = Number((await page.locator('.pagination .range').innerText()).split(' of ')[1]);
    if (total > 25) {
      await page.getByRole('link', { name: 'Next →' }).click();
      await expect(page).toHaveURL(/priority=A&page=2/);
      await expect(page.locator('.pagination .range')).toHaveText(new RegExp(`^26–\\d+ of ${total}$`));
    }
  });

  test('the search form works as a plain GET form', async ({ page }) => {
    await page.goto('/organizations');
    const firstName = (await page.locator('table.organizations tbody tr a.row-link').first().innerText()).trim();
    const word = firstName.split(' ').find((w) => w.length > 3) ?? firstName;
    await page.getByLabel('Search by name').fill(word.toUpperCase());
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect(page).toHaveURL(/\/organizations\?q=/);
    expect(new URL(page.url()).searchParams.get('q')).toBe(word.toUpperCase());
    await expect(page.getByLabel('Search by name')).toHaveValue(word.toUpperCase());
    const names = await page.locator('table.organizations tbody tr a.row-link').allInnerTexts();
    expect(names.length).toBeGreaterThan(0);
    for (const name of names) expect(name.toLowerCase()).toContain(word.toLowerCase());
  });

  test('unknown pages and records answer 404', async ({ page }) => {
    const missing = await page.goto('/no-such-page');
    expect(missing?.status()).toBe(404);
    await expect(page.getByRole('heading', { name: 'Not found' })).toBeVisible();

    const record = await page.goto('/organizations/00000000-0000-4000-8000-000000000000');
    expect(record?.status()).toBe(404);
    await expect(page.getByText('Organization was not found')).toBeVisible();

    const garbage = await page.goto('/organizations/not-an-id');
    expect(garbage?.status()).toBe(404);
  });
});
