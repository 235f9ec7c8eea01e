// `make bench` (bench/client.sh): how soon the quick log answers on a slow phone, and how fast
// its taps and typing are answered. A 360 px phone with the CPU slowed 4× (DevTools'
// throttling); opens /log?organization=<id> signed in, records when the page hydrated
// (`html[data-hydrated]`, i.e. interactive), then picks an outcome, types a note, picks a next
// step and saves, as a rep does. The INP of those interactions is the longest one (fewer than
// 50), from the browser's own Event Timing entries.
//
// Usage: node end2end/bench/quick-log.mjs <base URL> <session cookie value> <organization id> <runs>
// Prints one JSON line per run: {"interactive_ms", "inp_ms", "slowest", "interactions"}: slowest
// names the event and its target of the interaction that set the INP.
import { chromium, devices } from '@playwright/test';

const [base, session, organization, runs = '3'] = process.argv.slice(2);
if (!base || !session || !organization) {
  console.error('usage: quick-log.mjs <base URL> <session cookie> <organization id> [runs]');
  process.exit(2);
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
    '--disable-sync', '--disable-quic'],
});
try {
  for (let run = 0; run < Number(runs); run++) {
    const context = await browser.newContext({
      ...devices['Pixel 5'],
      viewport: { width: 360, height: 740 },
      serviceWorkers: 'block',
    });
    await context.addCookies([{ name: 'kp_session', value: session, url: base }]);
    await context.addInitScript(() => {
      window.__interactions = new Map();
      new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) {
          if (!entry.interactionId) continue;
          const seen = window.__interactions.get(entry.interactionId);
          if (seen && seen.duration >= entry.duration) continue;
          // What was tapped or typed into, so that the report names the slowest interaction.
          const target = entry.target;
          const what = target ? (target.name || target.id || target.textContent?.trim().slice(0, 30) || target.tagName) : '?';
          window.__interactions.set(entry.interactionId, { duration: entry.duration, what: `${entry.name} on ${what}` });
        }
      }).observe({ type: 'event', buffered: true, durationThreshold: 16 });
    });
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });

    await page.goto(`${base}/log?organization=${organization}`);
    await page.waitForFunction(() => document.documentElement.dataset.hydrated === 'true', null, { timeout: 60_000 });
    const interactive = await page.evaluate(() => performance.now());

    await page.getByText('Order placed', { exact: true }).click();
    await page.getByLabel('4 · Notes').click();
    await page.keyboard.type('Tasted the new burrata', { delay: 30 });
    await page.getByText(/^Tasting · in 3 days$/).click();
    // Event Timing entries arrive after the next frame; give the last one time to land.
    const settled = async () => {
      await page.waitForTimeout(500);
      return page.evaluate(() => [...window.__interactions.entries()]);
    };
    const entered = await settled();
    await page.getByRole('button', { name: 'Save visit' }).click();
    await page.waitForURL(/\/organizations\/[0-9a-f-]+#activity$/, { timeout: 30_000 });
    // The save navigates within the app, so the same page holds the tap on "Save visit" too.
    const interactions = [...new Map([...entered, ...(await settled())]).values()];
    const slowest = interactions.reduce((a, b) => (b.duration > (a?.duration ?? -1) ? b : a), null);
    console.log(JSON.stringify({
      interactive_ms: Math.round(interactive),
      inp_ms: slowest?.duration ?? null,
      slowest: slowest?.what ?? null,
      interactions: interactions.length,
    }));
    await context.close();
  }
} finally {
  await browser.close();
}
