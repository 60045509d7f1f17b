import { afterAll, beforeAll, expect, test } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { Wallet } from 'ethers'
import type { Browser, Page } from 'playwright-core'
import { startDemo, type RunningDemo } from '../../src/demo/start-demo.js'
import { describeWithChromium, launchChromium } from '../helpers/chromium.js'

const maybe = describeWithChromium('the fan pages browser test')
const axeSource = readFileSync(
  createRequire(import.meta.url).resolve('axe-core/axe.min.js'),
  'utf8',
)

let demo: RunningDemo
let browser: Browser

/** Serious and critical axe violations of the page, as "rule: target" lines. */
async function seriousViolations(page: Page): Promise<string[]> {
  await page.addScriptTag({ content: axeSource })
  // Runs in the page; a string, since the tests' TypeScript has no DOM types.
  const violations = (await page.evaluate(
    'axe.run(document, { resultTypes: ["violations"] }).then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, targets: v.nodes.map((n) => n.target.join(" ")) })))',
  )) as { id: string; impact: string; targets: string[] }[]
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.targets.join(', ')}`)
}

async function signIn(page: Page, user: string): Promise<void> {
  await page.goto(`${demo.url}/auth/login?return_to=/`)
  await page.fill('input[name=username]', user)
  await page.fill('input[name=password]', `${user}-pass`)
  await Promise.all([page.waitForURL(`${demo.url}/`), page.click('button[value=approve]')])
}

maybe('the fan pages in headless Chromium', () => {
  beforeAll(async () => {
    demo = await startDemo({ port: 0 })
    // dave holds #7, outside the 1-5 the HD cut needs.
    const held = await fetch(`${demo.simulatorUrl}/__sim/holdings`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user: 'dave', vibe: 'nxwyqqow', token_ids: [7] }),
    })
    expect(held.status).toBe(200)
    browser = await launchChromium()
  }, 30_000)
  afterAll(async () => {
    await browser?.close()
    await demo?.close()
  })

  test.each(['light', 'dark'] as const)(
    'the signed-out and not-owned pages have no serious axe violations (%s)',
    async (colorScheme) => {
      // bypassCSP: the pages allow scripts from the gate alone; axe is injected by the test.
      const context = await browser.newContext({ colorScheme, bypassCSP: true })
      const page = await context.newPage()
      const signedOut = await page.goto(`${demo.url}/videos/yellow/hd`)
      expect(signedOut?.status()).toBe(401)
      expect(await page.textContent('h1')).toBe('For holders of Coldplay - Yellow')
      expect(await page.textContent('main')).not.toContain('for OurSong members')
      expect(await seriousViolations(page)).toEqual([])

      await signIn(page, 'dave')
      const notOwned = await page.goto(`${demo.url}/videos/yellow/hd`)
      expect(notOwned?.status()).toBe(403)
      const text = await page.textContent('main')
      expect(text).toContain('Needs token #1–#5.')
      expect(text).toContain('You hold #7.')
      expect(text).toContain('Dave (@dave)')
      expect(await seriousViolations(page)).toEqual([])
      await context.close()
    },
    30_000,
  )

  test('the buy link opens the vibe page on (simulated) OurSong', async () => {
    const page = await browser.newPage()
    await page.goto(`${demo.url}/videos/yellow/hd`)
    const response = await Promise.all([
      page.waitForNavigation(),
      page.click('text=Get it on OurSong'),
    ]).then(([r]) => r)
    expect(response?.status()).toBe(200)
    expect(page.url()).toBe(`${demo.simulatorUrl}/project/nxwyqqow`)
    expect(await page.textContent('h1')).toBe('Coldplay - Yellow')
    await page.close()
  }, 30_000)

  test('sign out from the not-owned page shows the signed-out page again', async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    await signIn(page, 'dave')
    expect((await page.goto(`${demo.url}/videos/yellow/hd`))?.status()).toBe(403)
    const [again] = await Promise.all([
      page.waitForResponse((r) => r.url() === `${demo.url}/videos/yellow/hd`),
      page.click('text=Sign out or switch account'),
    ])
    expect(again.status()).toBe(401)
    await page.waitForSelector('text=Sign in with a wallet')
    await context.close()
  }, 30_000)

  test('sign in with a wallet: the browser wallet signs the challenge, the page reloads unlocked', async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    // dave's published demo key; the page sees an EIP-1193 wallet that signs with it.
    const wallet = new Wallet('0xe36f8dbfef8f73e7cc5b60a4425f110cb585d373641f0e5986f96a3e02d6cffa')
    await page.exposeFunction('demoSign', (message: string) => wallet.signMessage(message))
    await page.addInitScript(
      `window.ethereum = { request: async ({ method, params }) => method === 'eth_requestAccounts' ? ['${wallet.address}'] : window.demoSign(params[0]) }`,
    )
    // dave holds #7 only: the yellow rule (any token) lets him in once signed in.
    expect((await page.goto(`${demo.url}/videos/yellow`))?.status()).toBe(401)
    const [again] = await Promise.all([
      page.waitForResponse(
        (r) => r.url() === `${demo.url}/videos/yellow` && r.request().method() === 'GET',
      ),
      page.click('text=Sign in with a wallet'),
    ])
    expect(again.status()).toBe(200)
    await context.close()
  }, 30_000)

  test('a path no rule matches is a page in a browser, not JSON', async () => {
    const page = await (await browser.newContext({ bypassCSP: true })).newPage()
    const response = await page.goto(`${demo.url}/nobody/serves/this`)
    expect(response?.status()).toBe(403)
    expect(response?.headers()['content-type']).toBe('text/html; charset=utf-8')
    expect(await page.textContent('h1')).toBe('This page is not available')
    expect(await seriousViolations(page)).toEqual([])
    await page.close()
  }, 30_000)
})
