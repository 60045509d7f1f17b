import type { Browser } from 'playwright-core'

/** Debian's Chromium, driven with playwright-core (never `npx playwright install`). */
export declare const CHROMIUM: string
/** Headless Chromium with this machine's flags (no sandbox, no GPU, no background networking). */
export declare function launchChromium(): Promise<Browser>
