import { expect } from '@playwright/test';
import { hydrated, stateFile, test, uniqueName } from './helpers';

// The e2e server evaluates alert rules every 2 s (ALERT_EVALUATE_SECS in playwright.config.ts).

test.describe('as an administrator', () => {
  test.use({ storageState: stateFile('admin') });

  test('a firing alert is acknowledged, silenced and resolved, and a rule is tested and disabled', async ({ page }) => {
    // A rule that fires at the next round: this test's own requests are traffic.
    const name = uniqueName('Traffic seen');
    const created = await page.request.post('/api/v1/alert-rules', {
      data: { name, metric: 'requests_per_minute', threshold: 0, window_minutes: 1 },
    });
    expect(created.status()).toBe(201);
    await page.goto('/alerts');
    await hydrated(page);
    const alert = page.locator('.alert-item', { hasText: name });
    await expect(async () => {
      await page.reload();
      await expect(alert).toContainText('Firing since', { timeout: 1_000 });
    }).toPass({ timeout: 20_000 });
    await expect(alert).toContainText('requests per minute above 0.0/min over 1 min');

    await alert.getByRole('button', { name: `Acknowledge ${name} on all requests` }).click();
    await expect(alert).toContainText('acknowledged by admin@kitchenpantry.test');
    await alert.getByRole('button', { name: `Silence 1 h ${name} on all requests` }).click();
    const silence = page.locator('.alert-item', { hasText: 'Silenced: one rule' });
    await expect(silence).toContainText('by admin@kitchenpantry.test');
    await silence.getByRole('button', { name: /End now/ }).click();
    await expect(page.locator('.alert-item', { hasText: 'Silenced: one rule' })).toHaveCount(0);

    const rule = page.getByRole('region', { name: 'Rules' }).locator('tr', { hasText: name });
    await rule.getByRole('button', { name: `Send test ${name}` }).click();
    // The test notification is in the delivery log, per rule and channel, with how it went.
    // Waiting on this rule's own row also waits out the reload that follows the button.
    const tested = page.locator('table.deliveries tbody tr', { hasText: name }).filter({ hasText: 'in_app' });
    await expect(tested.first()).toContainText('test');
    await expect(tested.first()).toContainText('sent (1×)');
    await rule.getByRole('button', { name: `Disable ${name}` }).click();
    await expect(page.getByRole('region', { name: 'Rules' }).locator('tr', { hasText: name })).toContainText('Disabled');
    await expect(page.locator('.alert-item', { hasText: name })).toHaveCount(0);

    await expect(page.locator('.event-list')).toContainText(`${name} acknowledged`);
    await expect(page.locator('.event-list')).toContainText(`${name} firing`);
  });
});

test('a manager sees alerts but cannot change rules', async ({ page }) => {
  await page.goto('/alerts');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Alerts');
  await expect(page.getByRole('heading', { name: 'Rules' })).toBeVisible();
  await expect(page.getByRole('button', { name: /^Send test/ })).toHaveCount(0);
  await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Alerts' })).toHaveCount(1);
});

test.describe('as a rep', () => {
  test.use({ storageState: stateFile('rep1') });

  test('the alerts page is refused', async ({ page }) => {
    const response = await page.goto('/alerts');
    expect(response?.status()).toBe(403);
    await expect(page.getByText('Alerts are for managers and administrators.')).toBeVisible();
  });
});
