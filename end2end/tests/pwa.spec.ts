import { chromium, expect, Page } from '@playwright/test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hydrated, test } from './helpers';

test.use({ serviceWorkers: 'allow' });

/** Waits until the service worker controls the page (installed, precached, activated, claimed). */
async function controlled(page: Page): Promise<void> {
  await page.evaluate(() => navigator.serviceWorker.ready);
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
}

test('the app meets Chromium installability criteria with its own icons', async ({ request, baseURL }) => {
  // Test contexts are incognito, where Chromium never installs: check in a profile of its own.
  const profile = mkdtempSync(join(tmpdir(), 'kp-install-'));
  const context = await chromium.launchPersistentContext(profile, { ...test.info().project.use.launchOptions, baseURL });
  try {
    const page = await context.newPage();
    await page.goto('/login');
    await hydrated(page);
    await controlled(page);
    const cdp = await context.newCDPSession(page);
    const manifest = await cdp.send('Page.getAppManifest');
    expect(manifest.errors).toEqual([]);
    const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors');
    expect(installabilityErrors).toEqual([]);
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }

  const manifest = await (await request.get('/manifest.webmanifest')).json();
  expect(manifest.display).toBe('standalone');
  expect(manifest.shortcuts.map((s: { name: string }) => s.name)).toEqual(['Log visit', 'Today']);
  for (const icon of manifest.icons.filter((i: { type: string }) => i.type === 'image/png')) {
    const response = await request.get(icon.src);
    expect(response.headers()['content-type']).toBe('image/png');
    const png = await response.body();
    // IHDR: width and height as the manifest says.
    expect(`${png.readUInt32BE(16)}x${png.readUInt32BE(20)}`).toBe(icon.sizes);
  }
  expect(manifest.icons.some((i: { purpose: string }) => i.purpose === 'maskable')).toBe(true);
});

test('the service worker precaches every file of the build, split route chunks included', async ({ page, request }) => {
  await page.goto('/');
  await hydrated(page);
  await controlled(page);
  const script = await (await request.get('/sw.js')).text();
  const precache = JSON.parse(script.match(/const PRECACHE = (\{.*?\});/)![1]);
  const chunks = precache.assets.filter((a: string) => /\.wasm$/.test(a));
  expect(chunks.length).toBeGreaterThan(10);
  const cached = await page.evaluate(async (version) => {
    const cache = await caches.open(`kp-assets-${version}`);
    return (await cache.keys()).map((r) => new URL(r.url).pathname).sort();
  }, precache.version);
  expect(cached).toEqual([...precache.assets].sort());
});

test('pages open offline: visited ones as they were, others in the offline shell', async ({ page, context }) => {
  await page.goto('/organizations');
  await hydrated(page);
  await controlled(page);
  // Opened online once (now under the worker), so a copy is kept.
  await page.goto('/organizations');
  await hydrated(page);
  const first = (await page.locator('table.organizations tbody a.row-link').first().innerText()).trim();

  await context.setOffline(true);
  const opened = Date.now();
  await page.goto('/organizations');
  await expect(page.locator('table.organizations tbody a.row-link').first()).toHaveText(first);
  await hydrated(page);
  const offlineOpenMs = Date.now() - opened;
  test.info().annotations.push({ type: 'offline open (ms)', description: String(offlineOpenMs) });
  console.log(`[${test.info().project.name}] a kept page opened offline and hydrated in ${offlineOpenMs} ms`);

  // Never opened: the offline shell mounts the app there, which says what works offline.
  await page.goto('/reports');
  await hydrated(page);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('You seem to be offline');
  await expect(page.getByTestId('sync-indicator')).toContainText('Offline');
  await page.getByRole('link', { name: 'Pages kept offline' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText("You're offline");
  const kept = page.locator('#kept-pages a');
  await expect(kept.filter({ hasText: 'Organizations' })).toHaveAttribute('href', '/organizations');
  await kept.filter({ hasText: 'Organizations' }).click();
  await expect(page.locator('table.organizations')).toBeVisible();

  await context.setOffline(false);
  await page.goto('/reports');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Reports');
});

test('a new version announces itself and reloads on request', async ({ page, context }) => {
  await page.goto('/');
  await hydrated(page);
  await controlled(page);
  // What the worker of a new build says to the pages of the old one when it takes over.
  const [worker] = context.serviceWorkers();
  await worker.evaluate(async () => {
    const pages = await (self as unknown as ServiceWorkerGlobalScope).clients.matchAll({ type: 'window' });
    pages.forEach((p) => p.postMessage({ type: 'version-ready', version: 'next' }));
  });
  const notice = page.getByRole('status').filter({ hasText: 'A new version of Kitchen Pantry CRM is ready.' });
  await expect(notice).toBeVisible();
  await Promise.all([page.waitForEvent('load'), notice.getByRole('button', { name: 'Reload' }).click()]);
  await hydrated(page);
  await expect(notice).toHaveCount(0);
});

/** Fires what Chromium fires when the app may be installed; its `prompt()` is recorded. */
async function offerInstall(page: Page): Promise<boolean> {
  return page.evaluate(() => {
    const offer = new Event('beforeinstallprompt', { cancelable: true });
    Object.assign(offer, { prompt: () => document.documentElement.setAttribute('data-test-prompted', '') });
    window.dispatchEvent(offer);
    return offer.defaultPrevented;
  });
}

test('the install offer waits for the first tap, installs, and stays away once dismissed', async ({ page }) => {
  const offer = page.locator('#install-offer');
  await page.goto('/organizations');
  await hydrated(page);
  // The browser's own bar is kept away; our notice is not shown on arrival (it would be the
  // page's Largest Contentful Paint and cover what the rep came to see).
  expect(await offerInstall(page)).toBe(true);
  await expect(offer).toHaveCount(0);
  await page.locator('h1').click();
  await expect(offer).toBeVisible();
  await offer.getByRole('button', { name: 'Install' }).click();
  await expect(page.locator('html[data-test-prompted]')).toHaveCount(1);
  await expect(offer).toHaveCount(0);

  // After a first tap, a later offer is shown at once; "Not now" is remembered on this device.
  await page.reload();
  await hydrated(page);
  await page.locator('h1').click();
  await offerInstall(page);
  await expect(offer).toBeVisible();
  await offer.getByRole('button', { name: 'Not now' }).click();
  await expect(offer).toHaveCount(0);
  await page.reload();
  await hydrated(page);
  await page.locator('h1').click();
  await offerInstall(page);
  await expect(offer).toHaveCount(0);
});
