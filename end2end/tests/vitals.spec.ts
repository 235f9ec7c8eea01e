import { expect, request as playwrightRequest } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hydrated, stateFile, test } from './helpers';

// Real-user monitoring: the WASM collector's Core Web Vitals reach the server when the page
// is hidden, and agree with Google's web-vitals library measuring the same page view. The
// library is loaded by this test only; the app never ships it.
const webVitals = readFileSync(join(__dirname, '..', 'node_modules', 'web-vitals', 'dist', 'web-vitals.iife.js'), 'utf8');

test.use({ storageState: stateFile('rep1') });

type Sample = { metric: string; value: number; route: string; device: string; navigation?: string };

test('the collector reports every vital on hiding, in agreement with web-vitals', async ({ page, baseURL }) => {
  await page.addInitScript(`${webVitals}
    window.__reference = {};
    for (const on of ['onLCP', 'onCLS', 'onINP', 'onFCP', 'onTTFB']) {
      webVitals[on]((metric) => { window.__reference[metric.name] = metric.value; }, { reportAllChanges: true });
    }`);
  await page.goto('/today');
  await hydrated(page);
  // Shifts within 500 ms of an input do not count (hadRecentInput), and the phone emulation
  // registers one early in the load (lastInputTime about 430 ms): wait past that window.
  await page.waitForFunction(() => performance.now() > 1_000);

  // A known layout shift with no input before it: a banner pushes the page down.
  await page.evaluate(() => {
    const banner = document.createElement('div');
    banner.style.height = '160px';
    banner.textContent = 'Shifted';
    document.querySelector('main')?.prepend(banner);
  });
  await page.waitForTimeout(300);
  // An interaction that keeps the main thread busy for 120 ms: INP exists and is long.
  await page.evaluate(() => {
    const button = document.createElement('button');
    button.id = 'slow-button';
    button.textContent = 'Slow';
    button.style.cssText = 'position: fixed; bottom: 0; right: 0';
    button.addEventListener('click', () => {
      const until = performance.now() + 120;
      while (performance.now() < until);
    });
    document.body.append(button);
  });
  await page.click('#slow-button');
  await page.waitForTimeout(500);

  const beacon = page.waitForRequest((r) => r.url().endsWith('/api/v1/vitals') && r.method() === 'POST');
  await page.evaluate(() => {
    Object.defineProperty(document, 'visibilityState', { value: 'hidden', configurable: true });
    document.dispatchEvent(new Event('visibilitychange'));
  });
  const sent = JSON.parse((await beacon).postData() ?? '{}') as { samples: Sample[] };
  const ours = Object.fromEntries(sent.samples.map((s) => [s.metric, s]));
  const reference = (await page.evaluate(() => (window as unknown as { __reference: Record<string, number> }).__reference)) ?? {};

  for (const metric of ['LCP', 'CLS', 'INP', 'FCP', 'TTFB']) {
    expect(ours[metric], `${metric} is reported`).toBeDefined();
    expect(ours[metric].route).toBe('/today');
    expect(reference[metric], `web-vitals measured ${metric}`).toBeDefined();
  }
  const agreement = Object.fromEntries(
    ['LCP', 'CLS', 'INP', 'FCP', 'TTFB'].map((m) => [m, { ours: ours[m].value, reference: reference[m] }]),
  );
  test.info().annotations.push({ type: 'vitals vs web-vitals', description: JSON.stringify(agreement) });
  console.log(`[${test.info().project.name}] ours vs web-vitals: ${JSON.stringify(agreement)}`);

  // Sane values, and the same as the reference: timings to the millisecond, CLS to a
  // thousandth, INP within one frame.
  expect(ours.CLS.value).toBeGreaterThan(0.01);
  expect(ours.INP.value).toBeGreaterThanOrEqual(120);
  expect(ours.LCP.value).toBeGreaterThan(0);
  for (const metric of ['LCP', 'FCP', 'TTFB']) {
    expect(Math.abs(ours[metric].value - reference[metric]), metric).toBeLessThanOrEqual(1);
  }
  expect(Math.abs(ours.CLS.value - reference.CLS)).toBeLessThanOrEqual(0.001);
  expect(Math.abs(ours.INP.value - reference.INP)).toBeLessThanOrEqual(16);
  expect(ours.FID?.value ?? 0).toBeGreaterThanOrEqual(0);

  // The server has them, summarized for the dashboard.
  const manager = await playwrightRequest.newContext({ baseURL, storageState: stateFile('manager') });
  await expect(async () => {
    const summary = await (await manager.get('/api/v1/vitals/summary?window=1h')).json();
    const today = summary.summaries.filter((s: { route: string | null; device: string | null }) => s.route === '/today' && s.device === null);
    expect(today.map((s: { metric: string }) => s.metric)).toEqual(expect.arrayContaining(['LCP', 'CLS', 'INP', 'FCP', 'TTFB']));
  }).toPass({ timeout: 10_000 });
  await manager.dispose();
});

