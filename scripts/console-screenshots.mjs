// Screenshots of every screen of the operator console, into screenshots/console-*.png.
// Starts the OurSong simulator (demo fixture, covers served locally), a gate with a copy of
// rules/demo.yaml and VIBEGATE_OPERATORS=dave, and drives headless Chromium through it.
// Usage: npm run build && node scripts/console-screenshots.mjs
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { launchChromium } from './chromium.mjs'
import { createGate } from '../dist/index.js'
import { operatorList } from '../dist/console/operator-list.js'
import { loadFixture, startSimulator } from '../dist/simulator/index.js'

const OUT = 'screenshots'
const COLORS = {
  nxwyqqow: '#e7b416',
  xdwbppyw: '#c0392b',
  mzwkaxwy: '#2c7be5',
  npwjlbwq: '#16a085',
  xdrbpvjr: '#8e44ad',
}

const listen = (server) =>
  new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server.address().port)))

// Vibe covers: small SVGs, as OurSong's CDN would serve images.
const covers = createServer((req, res) => {
  const id = /^\/cover\/([a-z]+)\.svg$/.exec(req.url ?? '')?.[1]
  const color = COLORS[id] ?? '#777'
  res.writeHead(200, { 'content-type': 'image/svg+xml' })
  res.end(
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 40 40"><rect width="40" height="40" fill="${color}"/><circle cx="20" cy="20" r="9" fill="none" stroke="#fff" stroke-width="3"/><circle cx="20" cy="20" r="2" fill="#fff"/></svg>`,
  )
})
const coverPort = await listen(covers)

const gateServer = createServer()
const port = await listen(gateServer)
const url = `http://127.0.0.1:${port}`
const fixture = await loadFixture('fixtures/demo.yaml')
const sim = await startSimulator({
  fixture: {
    ...fixture,
    apps: [{ ...fixture.apps[0], redirect_uris: [`${url}/auth/callback`] }],
    vibes: fixture.vibes.map((v) => ({
      ...v,
      cover_image: `http://127.0.0.1:${coverPort}/cover/${v.id}.svg`,
    })),
  },
})
const dir = await mkdtemp(join(tmpdir(), 'vibegate-shots-'))
const rulesFile = join(dir, 'rules.yaml')
await copyFile('rules/demo.yaml', rulesFile)
const gate = await createGate({
  rules: rulesFile,
  publicUrl: url,
  oursong: { baseUrl: sim.url, apiKey: 'demo-key', apiSecret: 'demo-secret' },
  sessionSecret: 'screenshots-'.repeat(4),
  operators: operatorList(['dave']),
})
gateServer.on('request', gate.handler)

await mkdir(OUT, { recursive: true })
const browser = await launchChromium()
const shots = []
async function shot(page, name, fullPage = true) {
  const file = join(OUT, `console-${name}.png`)
  await page.screenshot({ path: file, fullPage })
  shots.push(file)
}
async function signIn(page, who) {
  await page.goto(`${url}/console`)
  await page.click('#oursong-login')
  await page.fill('input[name=username]', who)
  await page.fill('input[name=password]', `${who}-pass`)
  await Promise.all([page.waitForURL(`${url}/console`), page.click('button[value=approve]')])
}

