import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { existsSync } from 'node:fs'
import { chromium, type Browser } from 'playwright-core'
import { startDemo, type RunningDemo } from '../../src/demo/start-demo.js'

const CHROMIUM = '/usr/bin/chromium'
const available = existsSync(CHROMIUM)
if (!available && process.env.CI === 'true')
  throw new Error(`${CHROMIUM} is required in CI (apt-get install -y chromium)`)
if (!available) console.warn(`${CHROMIUM} is not installed: the browser walk-through is skipped`)
const maybe = available ? describe : describe.skip

let demo: RunningDemo
let browser: Browser

maybe('the demo in headless Chromium', () => {
  beforeAll(async () => {
    demo = await startDemo({ port: 0 })
    browser = await chromium.launch({
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
  }, 30_000)
  afterAll(async () => {
    await browser?.close()
    await demo?.close()
  })

  test('a locked page sends a visitor to sign in; after OurSong they see the content', async () => {
    const page = await (await browser.newContext()).newPage()
    const locked = await page.goto(`${demo.url}/videos/yellow/hd`)
    expect(locked?.status()).toBe(401)
    await page.click('text=Sign in with OurSong')
    await page.waitForSelector('input[name=username]')
    expect(page.url().startsWith(demo.simulatorUrl)).toBe(true)
    await page.fill('input[name=username]', 'alice')
    await page.fill('input[name=password]', 'alice-pass')
    await Promise.all([
      page.waitForURL(`${demo.url}/videos/yellow/hd`),
      page.click('button[value=approve]'),
    ])
    expect(await page.textContent('h1')).toBe('Coldplay - Yellow (HD cut)')
    expect(await page.textContent('.state')).toContain('Unlocked')
    await page.goto(demo.url)
    // Runs in the page; a string, since the tests' TypeScript has no DOM types.
    await page.waitForFunction(
      "[...document.querySelectorAll('.state')].every((s) => s.textContent !== 'checking…')",
    )
    expect(await page.textContent('#who')).toContain('Alice (alice)')
    const hd = page.locator('li[data-path="/videos/yellow/hd"] .state')
    expect(await hd.textContent()).toBe('unlocked')
  }, 30_000)

  test('a fan without the vibe sees what would unlock it', async () => {
    const page = await (await browser.newContext()).newPage()
    await page.goto(`${demo.url}/auth/login?return_to=/videos/yellow/hd`)
    await page.fill('input[name=username]', 'bob')
    await page.fill('input[name=password]', 'bob-pass')
    await Promise.all([
      page.waitForURL(`${demo.url}/videos/yellow/hd`),
      page.click('button[value=approve]'),
    ])
    expect(await page.textContent('h1')).toBe('You need Coldplay - Yellow to open this')
    expect(await page.textContent('body')).toContain('Coldplay - Yellow')
  }, 30_000)

  test('wallet sign-in without a browser wallet signs with the demo key', async () => {
    const page = await (await browser.newContext()).newPage()
    await page.goto(demo.url)
    await page.waitForSelector('#signin:not([hidden])')
    await page.selectOption('#account', 'carol')
    await Promise.all([page.waitForEvent('load'), page.click('#wallet')])
    await page.waitForFunction(
      "document.querySelector('#who')?.textContent?.includes('Signed in as')",
    )
    expect(await page.textContent('#who')).toContain('Carol (carol) by wallet')
  }, 30_000)
})
