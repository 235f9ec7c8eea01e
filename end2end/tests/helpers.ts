import { expect, Page, test as base } from '@playwright/test';

/**
 * Playwright's `test`, watching the browser: uncaught exceptions, console errors and failed
 * requests of every page a test opens are attached to the report of a failing test and
 * printed, so a failure on CI says what the browser saw.
 */
export const test = base.extend<{ browserErrors: string[] }>({
  browserErrors: [
    async ({ context }, use, testInfo) => {
      const errors: string[] = [];
      const watch = (page: Page) => {
        page.on('pageerror', (error) => errors.push(`${page.url()}: uncaught ${error.stack ?? error.message}`));
        page.on('console', (message) => {
          if (message.type() === 'error') errors.push(`${page.url()}: console.error ${message.text()}`);
        });
        page.on('requestfailed', (request) =>
          errors.push(`${page.url()}: request failed ${request.url()} (${request.failure()?.errorText})`),
        );
      };
      context.pages().forEach(watch);
      context.on('page', watch);
      await use(errors);
      if (testInfo.status !== testInfo.expectedStatus && errors.length > 0) {
        const report = errors.join('\n');
        await testInfo.attach('browser errors', { body: report, contentType: 'text/plain' });
        console.log(`Browser errors during "${testInfo.title}":\n${report}`);
      }
    },
    { auto: true },
  ],
});

/** A name no other test (or run) uses. */
export function uniqueName(prefix: string): string {
  return `${prefix} ${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
}

/** Waits until the page is interactive (the app marks <html data-hydrated>). */
export async function hydrated(page: Page): Promise<void> {
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true');
}

export const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;

/** The demo accounts (`<role>@kitchenpantry.test`) and their password (DEMO_PASSWORD's default). */
export const ROLES = ['admin', 'manager', 'rep1', 'rep2', 'viewer'] as const;
export type DemoRole = (typeof ROLES)[number];
export const DEMO_PASSWORD = process.env.DEMO_PASSWORD ?? 'pantry-demo';

/** Where the signed-in browser state of a demo account is kept between the setup and the tests. */
export function stateFile(role: DemoRole): string {
  return `.tmp/auth/${role}.json`;
}
