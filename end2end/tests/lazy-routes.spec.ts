import { expect } from '@playwright/test';
import { hydrated, test, uniqueName } from './helpers';

test('a lazy route fetches its code only when it is opened', async ({ page }) => {
  const wasm: string[] = [];
  let documents = 0;
  page.on('request', (request) => {
    const path = new URL(request.url()).pathname;
    if (path.endsWith('.wasm')) wasm.push(path);
  });

  await page.goto('/organizations');
  await hydrated(page);
  // The entry page needs only the main bundle.
  expect(wasm.filter((p) => /\/(chunk_|split_)/.test(p))).toEqual([]);
  expect(wasm.filter((p) => /\/kitchen-pantry\.[^/]+\.wasm$/.test(p))).toHaveLength(1);

  page.on('request', (request) => {
    if (request.resourceType() === 'document') documents += 1;
  });
  const link = page.locator('table.organizations tbody a.row-link').first();
  const name = (await link.innerText()).trim();
  await link.click();
  await expect(page.getByRole('heading', { level: 1 })).toContainText(name);
  await expect(page.getByRole('heading', { name: 'Contacts' })).toBeVisible();

  // Client-side navigation, with the detail page's chunk fetched on the way.
  expect(documents).toBe(0);
  expect(wasm.some((p) => /\/split_+organization_detail_page_view_\d+\.[^/]+\.wasm$/.test(p))).toBe(true);

  // The form's chunks arrive only when the form is opened.
  expect(wasm.some((p) => /organization_page_view/.test(p) && !/detail/.test(p))).toBe(false);
  await page.getByRole('link', { name: 'Edit', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(`Edit ${name}`);
  expect(documents).toBe(0);
});

test('a form fetches the code of the page its save opens while it is filled in', async ({ page }) => {
  const wasm: string[] = [];
  page.on('request', (request) => {
    const path = new URL(request.url()).pathname;
    if (path.endsWith('.wasm')) wasm.push(path);
  });
  const organizationPage = (path: string) => /\/split_+organization_detail_page_view_\d+\.[^/]+\.wasm$/.test(path);

  await page.goto('/log');
  await page.locator('#log-choices a').first().click();
  await hydrated(page);
  await expect(page.getByRole('heading', { level: 1 })).toContainText('Log a visit · ');
  // Once the quick log is idle, the organization page's code arrives…
  await expect.poll(() => wasm.some(organizationPage)).toBe(true);
  await page.getByLabel('4 · Notes').fill(uniqueName('Preloaded'));
  const fetchedBefore = wasm.length;
  await page.getByRole('button', { name: 'Save visit' }).click();
  await expect(page).toHaveURL(/#activity$/);
  await expect(page.getByRole('heading', { name: 'Contacts' })).toBeVisible();
  // …so the save opens it without fetching any code.
  expect(wasm.slice(fetchedBefore)).toEqual([]);
});