try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 } })
  const page = await context.newPage()
  await page.goto(`${url}/console`)
  await shot(page, '01-sign-in')
  await signIn(page, 'bob')
  await shot(page, '02-not-an-operator')
  // Signing out reloads /console, now the sign-in page: wait for it, not for the URL (unchanged).
  await page.click('#sign-out')
  await page.waitForSelector('#oursong-login')
  await signIn(page, 'dave')
  await page.waitForSelector('#status:not([hidden])')
  await shot(page, '03-rules')

  await page.goto(`${url}/console/rules/new`)
  await page.fill('#f-id', 'vip-lounge')
  await page.fill('#f-description', 'The VIP lounge, for holders of Don’t Stop Me Now')
  await page.fill('#f-paths', '/vip\n/vip/**')
  await page.check('input[name=methods][value=GET]')
  await page.fill('#f-vibe', 'xdwbppyw')
  await page.fill('#f-token-ids', '1-5')
  await shot(page, '04-add-rule')
  await page.click('#rule-form button[type=submit]')
  await page.waitForSelector('#preview:not([hidden])')
  await shot(page, '05-add-rule-preview')
  await Promise.all([page.waitForURL(`${url}/console`), page.click('#save')])
  await page.waitForSelector('#status.ok')
  await shot(page, '06-saved-in-force', false)

  await page.goto(`${url}/console/rules/vip-lounge/edit`)
  await page.fill('#f-token-ids', '1-3')
  await page.click('#rule-form button[type=submit]')
  await page.waitForSelector('#preview:not([hidden])')
  await shot(page, '06b-edit-rule-preview')

  await page.goto(`${url}/console/yaml`)
  await page.fill(
    '#yaml',
    (await page.inputValue('#yaml')).replace('access: authenticated', 'access: members'),
  )
  await page.waitForSelector('#problems li.error')
  await shot(page, '07-yaml-error', false)

  await page.goto(`${url}/console/history`)
  await shot(page, '08-history')

  await page.goto(`${url}/console/explain`)
  await page.fill('#x-url', '/videos/yellow/hd')
  await page.fill('#x-user', 'bob')
  await page.click('#explain-form button[type=submit]')
  await page.waitForSelector('#explain-result table')
  await shot(page, '09-explain')

  // Some traffic for the Live screen: fans asking for content through the decision endpoint.
  const paths = ['/videos/yellow/hd', '/videos/yellow', '/vip', '/members', '/audio/under-pressure']
  for (let i = 0; i < 40; i++) {
    const fan = ['alice', 'bob', 'carol'][i % 3]
    await fetch(`${url}/authz/auth-request`, {
      headers: {
        'X-Original-Method': 'GET',
        'X-Original-URI': paths[i % paths.length],
        Authorization: `Bearer demo-token-${fan}`,
      },
    })
    if (i % 8 === 7) await new Promise((r) => setTimeout(r, 1000))
  }
  await page.goto(`${url}/console/live`)
  await page.waitForSelector('#feed td.allow')
  await page.fill('#p-value', 'nxwyqqow')
  await page.selectOption('#p-kind', 'vibe')
  await page.click('#purge-form button')
  await page.waitForFunction(
    "document.getElementById('purge-result').textContent.startsWith('Purged')",
  )
  await shot(page, '10-live')

  const phone = await browser.newContext({
    viewport: { width: 390, height: 844 },
    isMobile: true,
    hasTouch: true,
    storageState: await context.storageState(),
  })
  const mobile = await phone.newPage()
  await mobile.goto(`${url}/console`)
  await shot(mobile, '11-rules-phone', false)
  await mobile.goto(`${url}/console/rules/new`)
  await shot(mobile, '12-add-rule-phone', false)

  const dark = await browser.newContext({
    viewport: { width: 1280, height: 860 },
    colorScheme: 'dark',
    storageState: await context.storageState(),
  })
  const night = await dark.newPage()
  await night.goto(`${url}/console`)
  await night.waitForSelector('#status:not([hidden])')
  await shot(night, '13-rules-dark', false)
  await night.goto(`${url}/console/yaml`)
  await shot(night, '14-yaml-dark', false)
  await night.goto(`${url}/console/live`)
  await night.waitForSelector('#feed td.allow')
  await shot(night, '15-live-dark', false)
  console.log(shots.join('\n'))
} finally {
  await browser.close()
  gateServer.closeAllConnections()
  gateServer.close()
  covers.close()
  await gate.close()
  await sim.close()
  await rm(dir, { recursive: true, force: true })
}
