import { expect } from '@playwright/test';
import { hydrated, test } from './helpers';

/** A demo organization's name, as the list shows it. */
async function someOrganization(page: import('@playwright/test').Page): Promise<string> {
  await page.goto('/organizations?sort=name&page=2');
  return ((await page.locator('a.row-link').first().textContent()) ?? '').trim();
}

test('one box finds organizations as you type, forgives a typo, and the arrows move through results', async ({ page }) => {
  const name = await someOrganization(page);
  await page.goto('/search');
  await hydrated(page);
  const box = page.getByLabel('Organizations and contacts');
  await box.fill(name.toLowerCase());
  await expect(page.locator('#search-results a').first()).toContainText(name);
  // The same name with two letters of its longest word swapped.
  const word = name.split(' ').reduce((a, b) => (b.length > a.length ? b : a));
  const typo = word.length > 4 ? word.slice(0, 2) + word[3] + word[2] + word.slice(4) : `${word}e`;
  await box.fill(name.replace(word, typo).toLowerCase());
  await expect(page.locator('#search-results a', { hasText: name }).first()).toBeVisible();
  await box.press('ArrowDown');
  await expect(page.locator('#search-results a').first()).toBeFocused();
  await page.keyboard.press('ArrowUp');
  await expect(box).toBeFocused();
  await box.press('ArrowDown');
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/\/organizations\//);
});

test('a search with no match says so', async ({ page }) => {
  await page.goto('/search?q=zzqqxx');
  await expect(page.getByText('Nothing matches “zzqqxx”.')).toBeVisible();
});

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });
  test('the search is a plain form', async ({ page }) => {
    const name = await someOrganization(page);
    await page.goto('/search');
    await page.getByLabel('Organizations and contacts').fill(name);
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await expect(page).toHaveURL(/\/search\?q=/);
    await expect(page.locator('#search-results a', { hasText: name }).first()).toBeVisible();
  });
});
