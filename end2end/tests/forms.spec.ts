import { expect, Page } from '@playwright/test';
import { hydrated, stateFile, test, uniqueName, UUID } from './helpers';

async function fillNewOrganization(page: Page, name: string) {
  await page.getByRole('textbox', { name: 'Name', exact: true }).fill(name);
  await page.getByLabel('Priority').selectOption('A');
  await page.getByLabel('Segment').selectOption('fine_dining');
  await page.getByLabel('Phone').fill('555.123.4567');
  await page.getByLabel('Email').fill('Chef@Example.COM');
  await page.getByLabel('City').fill('Austin');
  await page.getByLabel('Annual revenue').fill('1,250,000');
}

async function expectCreated(page: Page, name: string) {
  await expect(page).toHaveURL(new RegExp(`/organizations/${UUID.source}$`));
  await expect(page.getByRole('heading', { level: 1 })).toContainText(name);
  await expect(page.getByRole('link', { name: '(555) 123-4567' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'chef@example.com' })).toBeVisible();
  await expect(page.getByText('$1,250,000')).toBeVisible();
}

async function submitInvalid(page: Page) {
  await page.getByRole('textbox', { name: 'Name', exact: true }).fill('   ');
  await page.getByLabel('Phone').fill('12');
  await page.getByLabel('Email').fill('chef-at-example');
  await page.getByRole('button', { name: 'Create organization' }).click();
}

async function expectFieldErrors(page: Page) {
  await expect(page.getByRole('alert')).toContainText('Please correct the 3 highlighted fields.');
  await expect(page.locator('#f-name-error')).toHaveText('Name is required.');
  await expect(page.locator('#f-phone-error')).toContainText('too short');
  await expect(page.locator('#f-email-error')).toContainText('is not an email address');
  const phone = page.getByLabel('Phone');
  await expect(phone).toHaveAttribute('aria-invalid', 'true');
  await expect(phone).toHaveAttribute('aria-describedby', /f-phone-error/);
  // Nothing typed is lost.
  await expect(phone).toHaveValue('12');
  await expect(page.getByLabel('Email')).toHaveValue('chef-at-example');
}

test.describe('with JavaScript', () => {
  test('create an organization, then add a contact', async ({ page }) => {
    const name = uniqueName('Bistro JS');
    await page.goto('/organizations/new');
    await hydrated(page);
    await fillNewOrganization(page, name);
    await page.getByRole('button', { name: 'Create organization' }).click();
    await expectCreated(page, name);

    await page.getByRole('link', { name: 'Add contact' }).click();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(`New contact at ${name}`);
    await page.getByLabel('First name').fill('Mario');
    await page.getByLabel('Last name').fill('Rossi');
    await page.getByLabel('Position').selectOption('executive_chef');
    await page.getByLabel('Mobile').fill('(555) 987-6543');
    await page.getByLabel('Primary contact').check();
    await page.getByRole('button', { name: 'Add contact' }).click();
    await expect(page).toHaveURL(new RegExp(`/organizations/${UUID.source}#contacts$`));
    const contact = page.locator('.contact', { hasText: 'Mario Rossi' });
    await expect(contact).toContainText('Executive Chef');
    await expect(contact).toContainText('Primary');
    await expect(contact.getByRole('link', { name: /\(555\) 987-6543/ })).toBeVisible();
  });

  test('invalid input shows field errors', async ({ page }) => {
    await page.goto('/organizations/new');
    await hydrated(page);
    await submitInvalid(page);
    await expectFieldErrors(page);
    await expect(page).toHaveURL(/\/organizations\/new$/);
  });

  test('editing from a stale page is refused, not silently overwritten', async ({ page, browser }) => {
    const name = uniqueName('Stale Cafe');
    await page.goto('/organizations/new');
    await hydrated(page);
    await page.getByRole('textbox', { name: 'Name', exact: true }).fill(name);
    await page.getByRole('button', { name: 'Create organization' }).click();
    await expect(page.getByRole('heading', { level: 1 })).toContainText(name);
    const edit = page.url() + '/edit';

    await page.goto(edit);
    await hydrated(page);
    const other = await browser.newPage({ storageState: stateFile('manager') });
    await other.goto(edit);
    await other.getByLabel('City').fill('Boston');
    await other.getByRole('button', { name: 'Save changes' }).click();
    await expect(other.locator('dl.facts').getByText('Boston')).toBeVisible();
    await other.close();

    await page.getByLabel('City').fill('Salem');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await expect(page.getByRole('alert')).toContainText('Someone else changed this record');
  });
});

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });

  test('create and edit an organization', async ({ page }) => {
    const name = uniqueName('Bistro HTML');
    await page.goto('/organizations/new');
    await fillNewOrganization(page, name);
    await page.getByRole('button', { name: 'Create organization' }).click();
    await expectCreated(page, name);

    await page.getByRole('link', { name: 'Edit', exact: true }).click();
    await page.getByLabel('City').fill('Round Rock');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await expect(page).toHaveURL(new RegExp(`/organizations/${UUID.source}$`));
    await expect(page.locator('dl.facts').getByText('Round Rock')).toBeVisible();
    // The change is in the record's history too.
    await expect(page.locator('#history')).toContainText('Round Rock');
    await expect(page.getByText(/Version 2$/)).toBeVisible();
  });

  test('invalid input shows field errors and keeps what was typed', async ({ page }) => {
    await page.goto('/organizations/new');
    await submitInvalid(page);
    await expect(page).toHaveURL(/\/organizations\/new\?.*__err=/);
    await expectFieldErrors(page);
  });
});
