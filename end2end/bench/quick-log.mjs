// `make bench` (bench/client.sh): how soon the quick log answers on a slow phone, and how fast
// its taps and typing are answered. A 360 px phone with the CPU slowed 4× (DevTools'
// throttling); opens /log?organization=<id> signed in, records when the page hydrated
// (`html[data-hydrated]`, i.e. interactive), then picks an outcome, types a note, picks a next
// step and saves, as a rep does. The INP of those interactions is the longest one (fewer than
// 50), from the browser's own Event Timing entries.
//
// Usage: node end2end/bench/quick-log.mjs <base URL> <session cookie value> <organization id> <runs>
// Prints one JSON line per run: {"interactive_ms", "save_opens_page_ms", "log_opens_ms", "inp_ms",
// "slowest", "interactions", ...}: save_opens_page_ms runs from the tap on "Save visit" to the
// organization page showing its activity, log_opens_ms from the tap on that page's "Log visit"
// to the quick log's third step; slowest names the event and its target of the interaction that set
// the INP; its time is split into input delay, processing and presentation, and `frames` lists
// the long animation frames it overlapped with the scripts that ran in them.
import { chromium, devices } from '@playwright/test';

// Taps `tapped` (a selector) and measures in the page, from its pointerdown, how long until an
// element matching `shown` is in the document: what a rep waits after the tap.
async function timeTap(page, tapped, shown) {
  await page.evaluate(([tapped, shown]) => {
    window.__shownAfter = undefined;
    document.querySelector(tapped).addEventListener('pointerdown', () => {
      const tappedAt = performance.now();
      new MutationObserver((_, observer) => {
        if (document.querySelector(shown)) {
          window.__shownAfter = performance.now() - tappedAt;
          observer.disconnect();
        }
      }).observe(document.body, { childList: true, subtree: true });
    }, { capture: true, once: true });
  }, [tapped, shown]);
  await page.locator(tapped).click();
  await page.waitForFunction(() => window.__shownAfter !== undefined, null, { timeout: 30_000 });
  return page.evaluate(() => window.__shownAfter);
}

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
          // Where its time went: waiting for the main thread (input delay), the page's own
          // handlers (processing), and rendering the next frame (presentation).
          window.__interactions.set(entry.interactionId, {
            duration: entry.duration,
            what: `${entry.name} on ${what}`,
            start: entry.startTime,
            input_delay: entry.processingStart - entry.startTime,
            processing: entry.processingEnd - entry.processingStart,
            presentation: entry.startTime + entry.duration - entry.processingEnd,
          });
        }
      }).observe({ type: 'event', buffered: true, durationThreshold: 16 });
      // Long animation frames name the scripts that held the main thread (what delayed a tap).
      window.__frames = [];
      new PerformanceObserver((list) => {
        for (const frame of list.getEntries()) {
          window.__frames.push({
            start: frame.startTime,
            end: frame.startTime + frame.duration,
            // Rendering: from the start of the frame's style and layout (or of its render
            // steps) to its end.
            render: frame.startTime + frame.duration - (frame.styleAndLayoutStart || frame.renderStart || frame.startTime + frame.duration),
            scripts: frame.scripts.map((s) => `${s.invoker || s.invokerType} ${Math.round(s.duration)} ms`),
          });
        }
      }).observe({ type: 'long-animation-frame', buffered: true });
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
    // From the tap on "Save visit" to the organization page it opens, with its activity shown.
    const opened = await timeTap(page, 'form.quick-log button[type="submit"]', '#activity');
    // The save navigates within the app, so the same page holds the tap on "Save visit" too.
    const interactions = [...new Map([...entered, ...(await settled())]).values()];
    const slowest = interactions.reduce((a, b) => (b.duration > (a?.duration ?? -1) ? b : a), null);
    // The long frames that overlapped the slowest interaction: what it waited for.
    const frames = slowest
      ? (await page.evaluate(() => window.__frames)).filter(
        (f) => f.end > slowest.start && f.start < slowest.start + slowest.duration)
      : [];
    // The next visit: from the organization page the save opened, once it is idle, "Log visit"
    // opens the quick log again (a navigation within the app), up to its third step shown.
    await page.waitForTimeout(2_000);
    const logOpened = await timeTap(page, '.page-header a.button.primary[href^="/log"]', '#step-how');
    console.log(JSON.stringify({
      interactive_ms: Math.round(interactive),
      save_opens_page_ms: Math.round(opened),
      log_opens_ms: Math.round(logOpened),
      inp_ms: slowest?.duration ?? null,
      slowest: slowest?.what ?? null,
      input_delay_ms: slowest ? Math.round(slowest.input_delay) : null,
      processing_ms: slowest ? Math.round(slowest.processing) : null,
      presentation_ms: slowest ? Math.round(slowest.presentation) : null,
      frames: frames.map((f) => `${Math.round(f.end - f.start)} ms (render ${Math.round(f.render)}): ${f.scripts.join(', ')}`),
      interactions: interactions.length,
    }));
    await context.close();
  }
} finally {
  await browser.close();
}
