// Headless Chromium from Debian's package, driven by playwright-core (never a downloaded browser).
import fs from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

export function chromiumAvailable(): boolean {
  return fs.existsSync(CHROMIUM);
}

/** Why a browser test cannot run here, or undefined. In CI a missing browser is a failure, not a skip. */
export function browserSkipReason(): string | undefined {
  if (chromiumAvailable()) return undefined;
  if (process.env.CI) throw new Error(`${CHROMIUM} is missing: .ci/run must install Debian's chromium`);
  return `no browser at ${CHROMIUM} (apt-get install chromium)`;
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
}
