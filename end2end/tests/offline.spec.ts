import { APIRequestContext, expect, Page, request as playwrightRequest } from '@playwright/test';
import { randomUUID } from 'node:crypto';
import { hydrated, stateFile, test, uniqueName } from './helpers';

// Offline writes (architecture.md, "Offline and sync"): what a rep saves without a network is
// kept on the phone, survives a reload, and reaches the server exactly once.
test.use({ serviceWorkers: 'allow', storageState: stateFile('rep1') });

/** Waits until the service worker controls the page and the copy on the device is made. */
async function ready(page: Page): Promise<void> {
  await hydrated(page);
  await page.evaluate(() => navigator.serviceWorker.ready);
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
  await expect(page.getByTestId('sync-indicator')).toContainText('Synced', { timeout: 20_000 });
}

/** One of rep1's recently visited accounts (0: the most recent), from the quick log's first step. */
async function account(page: Page, index = 0): Promise<string> {
  await page.goto('/log');
  const href = (await page.locator('#log-choices a').nth(index).getAttribute('href')) ?? '';
  return new URL(href, 'http://x').searchParams.get('organization') ?? '';
}

/** How many of an account's 10 latest interactions carry `note` on the server (as its page shows them). */
async function onServer(request: APIRequestContext, organization: string, note: string): Promise<number> {
  const html = await (await request.get(`/organizations/${organization}`)).text();
  return html.split(`<p class="notes">${note}</p>`).length - 1;
}

/** The notes of one interaction on the server, as its edit form holds them. */
async function notesOf(request: APIRequestContext, id: string): Promise<string> {
  const html = await (await request.get(`/interactions/${id}/edit`)).text();
  return html.match(/name="form\[notes\]"[^>]*>([^<]*)<\/textarea>/)?.[1] ?? '';
}

/** Whether the copy on this device holds the record `id` of `store` ("contacts", …). */
async function inCopy(page: Page, store: string, id: string): Promise<boolean> {
  return page.evaluate(
    ({ store, id }) =>
      new Promise<boolean>((resolve, reject) => {
        const open = indexedDB.open('kitchen-pantry');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const get = open.result.transaction(store).objectStore(store).get(id);
          get.onsuccess = () => {
            open.result.close();
            resolve(get.result !== undefined);
          };
          get.onerror = () => reject(get.error);
        };
      }),
    { store, id },
  );
}

/** An op as the client queues it. */
function op(fields: Record<string, unknown>) {
  return { op_id: randomUUID(), client_time: new Date().toISOString(), ...fields };
}

test('a visit logged offline is kept through a reload and reaches the server once', async ({ page, context, request }) => {
  const organization = await account(page);
  const note = uniqueName('Logged in the basement');
  await page.goto(`/log?organization=${organization}`);
  await ready(page);

  // Never opened under the worker: the offline shell renders it from the copy on the device.
  await context.setOffline(true);
  await page.reload();
  await hydrated(page);
  await expect(page.getByRole('heading', { level: 1 })).toContainText('Log a visit ·');
  await page.getByLabel('4 · Notes').fill(note);
  await page.getByText('Order placed', { exact: true }).click();
  await page.getByRole('button', { name: 'Save visit' }).click();
  await expect(page.getByTestId('kept-offline')).toBeVisible();
  const indicator = page.getByTestId('sync-indicator');
  await expect(indicator).toHaveAttribute('data-pending', '1');
  await expect(indicator).toContainText('Offline · 1 to send');

  // A reload offline: the worker's copy of the page, the op still in the outbox.
  await page.reload();
  await hydrated(page);
  await expect(indicator).toHaveAttribute('data-pending', '1');
  await indicator.click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Changes on this device');
  await expect(page.getByTestId('pending-list')).toContainText('Visit logged');
  expect(await onServer(request, organization, note)).toBe(0);

  // Back online: sent by itself, once.
  await context.setOffline(false);
  await expect(indicator).toHaveAttribute('data-pending', '0', { timeout: 20_000 });
  await expect(page.getByTestId('nothing-pending')).toBeVisible();
  expect(await onServer(request, organization, note)).toBe(1);
  await page.reload();
  await ready(page);
  expect(await onServer(request, organization, note)).toBe(1);
});

