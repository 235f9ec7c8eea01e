import { expect, Page } from '@playwright/test';
import { hydrated, stateFile, test, uniqueName, UUID } from './helpers';

/** Today's date (UTC, as the app shows dates) plus `days`, as YYYY-MM-DD. */
function isoDay(days: number): string {
  const d = new Date();
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** The first account rep1 is offered in step 1 (their most recently visited). */
async function firstChoice(page: Page): Promise<string> {
  const first = page.locator('#log-choices a').first();
  await expect(first).toBeVisible();
  return (await first.locator('strong').textContent()) ?? '';
}

test.describe('a rep logs visits', () => {
  test.use({ storageState: stateFile('rep1') });

  test('the home page is Today, and the quick log takes five steps', async ({ page }) => {
    await page.goto('/');
    await hydrated(page);
    await expect(page.getByRole('heading', { level: 1 })).toContainText('Today');
    await expect(page.getByRole('heading', { name: 'Overdue' })).toBeVisible();
    await expect(page.getByRole('heading', { name: /A accounts not visited/ })).toBeVisible();

    // Step 1: the persistent action, then the type-ahead (recently visited first).
    await page.getByRole('link', { name: 'Log visit' }).first().click();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Log a visit');
    const name = await firstChoice(page);
    const search = page.getByLabel('Which organization?');
    await search.fill(name.slice(0, 6));
    // The seed's generated names repeat: two accounts may share the first choice's name.
    await expect(page.locator('#log-choices a', { hasText: name }).first()).toBeVisible();
    await search.press('ArrowDown');
    await expect(page.locator('#log-choices a').first()).toBeFocused();
    await page.locator('#log-choices a', { hasText: name }).first().click();

    // Steps 2–5: a visit is the default; how it went, notes, next step.
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(`Log a visit · ${name}`);
    await expect(page.getByRole('radio', { name: 'Visit' })).toBeChecked();
    await page.getByText('Order placed', { exact: true }).click();
    await page.getByLabel('4 · Notes').fill('Tasted the new burrata; ordered two cases.');
    await page.getByText('Tasting · in 3 days').click();
    await expect(page.getByLabel('Follow up on')).toHaveValue(isoDay(3));
    await expect(page.getByLabel('Next step note')).toHaveValue('Tasting');
    await page.getByRole('button', { name: 'Save visit' }).click();

    await expect(page).toHaveURL(new RegExp(`/organizations/${UUID.source}#activity$`));
    // By its note: another test may log to the same account in the same minute.
    const entry = page.locator('#activity .interaction', { hasText: 'Tasted the new burrata' }).first();
    await expect(entry).toContainText('Order placed');
    await expect(entry).toContainText('Tasting');
  });

  test('a draft survives a reload, and a follow-up is one tap from the visit that completes it', async ({ page }) => {
    await page.goto('/log');
    await hydrated(page);
    const name = await firstChoice(page);
    await page.locator('#log-choices a').first().click();
    await hydrated(page);
    await page.getByText('Call', { exact: true }).click();
    await page.getByLabel('4 · Notes').fill('Chef wants a tasting today');
    await page.getByLabel('Follow up on').fill(isoDay(0));
    await page.getByLabel('Follow up on').dispatchEvent('change');
    await page.reload();
    await hydrated(page);
    await expect(page.getByText('What you typed before is back.')).toBeVisible();
    await expect(page.getByLabel('4 · Notes')).toHaveValue('Chef wants a tasting today');
    await expect(page.getByRole('radio', { name: 'Call', exact: true })).toBeChecked();
    await page.getByRole('button', { name: 'Save visit' }).click();
    await expect(page).toHaveURL(/#activity$/);

    // Due today on Today; its "Log visit" opens the log that completes it.
    await page.goto('/today');
    const dueToday = page.locator('#due-today li', { hasText: name }).filter({ hasText: 'Chef wants' }).first();
    const item = page.locator('#due-today li', { hasText: name }).first();
    await expect(item).toBeVisible();
    await item.getByRole('link', { name: /Log visit/ }).click();
    await expect(page.getByText(/This completes the follow-up due/)).toBeVisible();
    await hydrated(page);
    await page.getByRole('button', { name: 'Save visit' }).click();
    await expect(page).toHaveURL(/#activity$/);
    await page.goto('/today');
    await expect(dueToday).toHaveCount(0);
  });

  test('an interaction is edited afterwards, and its history shows the change', async ({ page }) => {
    // A visit of its own, so no other test edits it meanwhile.
    const note = uniqueName('Edited later');
    await page.goto('/log');
    await page.locator('#log-choices a').first().click();
    await hydrated(page);
    await page.getByLabel('4 · Notes').fill(note);
    await page.getByRole('button', { name: 'Save visit' }).click();
    await expect(page).toHaveURL(/#activity$/);

    await page.goto('/interactions?user=me');
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Your interactions');
    await page.locator('.interaction', { hasText: note }).locator('.edit-link').click();
    await expect(page.getByRole('heading', { level: 1 })).toContainText('Edit interaction');
    await hydrated(page);
    await page.getByText('Demo', { exact: true }).click();
    await page.getByRole('button', { name: 'Save changes' }).click();
    await expect(page).toHaveURL(/#activity$/);
    await expect(page.locator('.interaction', { hasText: note })).toContainText('Demo');
    await page.goBack();
    await page.reload();
    await expect(page.locator('.history')).toContainText('Updated by Riley Rep');
    await expect(page.locator('.history')).toContainText('demo');
  });
});

test.describe('without JavaScript', () => {
  test.use({ storageState: stateFile('rep1'), javaScriptEnabled: false });

  test('the quick log works as plain forms', async ({ page }) => {
    await page.goto('/log');
    const name = await firstChoice(page);
    await page.getByLabel('Which organization?').fill(name);
    await page.getByRole('button', { name: 'Find' }).click();
    await expect(page).toHaveURL(/\/log\?q=/);
    await page.locator('#log-choices a', { hasText: name }).first().click();
    await page.getByText('Menu planning · in 5 days').click();
    await page.getByRole('button', { name: 'Save visit' }).click();
    await expect(page).toHaveURL(new RegExp(`/organizations/${UUID.source}`));
    const entry = page.locator('#activity .interaction').first();
    await expect(entry).toContainText('Positive');
    await expect(entry).toContainText('Menu planning');
  });

  test('a bad date comes back with a field error and nothing typed lost', async ({ page }) => {
    await page.goto('/log');
    await page.locator('#log-choices a').first().click();
    await page.getByLabel('4 · Notes').fill('Kept after the error');
    await page.getByText('Date and duration').click();
    await page.getByLabel('Date', { exact: true }).fill(isoDay(5));
    await page.getByRole('button', { name: 'Save visit' }).click();
    await expect(page.locator('#f-occurred-on-error')).toContainText('cannot be in the future');
    await expect(page.getByLabel('4 · Notes')).toHaveValue('Kept after the error');
  });
});

test('a manager sees the team in the interactions list and the history of an account', async ({ page }) => {
  await page.goto('/interactions');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Interactions');
  await expect(page.locator('.interaction').first()).toBeVisible();
  await page.getByLabel('Kind').selectOption('tasting');
  await page.getByRole('button', { name: 'Apply' }).click();
  await expect(page).toHaveURL(/kind=tasting/);
  // The address changes before the filtered list replaces the old one: wait for the list.
  const kinds = async () => [...new Set(await page.locator('.interaction .kind').allTextContents())];
  await expect.poll(kinds).toEqual(['Tasting']);
  await page.locator('.interaction a[href^="/organizations/"]').first().click();
  await expect(page.getByRole('heading', { name: 'History' })).toBeVisible();
});
