import { expect, test as setup } from '@playwright/test';
import { DEMO_PASSWORD, ROLES, stateFile } from './helpers';

// Signs each demo account in once, through the JSON API, and keeps its cookie for the tests.
for (const role of ROLES) {
  setup(`sign in as ${role}`, async ({ request }) => {
    const response = await request.post('/api/v1/session', {
      data: { email: `${role}@kitchenpantry.test`, password: DEMO_PASSWORD, remember: true },
    });
    expect(response.status()).toBe(200);
    await request.storageState({ path: stateFile(role) });
  });
}
