import { expect } from '@playwright/test';
import { stateFile, test } from './helpers';

test('a manager sees the team figures, per rep, and narrows by rep and dates', async ({ page }) => {
  await page.goto('/dashboard');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Dashboard');
  const figures = page.getByRole('region', { name: 'Key figures' });
  for (const label of ['organizations', 'open opportunities', 'weighted pipeline', 'won in the range', 'stale deals']) {
    await expect(figures.getByText(label, { exact: true })).toBeVisible();
  }
  await expect(page.getByRole('img', { name: 'Interactions per week' })).toBeVisible();
  await expect(page.getByRole('img', { name: 'Pipeline value by stage' })).toBeVisible();
  const table = page.locator('table.reps');
  await expect(table).toContainText('Riley Rep');
  await expect(table).toContainText('Sam Seller');

  await page.getByLabel('Rep', { exact: true }).selectOption({ label: 'Riley Rep' });
  await page.getByLabel('From').fill('2026-01-01');
  await page.getByRole('button', { name: 'Show' }).click();
  await expect(page).toHaveURL(/rep=.*from=2026-01-01/);
  await expect(page.locator('.page-header')).toContainText('Riley Rep');
  await expect(page.locator('.page-header')).toContainText('Jan 1, 2026');
});

test('a range that ends before it starts is refused with a clear message', async ({ page }) => {
  await page.goto('/dashboard?from=2026-12-01&to=2026-11-01');
  await expect(page.getByRole('alert')).toContainText('The range ends before it starts.');
});

test.describe('a rep', () => {
  test.use({ storageState: stateFile('rep1') });
  test('sees their own figures and no rep filter', async ({ page }) => {
    await page.goto('/dashboard');
    await expect(page.locator('.page-header')).toContainText('Your figures');
    await expect(page.getByLabel('Rep', { exact: true })).toHaveCount(0);
    await expect(page.locator('table.reps')).toHaveCount(0);
  });
});

test('the reports are printable tables with their charts', async ({ page }) => {
  await page.goto('/reports');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Reports');
  for (const heading of ['Weekly activity per rep', 'Interactions by kind and outcome', 'Pipeline status', 'Organization performance']) {
    await expect(page.getByRole('heading', { name: heading })).toBeVisible();
  }
  const weekly = page.locator('section', { has: page.getByRole('heading', { name: 'Weekly activity per rep' }) });
  await expect(weekly.locator('tbody tr').first()).toBeVisible();
  await page.emulateMedia({ media: 'print' });
  await expect(page.locator('.topbar')).toBeHidden();
  await expect(page.locator('form.filters')).toBeHidden();
  await expect(page.getByRole('heading', { name: 'Pipeline status' })).toBeVisible();
});
