// Launches Debian's Chromium (/usr/bin/chromium, or $CHROMIUM) headless through
// playwright-core, with a fresh profile folder; close() removes it.
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

export const EXECUTABLE = process.env.CHROMIUM || '/usr/bin/chromium';

export async function launchChromium(options = {}) {
  if (!existsSync(EXECUTABLE))
    throw new Error(
      `Chromium not found at ${EXECUTABLE} (apt-get install chromium, or set CHROMIUM)`,
    );
  const userDataDir = mkdtempSync(join(tmpdir(), 'dc-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: EXECUTABLE,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    ...options,
  });
  const page = context.pages()[0] || (await context.newPage());
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  // Only this machine: a request anywhere else is recorded as an error and refused.
  await page.route('**/*', (route) => {
    const u = new URL(route.request().url());
    if (
      u.hostname === 'localhost' ||
      u.hostname === '127.0.0.1' ||
      u.protocol === 'blob:' ||
      u.protocol === 'data:'
    )
      return route.continue();
    errors.push(`request to ${u.href}`);
    return route.abort();
  });
  return {
    context,
    page,
    errors,
    userDataDir,
    async close() {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}
