import { afterAll, beforeAll, expect, test } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { startDemo, type RunningDemo } from '../../src/demo/start-demo.js'
import { describeWithChromium, launchChromium } from '../helpers/chromium.js'

const maybe = describeWithChromium('the HLS stream in the browser')

const axeSource = readFileSync(
  createRequire(import.meta.url).resolve('axe-core/axe.min.js'),
  'utf8',
)
const PAGE = '/stream/studio'
const FILES = ['index.m3u8', 'video.m3u8', 'init.mp4', 'seg-0.m4s', 'seg-2.m4s']

let demo: RunningDemo
let browser: Browser

/** A new browser context signed in as `username` through the simulator's OurSong page. */
async function signedIn(username: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext()
  const page = await context.newPage()
  await page.goto(`${demo.url}/auth/login?return_to=${PAGE}`)
  await page.fill('input[name=username]', username)
  await page.fill('input[name=password]', `${username}-pass`)
  await Promise.all([page.waitForURL(`${demo.url}${PAGE}`), page.click('button[value=approve]')])
  return { context, page }
}

/**
 * Polls `expression` in the page until it is true. Not `page.waitForFunction`: it compiles
 * its string with eval, which the stream page's CSP (no 'unsafe-eval') rightly refuses.
 */
async function until(page: Page, expression: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await page.evaluate(expression))) {
    if (Date.now() > deadline) throw new Error(`still false after ${timeoutMs} ms: ${expression}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

maybe('the studio stream (HLS) in headless Chromium', () => {
  beforeAll(async () => {
    demo = await startDemo({ port: 0 })
    browser = await launchChromium()
  }, 30_000)
  afterAll(async () => {
    await browser?.close()
    await demo?.close()
  })

  test('a fan who holds the vibe plays the stream with hls.js, under the page’s CSP', async () => {
    const types = new Map<string, string>()
    const problems: string[] = []
    const context = await browser.newContext()
    context.on('response', (r) => {
      const file = /\/stream\/studio\/hls\/([^/?]+)$/.exec(r.url())?.[1]
      if (file) types.set(file, `${r.status()} ${r.headers()['content-type']}`)
    })
    const page = await context.newPage()
    page.on('console', (m) => m.type() === 'error' && problems.push(m.text()))
    page.on('pageerror', (e) => problems.push(e.message))
    await page.goto(`${demo.url}/auth/login?return_to=${PAGE}`)
    await page.fill('input[name=username]', 'alice')
    await page.fill('input[name=password]', 'alice-pass')
    await Promise.all([page.waitForURL(`${demo.url}${PAGE}`), page.click('button[value=approve]')])
    expect(await page.textContent('h1')).toBe('Live from the studio')
    await page.locator('video[data-engine="hls.js"]').waitFor()
    // Runs in the page; a string, since the tests' TypeScript has no DOM types.
    await page.evaluate("(() => { const v = document.querySelector('video'); v.muted = true; return v.play() })()") // prettier-ignore
    await until(page, "document.querySelector('video').currentTime > 1.2")
    const state = await page.evaluate(
      "(() => { const v = document.querySelector('video'); return { error: v.error && v.error.code, width: v.videoWidth, height: v.videoHeight, duration: v.duration, status: document.getElementById('player-status').textContent } })()",
    )
    expect(state).toEqual({ error: null, width: 128, height: 80, duration: 6, status: '' })
    expect(types.get('index.m3u8')).toBe('200 application/vnd.apple.mpegurl')
    expect(types.get('video.m3u8')).toBe('200 application/vnd.apple.mpegurl')
    expect(types.get('init.mp4')).toBe('200 video/mp4')
    expect(types.get('seg-0.m4s')).toBe('200 video/iso.segment')
    expect(problems).toEqual([])
    // Evaluated through the debugger, which the page's CSP does not govern (a script tag would be refused).
    await page.evaluate(axeSource)
    const serious = await page.evaluate(
      'axe.run(document, { resultTypes: ["violations"] }).then((r) => r.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => v.id))',
    )
    expect(serious).toEqual([])
    await context.close()
  }, 30_000)

  test('Chromium’s Media Source Extensions take the stream’s codec', async () => {
    const page = await (await browser.newContext()).newPage()
    await page.goto(demo.url)
    expect(await page.evaluate('MediaSource.isTypeSupported(\'video/mp4; codecs="avc1.42C01E"\')')).toBe(true) // prettier-ignore
  }, 30_000)

  test('a signed-out visitor is refused the playlists and the segments (401)', async () => {
    const context = await browser.newContext()
    for (const file of FILES) {
      const response = await context.request.get(`${demo.url}${PAGE}/hls/${file}`)
      expect([file, response.status()]).toEqual([file, 401])
    }
    await context.close()
  }, 30_000)

  test('a fan without the vibe is refused the playlists and the segments (403)', async () => {
    const { context, page } = await signedIn('bob')
    expect(await page.textContent('h1')).toBe('You need Coldplay - Yellow to open this')
    for (const file of FILES) {
      const response = await context.request.get(`${demo.url}${PAGE}/hls/${file}`)
      expect([file, response.status()]).toEqual([file, 403])
    }
    await context.close()
  }, 30_000)

  test('segments answer a Range request with 206, privately cached', async () => {
    const { context } = await signedIn('alice')
    const response = await context.request.get(`${demo.url}${PAGE}/hls/seg-1.m4s`, {
      headers: { range: 'bytes=0-7' },
    })
    expect(response.status()).toBe(206)
    expect(response.headers()['content-range']).toMatch(/^bytes 0-7\/\d+$/)
    expect(response.headers()['cache-control']).toMatch(/^private/)
    expect((await response.body()).toString('latin1', 4, 8)).toBe('styp')
    await context.close()
  }, 30_000)
})
