import { defineConfig, devices } from '@playwright/test';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stateFile } from './tests/helpers';

// The release build (`make build`) serves on its own port with a fresh SQLite database
// seeded with the demo data, so runs never touch data/ and never depend on each other.
const port = Number(process.env.E2E_PORT ?? 3107);
const baseURL = `http://127.0.0.1:${port}`;
const dataDir = mkdtempSync(join(tmpdir(), 'kp-e2e-'));

// Debian's Chromium; Playwright never downloads a browser here.
const launchOptions = {
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--disable-quic',
  ],
};

export default defineConfig({
  testDir: './tests',
  timeout: 30_000,
  expect: { timeout: 10_000 },
  fullyParallel: true,
  workers: 2,
  // One retry: a test that passes only the second time is listed as flaky (and the browser
  // errors of the failed attempt are printed), a test that fails twice fails the run.
  retries: 1,
  reporter: [['list']],
  use: {
    baseURL,
    launchOptions,
    trace: 'retain-on-failure',
    // The service worker precaches the whole build on a new context's first page; only the
    // tests of the installable app (pwa.spec.ts) let it run.
    serviceWorkers: 'block',
  },
  // Tests run signed in as the demo manager (sees and edits everything) unless they say otherwise.
  projects: [
    { name: 'sign-in', testMatch: /auth\.setup\.ts/ },
    {
      name: 'desktop',
      dependencies: ['sign-in'],
      use: { ...devices['Desktop Chrome'], launchOptions, storageState: stateFile('manager') },
    },
    {
      name: 'phone',
      dependencies: ['sign-in'],
      use: {
        ...devices['Pixel 5'],
        viewport: { width: 360, height: 740 },
        launchOptions,
        storageState: stateFile('manager'),
      },
    },
  ],
  webServer: {
    command: '../target/release/kitchen-pantry',
    url: `${baseURL}/login`,
    timeout: 60_000,
    reuseExistingServer: false,
    stdout: 'pipe',
    stderr: 'pipe',
    env: {
      DATABASE_URL: `sqlite://${join(dataDir, 'e2e.db')}`,
      LEPTOS_SITE_ADDR: `127.0.0.1:${port}`,
      LEPTOS_SITE_ROOT: '../target/site',
      DEMO_DATA: 'true',
      LOG_LEVEL: 'warn',
      // Every test signs in from the same address; the per-address limit is tested in Rust.
      RATE_LIMIT_SIGN_INS: '1000',
      // alerts.spec.ts waits for a rule to fire.
      ALERT_EVALUATE_SECS: '2',
    },
  },
});
