// Debian's Chromium as this project drives it everywhere (the browser test suites and the
// screenshot scripts): one path, one set of launch flags.
import { chromium } from 'playwright-core'

/** Debian's Chromium, driven with playwright-core (never `npx playwright install`). */
export const CHROMIUM = '/usr/bin/chromium'

/**
 * Headless Chromium as this machine runs it: no sandbox (root), no GPU, and no background
 * networking (the closed network refuses it, many connections at a time).
 */
export function launchChromium() {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
    ],
  })
}