test('Today, never opened on this device, opens offline from the copy', async ({ page, context }) => {
  const organization = await account(page);
  await page.goto(`/log?organization=${organization}`);
  await ready(page);
  await context.setOffline(true);
  await page.goto('/today');
  await hydrated(page);
  await expect(page.getByRole('heading', { level: 1 })).toContainText('Today');
  await expect(page.getByRole('heading', { name: /A accounts not visited/ })).toBeVisible();
  await expect(page.getByTestId('sync-indicator')).toContainText('Offline');
  await expect(page.getByTestId('sync-indicator')).toContainText('data from');
});

test('the same batch sent twice (its answer lost) applies once', async ({ page }) => {
  const organization = await account(page);
  const note = uniqueName('Sent twice');
  const batch = {
    ops: [op({ entity: 'interaction', action: 'create', entity_id: randomUUID(), changes: { organization_id: organization, kind: 'visit', notes: note } })],
  };
  const first = await (await page.request.post('/api/v1/sync', { data: batch })).json();
  const again = await (await page.request.post('/api/v1/sync', { data: batch })).json();
  expect(first.results[0]).toMatchObject({ status: 'applied', replayed: false });
  expect(again.results[0]).toMatchObject({ status: 'applied', replayed: true });
  expect(await onServer(page.request, organization, note)).toBe(1);
});

test('an offline edit that conflicts with an online one is settled field by field', async ({ page, context, baseURL }) => {
  const organization = await account(page, 1);
  const id = randomUUID();
  const original = uniqueName('Before both edits');
  const created = await page.request.post('/api/v1/sync', {
    data: { ops: [op({ entity: 'interaction', action: 'create', entity_id: id, changes: { organization_id: organization, kind: 'call', notes: original } })] },
  });
  expect((await created.json()).results[0].status).toBe('applied');

  await page.goto(`/interactions/${id}/edit`);
  await ready(page);
  await context.setOffline(true);
  const mine = uniqueName('Mine from the road');
  await page.getByLabel('4 · Notes').fill(mine);
  await page.getByRole('button', { name: 'Save changes' }).click();
  await expect(page.getByTestId('kept-offline')).toBeVisible();

  // Meanwhile the manager edits the same notes online.
  const manager = await playwrightRequest.newContext({ baseURL, storageState: stateFile('manager') });
  const theirs = uniqueName('Theirs from the office');
  const edited = await manager.post('/api/v1/sync', {
    data: { ops: [op({ entity: 'interaction', action: 'update', entity_id: id, base_version: 1, changes: { notes: theirs }, base: { notes: original } })] },
  });
  expect((await edited.json()).results[0].status).toBe('applied');

  await context.setOffline(false);
  const indicator = page.getByTestId('sync-indicator');
  await expect(indicator).toContainText('1 needs you', { timeout: 20_000 });
  await indicator.click();
  const conflict = page.locator('.attention-list li.conflict');
  await expect(conflict).toContainText(mine);
  await expect(conflict).toContainText(theirs);
  expect(await notesOf(manager, id)).toBe(theirs);
  await conflict.getByRole('radio', { name: /Keep mine/ }).check();
  await conflict.getByRole('button', { name: 'Apply my choices' }).click();
  await expect(page.locator('.attention-list li')).toHaveCount(0);
  // The choice goes as a new op: the server has it once it is sent.
  await expect(async () => expect(await notesOf(manager, id)).toBe(mine)).toPass({ timeout: 20_000 });
  await expect(page.getByTestId('nothing-pending')).toBeVisible();
  await manager.dispose();
});

