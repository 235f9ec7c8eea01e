import { expect, Page } from '@playwright/test';

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
