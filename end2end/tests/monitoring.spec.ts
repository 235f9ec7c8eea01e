import { expect } from '@playwright/test';
import { hydrated, stateFile, test } from './helpers';

// The monitoring dashboard (issue 9), as a manager (the default signed-in role here) on
// desktop and phone: after traffic of our own, the figures on screen are the performance
// and web vitals APIs' own; the charts switch period and read out; the page refreshes by
// itself; exports answer; a rep is refused.

const ROUTE = '/api/v1/organizations';

test('the dashboard shows the figures the performance API measures', async ({ page }, testInfo) => {
  // Traffic on a route the dashboard itself never calls, so its figures hold still.
  for (let i = 0; i < 12; i++) expect((await page.request.get(`${ROUTE}?per_page=5&page=${i + 1}`)).ok()).toBe(true);
  // A page view of a route of our own, so the web vitals panel has something to show.
  const route = `/monitoring-e2e-${testInfo.project.name}`;
  const beacon = await page.request.post('/api/v1/vitals', {
    data: { app_version: 'e2e', samples: [{ metric: 'LCP', value: 1234, route, device: 'desktop' }] },
  });
  expect(beacon.status()).toBe(204);

  await page.goto('/monitoring');
  await hydrated(page);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Monitoring');
  await expect(page.getByTestId('monitoring-status')).toContainText(/Status: (healthy|degraded|unhealthy)/);
  for (const card of ['requests_per_minute', 'p95_ms', 'error_rate', 'cache_hit_ratio', 'offline_pending', 'active_users']) {
    await expect(page.getByTestId(`card-${card}`)).toBeVisible();
  }
  // At least this test's user has been seen.
  expect(Number(await page.getByTestId('card-active_users').locator('.figure-value').textContent())).toBeGreaterThanOrEqual(1);

  // The routes table: the same requests and p95 as the performance API's last hour.
  const performance = await (await page.request.get('/api/v1/performance?window=1h')).json();
  const measured = performance.routes.find((r: { route: string }) => r.route === ROUTE);
  const row = page.getByTestId('routes-table').locator(`tr[data-route="${ROUTE}"]`);
  await expect(row.locator('td[data-label="Requests"]')).toHaveAttribute('data-value', String(measured.requests));
  expect(measured.requests).toBeGreaterThanOrEqual(12);
  expect(Number(await row.locator('td[data-label="p95"]').getAttribute('data-value'))).toBe(measured.p95_ms);
  // Sorted by p95 on request: the header link keeps the period.
  await page.getByRole('navigation', { name: 'Sort routes by' }).getByRole('link', { name: 'p95' }).click();
  await expect(page).toHaveURL(/period=1h&sort=p95/);
  const p95s = await page.getByTestId('routes-table').locator('td[data-label="p95"]').evaluateAll((cells) =>
    cells.map((c) => Number(c.getAttribute('data-value') ?? -1)),
  );
  expect(p95s).toEqual([...p95s].sort((a, b) => b - a));

  // The route's own page: its last hour (the same count) and its charts over the period.
  // Pointing into the table first holds the live refresh, which would re-sort the rows.
  await page.getByTestId('routes-table').hover();
  await page.getByTestId('routes-table').getByRole('link', { name: ROUTE, exact: true }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(`Route ${ROUTE}`);
  await expect(page.getByTestId('route-figures').locator('dd').first()).toHaveAttribute('data-value', String(measured.requests));
  await expect(page.locator('figure.line-chart')).toHaveCount(3);
  await page.getByRole('link', { name: '← Monitoring' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Monitoring');

  // Web vitals: the overall LCP p75 is the summary API's. The dashboard reuses a summary for
  // up to 15 s and pages keep sending beacons, so compare until its live refresh catches up.
  await expect(async () => {
    const vitals = await (await page.request.get('/api/v1/vitals/summary?window=1h')).json();
    const lcp = vitals.summaries.find((s: { metric: string; route: string | null; device: string | null }) =>
      s.metric === 'LCP' && s.route === null && s.device === null);
    const shown = lcp.p75 >= 1000 ? `${(lcp.p75 / 1000).toFixed(2)} s` : `${lcp.p75 >= 100 ? Math.round(lcp.p75) : lcp.p75.toFixed(1)} ms`;
    await expect(page.getByTestId('vital-LCP').locator('.figure-value')).toHaveText(shown, { timeout: 1_000 });
  }).toPass({ timeout: 40_000 });
  await expect(page.getByTestId('vital-LCP').getByRole('img')).toHaveAttribute('aria-label', /good, .* needs improvement, .* poor/);

  // Six charts; each reads out a point and opens as a table.
  const charts = page.locator('figure.line-chart');
  await expect(charts).toHaveCount(6);
  const latency = page.locator('figure[data-chart="throughput"]');
  await latency.locator('rect.chart-target').last().dispatchEvent('click');
  await expect(latency.locator('.chart-readout')).toContainText(/\d\d:\d\d: requests [\d.]+ \/min/);
  await latency.getByText('Data table').click();
  await expect(latency.locator('tbody tr')).toHaveCount(60);
  await page.getByRole('navigation', { name: 'Period' }).getByRole('link', { name: '24h' }).click();
  await expect(page).toHaveURL(/period=24h/);
  await expect(page.locator('figure[data-chart="throughput"] tbody tr')).toHaveCount(96);

  // Live: the figures refresh without a reload.
  const updated = await page.getByTestId('monitoring-updated').textContent();
  await expect(page.getByTestId('monitoring-updated')).not.toHaveText(updated ?? '', { timeout: 15_000 });

  // Exports of what is on screen.
  const csv = await page.request.get('/api/v1/monitoring?period=24h&format=csv');
  expect(csv.headers()['content-type']).toContain('text/csv');
  const text = await csv.text();
  expect(text.split('\n')[0]).toBe('section,item,measure,value');
  expect(text).toContain(`route,${ROUTE},requests,`);
  const json = await (await page.request.get('/api/v1/monitoring?period=7d')).json();
  expect(json.period).toBe('7d');
  expect(json.charts[0].times).toHaveLength(84);
  expect((await page.request.get('/api/v1/monitoring?period=2w')).status()).toBe(400);

  await page.goto('/monitoring');
  await hydrated(page);
  // The whole page on a desktop; a phone's first two screens (the whole page is many screens long).
  const phone = testInfo.project.name === 'phone';
  await page.screenshot({
    path: `../docs/monitoring-${testInfo.project.name}.png`,
    fullPage: !phone,
    clip: phone ? { x: 0, y: 0, width: page.viewportSize()?.width ?? 390, height: 2 * (page.viewportSize()?.height ?? 844) } : undefined,
  });
});

test('the dashboard holds still while a mouse points into a table', async ({ page }, testInfo) => {
  test.skip(testInfo.project.name === 'phone', 'a touch screen has no pointer resting on a table');
  test.setTimeout(60_000);
  await page.goto('/monitoring');
  await hydrated(page);
  const updated = page.getByTestId('monitoring-updated');
  await page.getByTestId('routes-table').hover();
  // A refresh asked for just before the pointer arrived may still land.
  await page.waitForTimeout(1_500);
  const held = (await updated.textContent()) ?? '';
  // Two refresh periods without a change (the page refreshes every 5 s otherwise).
  await page.waitForTimeout(11_000);
  await expect(updated).toHaveText(held);
  await page.mouse.move(1, 1);
  await expect(updated).not.toHaveText(held, { timeout: 15_000 });
});

test.describe('as a rep', () => {
  test.use({ storageState: stateFile('rep1') });

  test('the dashboard is refused', async ({ page }) => {
    const response = await page.goto('/monitoring');
    expect(response?.status()).toBe(403);
    await expect(page.getByRole('alert')).toContainText('Monitoring is for managers and administrators');
    await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Monitoring' })).toHaveCount(0);
    expect((await page.request.get('/api/v1/monitoring')).status()).toBe(403);
  });
});
