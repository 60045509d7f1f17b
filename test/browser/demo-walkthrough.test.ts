import { afterAll, beforeAll, expect, test } from '@jest/globals'
import type { Browser } from 'playwright-core'
import { startDemo, type RunningDemo } from '../../src/demo/start-demo.js'
import { describeWithChromium, launchChromium } from '../helpers/chromium.js'

const maybe = describeWithChromium('the browser walk-through')

let demo: RunningDemo
let browser: Browser

maybe('the demo in headless Chromium', () => {
  beforeAll(async () => {
    demo = await startDemo({ port: 0 })
    browser = await launchChromium()
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
    expect(await hd.textContent()).toBe('Unlocked')
    const pressure = page.locator('li[data-path="/audio/under-pressure"] .state')
    expect(await pressure.textContent()).toBe('Locked')
  }, 30_000)

  test('the landing page shows titles and cover art, never vibe ids', async () => {
    const page = await (await browser.newContext()).newPage()
    await page.goto(demo.url)
    await page.waitForSelector('#signin:not([hidden])')
    const text = (await page.textContent('body'))!
    expect(text).toContain('Coldplay - Yellow (HD cut)')
    expect(text).toContain('Video Killed The Radio Star')
    for (const id of ['nxwyqqow', 'xdwbppyw', 'mzwkaxwy', 'npwjlbwq', 'xdrbpvjr'])
      expect(await page.innerText('body')).not.toContain(id)
    await page.waitForFunction(
      '[...document.images].length >= 7 && [...document.images].every((i) => i.complete && i.naturalWidth > 0 && i.alt)',
    )
    expect(await page.locator('h1').count()).toBe(1)
    expect(await page.locator('a button, button a').count()).toBe(0)
  }, 30_000)

  test('a video page plays its video; the JWT is hidden until "details" is opened', async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    await page.goto(`${demo.url}/auth/login?return_to=/videos/yellow/hd`)
    await page.fill('input[name=username]', 'alice')
    await page.fill('input[name=password]', 'alice-pass')
    const media = page.waitForResponse((r) => r.url().endsWith('/videos/yellow/hd/media.mp4'))
    await Promise.all([
      page.waitForURL(`${demo.url}/videos/yellow/hd`),
      page.click('button[value=approve]'),
    ])
    const response = await media
    expect([200, 206]).toContain(response.status())
    expect(response.headers()['content-type']).toMatch(/^video\/mp4/)
    await page.waitForFunction("document.querySelector('video').readyState >= 2")
    const played = await page.evaluate(
      "(async () => { const v = document.querySelector('video'); v.muted = true; await v.play(); await new Promise((r) => setTimeout(r, 400)); return { time: v.currentTime, error: v.error, width: v.videoWidth } })()",
    )
    expect(played).toMatchObject({ error: null, width: 128 })
    expect((played as { time: number }).time).toBeGreaterThan(0)
    expect(await page.isVisible('pre.jwt')).toBe(false)
    expect(await page.isVisible('pre.claims')).toBe(false)
    await page.click('summary')
    expect(await page.isVisible('pre.jwt')).toBe(true)
    expect(await page.textContent('pre.claims')).toContain('"rule": "yellow-hd"')
  }, 30_000)

  test('an audio page has an audio player that loads', async () => {
    const page = await (await browser.newContext()).newPage()
    await page.goto(`${demo.url}/auth/login?return_to=/audio/under-pressure`)
    await page.fill('input[name=username]', 'carol')
    await page.fill('input[name=password]', 'carol-pass')
    await Promise.all([
      page.waitForURL(`${demo.url}/audio/under-pressure`),
      page.click('button[value=approve]'),
    ])
    await page.waitForFunction("document.querySelector('audio[controls]').readyState >= 1")
    expect(await page.evaluate("document.querySelector('audio').duration")).toBeCloseTo(3.25, 1)
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
    expect(await page.textContent('#who')).toContain('Carol (carol) with a wallet')
    await Promise.all([page.waitForEvent('load'), page.click('#logout')])
    await page.waitForSelector('#signin:not([hidden])')
  }, 30_000)
})