test('a contact added, then deleted in the office, comes into the copy and leaves it', async ({ page, baseURL }) => {
  const organization = await account(page);
  const created = await page.request.post('/api/v1/contacts', {
    data: { organization_id: organization, first_name: 'Copy', last_name: uniqueName('Leaves') },
  });
  expect(created.status()).toBe(201);
  const contact = await created.json();
  await page.goto(`/organizations/${organization}`);
  await ready(page);
  // The copy stores each page's rows as the server sent them; a row with `deleted_at` leaves it.
  await expect.poll(() => inCopy(page, 'contacts', contact.id), { timeout: 20_000 }).toBe(true);
  // Only an administrator deletes records.
  const admin = await playwrightRequest.newContext({ baseURL, storageState: stateFile('admin') });
  const deleted = await admin.delete(`/api/v1/contacts/${contact.id}?version=${contact.version}`);
  expect(deleted.ok()).toBe(true);
  await admin.dispose();
  await page.reload();
  await hydrated(page);
  // The pull holds back rows younger than 5 s, then brings them in a second pull.
  await expect.poll(() => inCopy(page, 'contacts', contact.id), { timeout: 30_000 }).toBe(false);
});

test('100 visits queued offline are all acknowledged after reconnecting', async ({ page, context }) => {
  // Accounts of its own (one per browser project): its visits crowd no other test's activity list.
  const organization = await account(page, test.info().project.name === 'phone' ? 3 : 2);
  await page.goto(`/log?organization=${organization}`);
  await ready(page);
  await context.setOffline(true);
  const prefix = uniqueName('Batch visit');
  // A day's worth of visits in the outbox, as the quick log queues them.
  await page.evaluate(
    async ({ organization, prefix }) => {
      const db: IDBDatabase = await new Promise((resolve, reject) => {
        const open = indexedDB.open('kitchen-pantry');
        open.onsuccess = () => resolve(open.result);
        open.onerror = () => reject(open.error);
      });
      const user = await new Promise((resolve) => {
        const get = db.transaction('meta').objectStore('meta').get('user');
        get.onsuccess = () => resolve(get.result);
      });
      const tx = db.transaction('outbox', 'readwrite');
      for (let i = 0; i < 100; i++) {
        const op = {
          op_id: crypto.randomUUID(),
          entity: 'interaction',
          action: 'create',
          entity_id: crypto.randomUUID(),
          base_version: null,
          changes: { organization_id: organization, kind: 'visit', notes: `${prefix} ${i}` },
          base: {},
          client_time: new Date().toISOString(),
        };
        tx.objectStore('outbox').add({ op, state: 'pending', outcome: null, user_id: user, summary: `Visit ${i}`, link: '/' });
      }
      await new Promise((resolve) => (tx.oncomplete = resolve));
    },
    { organization, prefix },
  );
  await page.reload();
  await hydrated(page);
  const indicator = page.getByTestId('sync-indicator');
  await expect(indicator).toHaveAttribute('data-pending', '100');

  const reconnected = Date.now();
  await context.setOffline(false);
  await expect(indicator).toHaveAttribute('data-pending', '0', { timeout: 30_000 });
  const ackedMs = Date.now() - reconnected;
  test.info().annotations.push({ type: 'reconnect to 100 ops acked (ms)', description: String(ackedMs) });
  console.log(`[${test.info().project.name}] 100 queued ops acknowledged ${ackedMs} ms after reconnecting`);
  // The pull holds back rows younger than 5 s (CHANGES_SETTLE_SECONDS).
  await page.waitForTimeout(6_000);
  let onServer = 0;
  let since = '';
  for (;;) {
    const changes = await (await page.request.get(`/api/v1/sync/changes${since ? `?since=${since}` : ''}`)).json();
    onServer += changes.interactions.filter((i: { notes: string | null }) => i.notes?.startsWith(prefix)).length;
    if (!changes.more) break;
    since = changes.cursor;
  }
  expect(onServer).toBe(100);
});

