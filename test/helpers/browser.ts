import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';

export const ROOT = path.resolve(__dirname, '../../..');
/** Screenshots of test runs; never the checkout's tracked files. */
export const ARTIFACTS = path.join(ROOT, 'test-results');

/**
 * Debian's Chromium, headless (installed first if missing). The background-networking flags keep
 * it from reaching for Google's hosts, which this machine's closed network refuses.
 */
export async function launchChromium(): Promise<Browser> {
  execFileSync(path.join(ROOT, 'scripts/ensure-chromium.sh'), { stdio: 'inherit' });
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
    ],
  });
}