test('vitals measured offline wait on the device and go when the network is back', async ({ page, context }) => {
  await page.goto('/today');
  await hydrated(page);
  await context.setOffline(true);
  await page.evaluate(() => {
    Object.defineProperty(document, 'visibilityState', { value: 'hidden', configurable: true });
    document.dispatchEvent(new Event('visibilitychange'));
  });
  const waiting = () => page.evaluate(() => (JSON.parse(localStorage.getItem('kp.vitals') ?? '[]') as string[]).length);
  await expect.poll(waiting).toBe(1);

  const beacon = page.waitForRequest((r) => r.url().endsWith('/api/v1/vitals') && r.method() === 'POST');
  await context.setOffline(false);
  const sent = JSON.parse((await beacon).postData() ?? '{}') as { samples: Sample[] };
  expect(sent.samples.map((s) => s.metric)).toEqual(expect.arrayContaining(['TTFB', 'FCP', 'CLS']));
  await expect.poll(waiting).toBe(0);
});

test('a route change inside the app is measured, and errors the page meets are reported', async ({ page, baseURL }) => {
  await page.goto('/today');
  await hydrated(page);
  // A soft navigation: the organizations list, its code and data loaded by the router.
  // (Clicked from script: on a phone the main menu may be folded away.)
  await page.evaluate(() => document.querySelector<HTMLElement>('nav[aria-label="Main"] a[href="/organizations"]')?.click());
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Organizations');
  await page.waitForTimeout(200);

  // An uncaught exception and an unhandled rejection, each sent at once.
  const errors: { kind: string; message: string; route: string }[] = [];
  page.on('request', (r) => {
    if (r.url().endsWith('/api/v1/vitals')) errors.push(...(JSON.parse(r.postData() ?? '{}').errors ?? []));
  });
  await page.evaluate(() => {
    setTimeout(() => {
      throw new Error('vitals e2e: a handler failed');
    });
    void Promise.reject(new Error('vitals e2e: nobody caught this'));
  });
  await expect.poll(() => errors.map((e) => e.kind).sort()).toEqual(['error', 'rejection']);
  expect(errors.every((e) => e.route === '/organizations')).toBe(true);

  const beacon = page.waitForRequest((r) => r.url().endsWith('/api/v1/vitals') && r.method() === 'POST');
  await page.evaluate(() => {
    Object.defineProperty(document, 'visibilityState', { value: 'hidden', configurable: true });
    document.dispatchEvent(new Event('visibilitychange'));
  });
  const sent = JSON.parse((await beacon).postData() ?? '{}') as { samples: Sample[] };
  const navigation = sent.samples.find((s) => s.metric === 'NAV');
  expect(navigation, 'the route change is reported').toBeDefined();
  expect(navigation?.route).toBe('/organizations');
  expect(navigation?.navigation).toBe('soft');
  expect(navigation?.value).toBeGreaterThan(0);
  expect(navigation?.value).toBeLessThan(10_000);
  console.log(`[${test.info().project.name}] soft navigation /today → /organizations: ${navigation?.value} ms`);
  // The page's own vitals belong to where it was loaded.
  expect(sent.samples.find((s) => s.metric === 'TTFB')?.route).toBe('/today');

  // The server files the browser's errors beside its own.
  const manager = await playwrightRequest.newContext({ baseURL, storageState: stateFile('manager') });
  // The errors travel in a beacon of their own, which may land after the vitals.
  await expect(async () => {
    const filed = await (await manager.get('/api/v1/errors')).json();
    const kinds = filed.groups.map((g: { kind: string }) => g.kind);
    expect(kinds).toContain('browser error: Uncaught Error: vitals e2e: a handler failed');
    expect(kinds).toContain('browser rejection: vitals e2e: nobody caught this');
  }).toPass({ timeout: 10_000 });
  await manager.dispose();
});
