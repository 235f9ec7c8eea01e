import { expect } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { test } from './helpers';

test('the organizations list exports as filtered on screen', async ({ page }) => {
  await page.goto('/organizations?priority=A&sort=city');
  const range = (await page.locator('.pagination .range').textContent()) ?? '';
  const total = Number(range.split(' of ').pop()?.replace(/,/g, ''));
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: /Export CSV/ }).click(),
  ]);
  expect(download.suggestedFilename()).toMatch(/^organizations-\d{4}-\d{2}-\d{2}\.csv$/);
  const lines = readFileSync(await download.path(), 'utf8').replace(/^\uFEFF/, '').trim().split(/\r?\n/);
  expect(lines[0]).toContain('Name,Priority,Segment');
  expect(lines.length - 1).toBe(total);
  for (const line of lines.slice(1, 20)) expect(line).toMatch(/,A,/);
});
