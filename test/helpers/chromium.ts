import { describe } from '@jest/globals'
import { existsSync } from 'node:fs'
import { CHROMIUM } from '../../scripts/chromium.mjs'

export { CHROMIUM, launchChromium } from '../../scripts/chromium.mjs'

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