test('a contact, a deal, an account edit and a board move made offline reach the server once', async ({ page, context, browser }) => {
  // Six pages opened and hydrated from the copy, then a sync: 16.5–18.1 s alone on a 2-core
  // machine, 33 s beside the other worker; past the default 30 s without being slower.
  test.setTimeout(60_000);
  // An account of its own per browser project.
  const organization = await account(page, test.info().project.name === 'phone' ? 5 : 4);
  await page.goto('/today');
  await ready(page);
  await context.setOffline(true);
  const indicator = page.getByTestId('sync-indicator');

  // Every page on the way renders from the copy on this device.
  const firstName = uniqueName('Offline');
  await page.goto(`/organizations/${organization}/contacts/new`);
  await hydrated(page);
  await page.getByLabel('First name').fill(firstName);
  await page.getByLabel('Last name').fill('Basement');
  await page.getByRole('button', { name: 'Add contact' }).click();
  await expect(page.getByTestId('kept-offline')).toContainText('contact is saved on this device');

  const deal = uniqueName('Offline deal');
  await page.goto(`/opportunities/new?organization=${organization}`);
  await hydrated(page);
  await page.getByRole('textbox', { name: 'Name', exact: true }).fill(deal);
  await page.getByLabel('Estimated value ($)').fill('1200');
  await page.getByRole('button', { name: 'Create opportunity' }).click();
  await expect(page.getByTestId('kept-offline')).toContainText('deal is saved on this device');

  const distributor = uniqueName('Basement Foods');
  await page.goto(`/organizations/${organization}/edit`);
  await hydrated(page);
  await page.getByLabel('Distributor').fill(distributor);
  await page.getByRole('button', { name: 'Save changes' }).click();
  await expect(page.getByTestId('kept-offline')).toContainText('changes are saved on this device');

  // The account's page shows the new contact and deal before the server has them.
  await page.goto(`/organizations/${organization}`);
  await hydrated(page);
  await expect(page.locator('.contact-name', { hasText: `${firstName} Basement` })).toBeVisible();
  await expect(page.locator('li.deal', { hasText: deal })).toBeVisible();
  const name = (await page.locator('h1').evaluate((h) => h.lastChild?.textContent ?? '')).trim();
  // The organizations list, filtered as online, finds it in the copy.
  await page.goto(`/organizations?q=${encodeURIComponent(name)}`);
  await hydrated(page);
  await expect(page.locator('a.row-link', { hasText: name }).first()).toBeVisible();

  await page.goto('/pipeline');
  await hydrated(page);
  await page.getByLabel(`Move ${deal} to`).selectOption('negotiation');
  await page.getByRole('button', { name: `Move ${deal}` }).click();
  await expect(page.getByTestId('kept-offline')).toContainText('move is saved on this device');
  await expect(page.locator('section.column[data-stage="negotiation"] .deal-card', { hasText: deal })).toBeVisible();
  await expect(indicator).toHaveAttribute('data-pending', '4');

  await context.setOffline(false);
  await expect(indicator).toHaveAttribute('data-pending', '0', { timeout: 20_000 });
  await expect(indicator).not.toContainText('needs you');

  // On the server, each exactly once, read by a browser without the copy.
  const contacts = await (await page.request.get(`/api/v1/organizations/${organization}/contacts?q=${encodeURIComponent(firstName)}`)).json();
  const made = (contacts.items ?? contacts).filter((c: { first_name: string }) => c.first_name === firstName);
  expect(made).toHaveLength(1);
  const account_ = await (await page.request.get(`/api/v1/organizations/${organization}`)).json();
  expect(account_.distributor).toBe(distributor);
  const online = await browser.newContext({ storageState: stateFile('rep1') });
  const check = await online.newPage();
  await check.goto(`/organizations/${organization}`);
  await expect(check.locator('li.deal', { hasText: deal })).toHaveCount(1);
  await expect(check.locator('li.deal', { hasText: deal }).locator('.tag.stage')).toHaveText('Negotiation');
  await online.close();
});
