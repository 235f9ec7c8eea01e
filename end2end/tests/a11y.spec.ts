import { expect, Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { hydrated, stateFile, test } from './helpers';

// axe-core itself (npm), evaluated in the page through the DevTools protocol, so the
// page's Content-Security-Policy stays as it is.
const axeSource = readFileSync(createRequire(__filename).resolve('axe-core/axe.min.js'), 'utf8');

type Violation = { id: string; impact: string | null; help: string; nodes: { target: string[] }[] };

/** The serious and critical WCAG 2.x A/AA violations axe finds on the page as it is now. */
async function seriousViolations(page: Page): Promise<string[]> {
  await page.evaluate(`${axeSource}\n;undefined`);
  const violations: Violation[] = await page.evaluate(async () => {
    // @ts-expect-error axe is the global the source above defined
    const result = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    return result.violations;
  });
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id}: ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).slice(0, 5).join(', ')}`);
}

async function expectAccessible(page: Page, path: string) {
  await page.goto(path);
  await hydrated(page);
  // A lazy route's chunk replaces the page's head entries as it arrives: check once settled.
  await page.waitForLoadState('networkidle');
  await expect(page).toHaveTitle(/Kitchen Pantry CRM$/);
  await expect(page.locator('.loading')).toHaveCount(0);
  expect(await seriousViolations(page), `${path}`).toEqual([]);
}

/** The first record a list links to. */
async function firstLink(page: Page, list: string, selector: string): Promise<string> {
  await page.goto(list);
  const href = await page.locator(selector).first().getAttribute('href');
  expect(href).toBeTruthy();
  return href ?? '';
}

test('every page a manager opens has no serious or critical accessibility violation', async ({ page }) => {
  test.setTimeout(180_000);
  const organization = await firstLink(page, '/organizations', 'a.row-link');
  const deal = await firstLink(page, '/pipeline', '.deal-card > a');
  const interaction = await firstLink(page, '/interactions', '.interaction .edit-link');
  await page.goto('/organizations/import');
  await hydrated(page);
  const csv = 'Name,City,Contact email\nAxe Bistro,Austin,\n,Nowhere,not-an-email\n';
  await page.getByLabel('CSV file', { exact: true }).setInputFiles({ name: 'axe.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await page.getByRole('button', { name: 'Upload and check' }).click();
  await page.waitForURL(/\/organizations\/import\/[0-9a-f-]+$/);
  const anImport = new URL(page.url()).pathname;
  for (const path of [
    '/',
    '/today',
    '/organizations',
    '/organizations/new',
    '/organizations/import',
    anImport,
    organization,
    `${organization}/edit`,
    `${organization}/contacts/new`,
    '/log',
    `/log?organization=${organization.split('/').pop()}`,
    '/interactions',
    interaction,
    '/pipeline',
    deal,
    `${deal}/edit`,
    `/opportunities/new?organization=${organization.split('/').pop()}`,
    '/dashboard',
    '/reports',
    '/search?q=pizza',
    '/account',
    '/does-not-exist',
  ]) {
    await expectAccessible(page, path);
  }
});

test.describe('a rep', () => {
  test.use({ storageState: stateFile('rep1') });
  test('Today, the quick log and the dashboard have no serious violation', async ({ page }) => {
    for (const path of ['/', '/log', '/dashboard', '/pipeline']) {
      await expectAccessible(page, path);
    }
  });
});

test.describe('an administrator', () => {
  test.use({ storageState: stateFile('admin') });
  test('user management, alerts and monitoring have no serious violation', async ({ page }) => {
    for (const path of ['/admin/users', '/alerts', '/monitoring', '/monitoring/route?route=%2Flogin&period=24h']) {
      await expectAccessible(page, path);
    }
  });
});

test.describe('signed out', () => {
  test.use({ storageState: { cookies: [], origins: [] } });
  test('the sign-in page has no serious violation', async ({ page }) => {
    await expectAccessible(page, '/login');
  });
});
