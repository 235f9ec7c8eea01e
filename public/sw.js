// Kitchen Pantry CRM service worker (architecture.md, "Service worker").
// The server writes this build's precache list into PRECACHE below (server/src/routes/pwa.rs).
//
// - Install: precache every hashed asset of the build, split route chunks included, and the offline page.
// - Activate: drop the caches of other builds; tell open pages a new version is ready.
// - Navigations: network first (short timeout), then this URL's last copy, then the offline shell
//   (/offline-shell: the app mounts afresh there and renders the address from IndexedDB; someone
//   never signed in on this device is sent on to the offline page).
// - Hashed assets: cache first. API calls are never cached here: the app keeps its data in IndexedDB.
// - Background Sync (`sync` event, tag kp-outbox): send the outbox the page queued offline, by the
//   same rules as the page (app/src/offline/), under the same Web Lock so an op is never in flight twice.
'use strict';

const PRECACHE = self.__PRECACHE__;
const PRECACHED = new Set(PRECACHE.assets);
const ASSETS = `kp-assets-${PRECACHE.version}`;
// Pages outlive builds (their scripts are re-read from the new build's names on the next visit online).
const PAGES = 'kp-pages-v1';
const NETWORK_TIMEOUT_MS = 4000;
const SIGN_OUT = '/api/session/sign-out';

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches.open(ASSETS)
      // Without cookies: the files are the same for everyone, and the shell then holds no one's name.
      .then((cache) => cache.addAll(PRECACHE.assets.map((url) => new Request(url, { cache: 'reload', credentials: 'omit' }))))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    const names = await caches.keys();
    const old = names.filter((name) => name.startsWith('kp-assets-') && name !== ASSETS);
    await Promise.all(old.map((name) => caches.delete(name)));
    await self.clients.claim();
    // A page of the previous build runs code this worker no longer has: ask for a reload.
    if (old.length > 0) {
      const pages = await self.clients.matchAll({ type: 'window' });
      pages.forEach((page) => page.postMessage({ type: 'version-ready', version: PRECACHE.version }));
    }
  })());
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname === SIGN_OUT) {
    // Copies of pages hold the user's records: they go with the session.
    event.respondWith(fetch(request).then((response) => caches.delete(PAGES).then(() => response)));
    return;
  }
  if (request.method !== 'GET') return;
  if (request.mode === 'navigate' && PRECACHED.has(url.pathname)) {
    // The offline page itself, and the shell when asked for by name.
    event.respondWith(caches.match(url.pathname, { cacheName: ASSETS }).then((hit) => hit || fetch(request)));
  } else if (request.mode === 'navigate') {
    event.respondWith(navigate(event));
  } else if (PRECACHED.has(url.pathname)) {
    event.respondWith(caches.match(url.pathname, { cacheName: ASSETS }).then((hit) => hit || fetch(request)));
  }
});

async function navigate(event) {
  const request = event.request;
  const network = fetch(request).then((response) => {
    const html = (response.headers.get('content-type') || '').includes('text/html');
    if (response.ok && html && !response.redirected) {
      const copy = response.clone();
      event.waitUntil(caches.open(PAGES).then((cache) => cache.put(request.url, copy)));
    }
    return response;
  });
  try {
    return await Promise.race([network, timeout(NETWORK_TIMEOUT_MS)]);
  } catch {
    const kept = await caches.match(request.url, { cacheName: PAGES });
    if (kept) return kept;
    // No copy: a slow network still beats the offline shell, so wait for it to answer or fail.
    try {
      return await network;
    } catch {
      const shell = await caches.match('/offline-shell', { cacheName: ASSETS });
      return shell || (await caches.match('/offline.html', { cacheName: ASSETS })) || Response.error();
    }
  }
}

function timeout(ms) {
  return new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), ms));
}

// ---- Background Sync: the outbox (records and rules: app/src/offline/outbox.rs) ----

const DATABASE = 'kitchen-pantry';
const OUTBOX_TAG = 'kp-outbox';
const MAX_BATCH_OPS = 100;

self.addEventListener('sync', (event) => {
  if (event.tag === OUTBOX_TAG) event.waitUntil(sendOutboxLocked());
});

function sendOutboxLocked() {
  if (!self.navigator.locks) return sendOutbox();
  // Held by a page: it is sending these very ops.
  return self.navigator.locks.request('kp-outbox', { ifAvailable: true }, (lock) => (lock ? sendOutbox() : undefined));
}

async function sendOutbox() {
  const db = await openOutbox();
  if (!db) return;
  let answered = false;
  try {
    const user = await request(db.transaction('meta').objectStore('meta').get('user'));
    for (;;) {
      const all = await request(db.transaction('outbox').objectStore('outbox').getAll());
      const batch = all
        .filter((queued) => queued.state === 'pending' && queued.user_id === user)
        .sort((a, b) => a.seq - b.seq)
        .slice(0, MAX_BATCH_OPS);
      if (batch.length === 0) return;
      const response = await fetch('/api/v1/sync', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        credentials: 'same-origin',
        body: JSON.stringify({ ops: batch.map((queued) => queued.op) }),
      });
      // Signed out: the ops wait for the page's sign-in. Other failures: the browser retries later.
      if (response.status === 401) return;
      if (!response.ok) throw new Error(`sync answered ${response.status}`);
      const reply = await response.json();
      const settle = db.transaction('outbox', 'readwrite');
      const store = settle.objectStore('outbox');
      let again = false;
      for (const queued of batch) {
        const result = reply.results.find((r) => r.op_id === queued.op.op_id);
        if (!result || result.status === 'retry') {
          again = true;
        } else if (result.status === 'applied') {
          store.delete(queued.seq);
        } else {
          const { op_id: _id, replayed: _replayed, ...outcome } = result;
          store.put({ ...queued, state: result.status, outcome });
        }
      }
      await done(settle);
      answered = true;
      if (again) throw new Error('the server asked to send some ops again');
    }
  } finally {
    db.close();
    if (answered) {
      const pages = await self.clients.matchAll({ type: 'window' });
      pages.forEach((page) => page.postMessage({ type: 'outbox-sent' }));
    }
  }
}

// Opens the page's database, never creating it: only the page (rexie) defines its stores.
function openOutbox() {
  return new Promise((resolve) => {
    const open = indexedDB.open(DATABASE);
    open.onupgradeneeded = () => open.transaction.abort();
    open.onsuccess = () => resolve(open.result);
    open.onerror = () => resolve(null);
  });
}

function request(req) {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

function done(transaction) {
  return new Promise((resolve, reject) => {
    transaction.oncomplete = () => resolve();
    transaction.onerror = () => reject(transaction.error);
    transaction.onabort = () => reject(transaction.error);
  });
}
