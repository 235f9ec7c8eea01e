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
    // The main menu counts firing alerts (this one at least) as the page is made.
    await expect(page.getByRole('navigation', { name: 'Main' }).locator('.nav-badge')).toHaveAttribute(
      'title',
      /^\d+ alerts? firing$/,
    );
    // And again after a client-side navigation (this alert still fires).
    await Promise.all([
      page.waitForResponse((r) => r.url().includes('/api/alerts/firing')),
      page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Today' }).click(),
    ]);
    await expect(page).toHaveURL(/\/today$/);
    await expect(page.getByRole('navigation', { name: 'Main' }).locator('.nav-badge')).toHaveAttribute(
      'title',
      /^\d+ alerts? firing$/,
    );
    await page.goto('/alerts');
    await hydrated(page);

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

  test('a notification channel is set up on the page, never shows its secrets, and is turned off', async ({
    page,
  }, testInfo) => {
    // Desktop and phone run at once on one server: each takes its own channel.
    const slack = testInfo.project.name === 'phone';
    const [name, addressLabel] = slack ? ['Slack', 'Incoming webhook address'] : ['Webhook', 'Address'];
    const item = page.locator(`.channel-item[data-channel="${slack ? 'slack' : 'webhook'}"]`);
    await page.goto('/alerts');
    await hydrated(page);
    await expect(item).toContainText('Off');

    await item.getByText(`Set up ${name}`).click();
    await item.getByLabel(addressLabel).fill('http://127.0.0.1:9/e2e-secret-path?token=e2e-token');
    if (!slack) {
      await item.getByLabel('Signing secret (optional)').fill('e2e-signing-secret');
    }
    await item.getByRole('button', { name: `Save ${name}` }).click();
    await expect(item.locator('.channel-status')).toContainText(
      `posts to 127.0.0.1:9${slack ? '' : ', signed'} · set up by admin@kitchenpantry.test`,
    );
    const html = await page.content();
    for (const secret of ['e2e-secret-path', 'e2e-token', 'e2e-signing-secret']) {
      expect(html).not.toContain(secret);
    }

    await item.getByRole('button', { name: `Turn off ${name}` }).click();
    await expect(item.locator('.channel-status')).toHaveText('Off');
  });

  test('a channel with a bad address is refused with the reason', async ({ page }, testInfo) => {
    test.skip(testInfo.project.name === 'phone', 'one run is enough: the server decides');
    const item = page.locator('.channel-item[data-channel="email"]');
    await page.goto('/alerts');
    await hydrated(page);
    await item.getByText('Set up Email').click();
    await item.getByLabel('Mail relay').fill('mail.example.com');
    await item.getByLabel('To (addresses, comma-separated)').fill('ops@example.com, nobody');
    await item.getByRole('button', { name: 'Save Email' }).click();
    const refusal = page.getByRole('region', { name: 'Notification channels' }).getByRole('alert');
    await expect(refusal).toContainText('Give the mail relay as smtp://');
    await expect(refusal).toContainText('“nobody” is not an email address.');
    await expect(item.locator('.channel-status')).toHaveText('Off');
  });
});

test('a manager sees alerts but cannot change rules', async ({ page }) => {
  await page.goto('/alerts');
  await expect(page.getByRole('heading', { name: 'Notification channels' })).toBeVisible();
  await expect(page.getByText(/^Set up /)).toHaveCount(0);
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
