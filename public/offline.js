// The offline page: a retry button, and the pages this device keeps copies of (by their titles).
'use strict';
document.getElementById('retry').addEventListener('click', () => location.reload());

async function keptPages() {
  const cache = await caches.open('kp-pages-v1');
  const pages = await Promise.all((await cache.keys()).map(async (request) => {
    const url = new URL(request.url);
    const html = await (await cache.match(request)).text();
    const title = new DOMParser().parseFromString(html, 'text/html').title.replace(/ · Kitchen Pantry CRM$/, '');
    return { path: url.pathname + url.search, title: title || url.pathname };
  }));
  return pages.sort((a, b) => a.title.localeCompare(b.title));
}

keptPages().then((pages) => {
  const list = document.getElementById('kept-pages');
  pages.forEach(({ path, title }) => {
    const item = document.createElement('li');
    const link = document.createElement('a');
    link.href = path;
    link.textContent = title;
    item.append(link);
    if (path !== '/' && title !== path) {
      const where = document.createElement('span');
      where.className = 'muted';
      where.textContent = ` ${path}`;
      item.append(where);
    }
    list.append(item);
  });
  document.getElementById('kept').hidden = pages.length === 0;
}).catch(() => {});
