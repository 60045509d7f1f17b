import { describe } from '@jest/globals'
import { existsSync } from 'node:fs'
import { chromium, type Browser } from 'playwright-core'

/** Debian's Chromium, driven with playwright-core (never `npx playwright install`). */
export const CHROMIUM = '/usr/bin/chromium'

/**
 * `describe` when Chromium is installed, else `describe.skip` with a warning naming `what`.
 * In CI (CI=true) a missing Chromium fails the suite instead.
 */
export function describeWithChromium(what: string): typeof describe | typeof describe.skip {
  if (existsSync(CHROMIUM)) return describe
  if (process.env.CI === 'true')
    throw new Error(`${CHROMIUM} is required in CI (apt-get install -y chromium)`)
  console.warn(`${CHROMIUM} is not installed: ${what} is skipped`)
  return describe.skip
}

/**
 * Headless Chromium as this machine runs it: no sandbox (root), no GPU, and no background
 * networking (the closed network refuses it, many connections at a time).
 */
export function launchChromium(): Promise<Browser> {
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
