// npm run screenshots — starts `vibegate demo` on a free port, drives headless Chromium
// (Debian's /usr/bin/chromium through playwright-core; never `npx playwright install`) and
// writes one PNG per shot and variant into screenshots/: `<shot>-<variant>.png`.
// `npm run screenshots -- demo-video gate-locked` takes only the shots whose names start
// with one of the words given. To add a screen, add an entry to SHOTS.
import { mkdir } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { startDemo } from '../dist/demo/start-demo.js'
import { launchChromium } from './chromium.mjs'

const OUT = fileURLToPath(new URL('../screenshots/', import.meta.url))

/** The cards of the landing page have asked the gate what the visitor may open. */
const landingChecked = (page) =>
  page.waitForFunction(
    "[...document.querySelectorAll('.state')].every((s) => s.textContent !== 'checking…') && !!document.querySelector('#who p, #signin:not([hidden])')",
  )
/** Every image has loaded (covers, photos), so none is captured half-drawn. */
const imagesLoaded = (page) =>
  page.waitForFunction('[...document.images].every((i) => i.complete && i.naturalWidth > 0)')
/**
 * The page's media element has loaded (a video: its first frame is on screen), and
 * Chromium's loading spinner, which fades out, is gone.
 */
const mediaReady = (selector, state) => async (page) => {
  await page.waitForFunction(
    `((m) => m?.readyState >= ${state} && m.networkState !== HTMLMediaElement.NETWORK_LOADING)(document.querySelector('${selector}'))`,
  )
  await page.waitForTimeout(600)
}

/**
 * The stream page's video has enough buffered that Chromium's spinner is gone. Polled with evaluate: the page's CSP (its own
 * scripts only) refuses the function waitForFunction would inject.
 */
const streamReady = async (page) => {
  for (let i = 0; i < 100; i++) {
    const ready = await page.evaluate(
      `((v) => v !== null && v.readyState >= 2 && v.networkState !== HTMLMediaElement.NETWORK_LOADING)(document.querySelector('video'))`,
    )
    if (ready) break
    await page.waitForTimeout(100)
  }
  await page.waitForTimeout(600)
}

/**
 * The screens, in order. `path` is opened on the demo; `as` signs in that demo account
 * first (through the simulator's OurSong page); `status` is the HTTP status the page must
 * answer with; `ready` are steps run in order before the shot: waits for what must be on
 * screen, or actions such as opening a "details".
 */
export const SHOTS = [
  { name: 'demo-landing-signed-out', path: '/', ready: [landingChecked, imagesLoaded] },
  { name: 'demo-landing-alice', as: 'alice', path: '/', ready: [landingChecked, imagesLoaded] },
  { name: 'demo-video', as: 'alice', path: '/videos/yellow/hd', ready: [mediaReady('video', 4)] },
  {
    name: 'demo-token-details',
    as: 'alice',
    path: '/videos/yellow/hd',
    ready: [mediaReady('video', 4), (page) => page.click('summary')],
  },
  {
    name: 'demo-audio',
    as: 'carol',
    path: '/audio/under-pressure',
    ready: [mediaReady('audio', 1), imagesLoaded],
  },
  { name: 'demo-photo', as: 'dave', path: '/members', ready: [imagesLoaded] },
  { name: 'demo-stream', as: 'alice', path: '/stream/studio', ready: [streamReady] },
  { name: 'gate-locked-signed-out', path: '/videos/yellow/hd', status: 401 },
  {
    name: 'gate-locked-not-owned',
    as: 'dave',
    path: '/videos/yellow/hd',
    status: 403,
    ready: [imagesLoaded],
  },
]

/** Each shot is taken in every variant. */
export const VARIANTS = [
  { name: 'light', options: { colorScheme: 'light', viewport: { width: 1280, height: 800 } } },
  { name: 'dark', options: { colorScheme: 'dark', viewport: { width: 1280, height: 800 } } },
  {
    name: 'mobile',
    options: {
      colorScheme: 'light',
      viewport: { width: 390, height: 844 },
      deviceScaleFactor: 2,
      isMobile: true,
      hasTouch: true,
    },
  },
]

/** Signs `account` in through the simulator's OurSong page; returns the cookies. */
async function signIn(browser, demo, account) {
  const context = await browser.newContext()
  const page = await context.newPage()
  await page.goto(`${demo.url}/auth/login?return_to=%2F`)
  await page.fill('input[name=username]', account)
  await page.fill('input[name=password]', `${account}-pass`)
  await Promise.all([page.waitForURL(`${demo.url}/`), page.click('button[value=approve]')])
  const state = await context.storageState()
  await context.close()
  return state
}

async function main(filters) {
  const shots = SHOTS.filter((s) => !filters.length || filters.some((f) => s.name.startsWith(f)))
  if (!shots.length) throw new Error(`no shot matches ${filters.join(', ')}`)
  await mkdir(OUT, { recursive: true })
  const demo = await startDemo({ port: 0 })
  const browser = await launchChromium()
  try {
    const sessions = new Map()
    for (const shot of shots) {
      if (shot.as && !sessions.has(shot.as))
        sessions.set(shot.as, await signIn(browser, demo, shot.as))
      for (const variant of VARIANTS) {
        const context = await browser.newContext({
          ...variant.options,
          ...(shot.as ? { storageState: sessions.get(shot.as) } : {}),
        })
        const page = await context.newPage()
        const errors = []
        page.on('pageerror', (err) => errors.push(err.message))
        const response = await page.goto(`${demo.url}${shot.path}`)
        const status = response?.status()
        if (status !== (shot.status ?? 200))
          throw new Error(`${shot.name}: ${shot.path} answered ${status}`)
        for (const ready of shot.ready ?? []) await ready(page)
        if (errors.length) throw new Error(`${shot.name}: ${errors.join('; ')}`)
        const file = `${OUT}${shot.name}-${variant.name}.png`
        await page.screenshot({ path: file, fullPage: true })
        console.log(`wrote screenshots/${shot.name}-${variant.name}.png`)
        await context.close()
      }
    }
  } finally {
    await browser.close()
    await demo.close()
  }
}

await main(process.argv.slice(2))
