// Kitchen Pantry CRM service worker (architecture.md, "Service worker").
// The server writes this build's precache list into PRECACHE below (server/src/routes/pwa.rs).
//
// - Install: precache every hashed asset of the build, split route chunks included, and the offline page.
// - Activate: drop the caches of other builds; tell open pages a new version is ready.
// - Navigations: network first (short timeout), then this URL's last copy, then the offline page.
// - Hashed assets: cache first. API calls are never cached here: the app keeps its data in IndexedDB.
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
      .then((cache) => cache.addAll(PRECACHE.assets.map((url) => new Request(url, { cache: 'reload' }))))
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
  if (request.mode === 'navigate') {
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
    // No copy: a slow network still beats the offline page, so wait for it to answer or fail.
    try {
      return await network;
    } catch {
      return (await caches.match('/offline.html', { cacheName: ASSETS })) || Response.error();
    }
  }
}

function timeout(ms) {
  return new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), ms));
}
