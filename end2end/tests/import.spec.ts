import { expect, Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { hydrated, test, uniqueName } from './helpers';

/** Uploads `csv` from the import page and waits for the check. */
async function upload(page: Page, csv: string) {
  await page.goto('/organizations/import');
  await hydrated(page);
  await page.getByLabel('CSV file', { exact: true }).setInputFiles({ name: 'accounts.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await page.getByRole('button', { name: 'Upload and check' }).click();
  await expect(page.getByRole('heading', { name: 'Import of accounts.csv' })).toBeVisible();
  await hydrated(page);
}

test('a manager imports a CSV with a bad row, reads the error report, and updates duplicates on a second import', async ({ page }) => {
  const tag = uniqueName('Imported');
  const email = `ana.${Date.now().toString(36)}@bistro.test`;
  const header = 'Name,City,Priority,Contact first name,Contact last name,Contact email';
  const csv = [
    header,
    `${tag} Bistro,Austin,A,Ana,Lopez,${email}`,
    `${tag} Diner,Dallas,B,,,`,
    ',Houston,C,,,',
    `${tag} Bistro,Austin,B,,,`,
  ].join('\n');

  await page.goto('/organizations');
  await hydrated(page);
  await page.getByRole('link', { name: 'Import CSV' }).click();
  await expect(page.getByRole('heading', { name: 'Import organizations' })).toBeVisible();
  await upload(page, csv);

  const preview = page.locator('.import-preview');
  await expect(preview).toContainText(`${tag} Diner`);
  await expect(preview.locator('tr', { hasText: 'Houston' })).toContainText('Name is required.');
  await expect(preview.locator('tr').nth(4)).toContainText('Same name and city as row 2');
  await expect(page.locator('.import-counts')).toContainText('2 new organizations');

  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'Download the error report' }).click(),
  ]);
  const report = readFileSync(await download.path(), 'utf8').replace(/^\uFEFF/, '').trim().split(/\r?\n/);
  expect(report[0]).toBe(`Row,Problems,${header}`);
  expect(report[1]).toBe('4,Name is required.,,Houston,C,,,');
  expect(report[2]).toContain('5,Same name and city as row 2');

  await page.getByRole('button', { name: 'Import 2 rows' }).click();
  await expect(page.locator('.alert.success')).toContainText(
    'Import finished. 2 created, 0 updated, 0 skipped as duplicates, 2 not imported.',
  );
  await page.getByRole('link', { name: 'See the organizations' }).click();
  await page.goto(`/organizations?q=${encodeURIComponent(tag)}`);
  await expect(page.locator('a.row-link')).toHaveText([`${tag} Bistro`, `${tag} Diner`]);

  // The same accounts again, the bistro now priority C: both match; update them.
  await upload(page, [header, `${tag} Bistro,Austin,C,Ana,Lopez,${email}`, `${tag} Diner,Dallas,,,,`].join('\n'));
  await expect(page.locator('.import-counts')).toContainText('2 match an existing organization');
  await expect(page.locator('.import-preview')).toContainText(`Matches ${tag} Bistro (same name and city)`);
  await page.getByText('Update the existing organization').click();
  await page.getByRole('button', { name: 'Import 2 rows' }).click();
  await expect(page.locator('.alert.success')).toContainText('0 created, 2 updated');
  await page.goto(`/organizations?q=${encodeURIComponent(tag + ' Bistro')}`);
  await expect(page.locator('tbody tr').first().locator('.badge')).toHaveText('Priority C');
});

test('a file that is not CSV text is refused with what to do', async ({ page }) => {
  await page.goto('/organizations/import');
  await hydrated(page);
  await page.getByLabel('CSV file', { exact: true }).setInputFiles({
    name: 'accounts.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from([0x4e, 0x61, 0x6d, 0x65, 0x0a, 0x43, 0x61, 0x66, 0xe9, 0x0a]),
  });
  await page.getByRole('button', { name: 'Upload and check' }).click();
  await expect(page.getByRole('alert')).toContainText('The file is not UTF-8 text: line 2');
  await expect(page.getByRole('button', { name: 'Upload and check' })).toBeVisible();
});

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });
  test('the upload, the check and the import work as plain pages', async ({ page }) => {
    const tag = uniqueName('Plain import');
    await page.goto('/organizations/import');
    await page.getByLabel('CSV file', { exact: true }).setInputFiles({
      name: 'accounts.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(`Name,City\n${tag},Austin\n`),
    });
    await page.getByRole('button', { name: 'Upload and check' }).click();
    await expect(page.locator('.import-preview')).toContainText(tag);
    await page.getByRole('button', { name: 'Import 1 row' }).click();
    // The progress page reloads itself until the import is done.
    await expect(page.locator('.alert.success')).toContainText('1 created', { timeout: 15_000 });
  });
});
