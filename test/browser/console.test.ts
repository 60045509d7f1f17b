import { afterAll, beforeAll, expect, test } from '@jest/globals'
import { readFile } from 'node:fs/promises'
import type { Browser, Page } from 'playwright-core'
import { CONSOLE_START_RULES, startConsoleGate, type ConsoleGate } from '../helpers/console-gate.js'
import { TOKENS } from '../helpers/test-fixture.js'
import { describeWithChromium, launchChromium } from '../helpers/chromium.js'

const maybe = describeWithChromium('the console browser test')

let gate: ConsoleGate
let browser: Browser

/** Signs `username` in from the console's sign-in page, through the simulator's OAuth page. */
async function signIn(username: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage()
  const first = await page.goto(`${gate.url}/console`)
  expect(first?.status()).toBe(401)
  await page.click('#oursong-login')
  await page.waitForSelector('input[name=username]')
  expect(page.url().startsWith(gate.simUrl)).toBe(true)
  await page.fill('input[name=username]', username)
  await page.fill('input[name=password]', `${username}-pass`)
  await Promise.all([page.waitForURL(`${gate.url}/console`), page.click('button[value=approve]')])
  return page
}
const decide = async (uri: string, user: keyof typeof TOKENS): Promise<number> =>
  (
    await fetch(`${gate.url}/authz/auth-request`, {
      headers: {
        'X-Original-Method': 'GET',
        'X-Original-URI': uri,
        Authorization: `Bearer ${TOKENS[user]}`,
      },
    })
  ).status

maybe('the operator console in headless Chromium', () => {
  beforeAll(async () => {
    gate = await startConsoleGate()
    browser = await launchChromium()
  }, 30_000)
  afterAll(async () => {
    await browser?.close()
    await gate?.close()
  })

  test('a signed-in fan who is not an operator gets 403', async () => {
    const page = await signIn('bob')
    const again = await page.goto(`${gate.url}/console`)
    expect(again?.status()).toBe(403)
    expect(await page.textContent('h1')).toBe('Not an operator')
  }, 30_000)

  test('an operator adds a rule with the form; fans are denied or allowed within 2 s', async () => {
    const page = await signIn('carol')
    expect(await page.textContent('[data-rule=yellow]')).toContain('Coldplay - Yellow')
    expect(await decide('/vip/room', 'alice')).toBe(200)

    await page.click('nav >> text=Add a rule')
    await page.fill('#f-id', 'vip')
    await page.fill('#f-paths', '/vip/**')
    await page.fill('#f-vibe', 'xdwbppyw')
    await page.fill('#f-token-ids', '4')
    await page.click('#rule-form button[type=submit]')
    await page.waitForSelector('#preview:not([hidden])')
    expect(await page.textContent('#diff')).toContain('+   - id: vip')
    expect(await page.textContent('#preview-problems')).toContain('ok, 3 rules')
    const saved = Date.now()
    await Promise.all([page.waitForURL(`${gate.url}/console`), page.click('#save')])
    while ((await decide('/vip/room', 'alice')) !== 403) {
      expect(Date.now() - saved).toBeLessThan(2000)
      await new Promise((r) => setTimeout(r, 25))
    }
    expect(await decide('/vip/room', 'bob')).toBe(200)
    await page.waitForSelector('#status.ok')
    expect(await page.textContent('#status')).toContain('Your change is in force')
    expect(await page.textContent('[data-rule=vip]')).toContain('token 4')
  }, 30_000)

  test('an operator edits a rule in place with the same form; the change takes effect', async () => {
    const page = await signIn('carol')
    await Promise.all([
      page.waitForURL(`${gate.url}/console/rules/vip/edit`),
      page.click('[data-rule=vip] >> text=Edit'),
    ])
    expect(await page.inputValue('#f-id')).toBe('vip')
    expect(await page.inputValue('#f-paths')).toBe('/vip/**')
    expect(await page.inputValue('#f-token-ids')).toBe('4')
    await page.fill('#f-paths', '/vip2/**')
    await page.click('#rule-form button[type=submit]')
    await page.waitForSelector('#preview:not([hidden])')
    const diff = await page.textContent('#diff')
    expect(diff).toContain('− ')
    expect(diff).toContain('/vip2/**')
    const saved = Date.now()
    await Promise.all([page.waitForURL(`${gate.url}/console`), page.click('#save')])
    while ((await decide('/vip/room', 'alice')) !== 200) {
      expect(Date.now() - saved).toBeLessThan(2000)
      await new Promise((r) => setTimeout(r, 25))
    }
    expect(await decide('/vip2/room', 'alice')).toBe(403)
    expect(await decide('/vip2/room', 'bob')).toBe(200)
    expect(await page.textContent('[data-rule=vip]')).toContain('/vip2/**')
  }, 30_000)

  test('a malformed edit is refused with the message and the old rules stay', async () => {
    const page = await signIn('carol')
    const before = await readFile(gate.rulesFile, 'utf8')
    await page.click('nav >> text=YAML')
    await page.fill('#yaml', before.replace('access: public', 'access: everyone'))
    await page.waitForSelector('#problems li.error')
    expect(await page.textContent('#problems')).toContain(
      'rules[0].access: expected "public" or "authenticated", got "everyone"',
    )
    await page.click('#review')
    await page.waitForSelector('#preview:not([hidden])')
    expect(await page.isDisabled('#save')).toBe(true)
    expect(await readFile(gate.rulesFile, 'utf8')).toBe(before)
    expect(await decide('/vip2/room', 'bob')).toBe(200)
  }, 30_000)

  test('rollback in one click restores the previous file', async () => {
    const page = await signIn('carol')
    await page.click('nav >> text=History')
    await Promise.all([
      page.waitForURL(`${gate.url}/console`),
      page.click('tr:has-text("file as it was") button'),
    ])
    expect(await readFile(gate.rulesFile, 'utf8')).toBe(CONSOLE_START_RULES)
    await page.waitForSelector('#status.ok')
    expect(await page.$('[data-rule=vip]')).toBeNull()
    expect(await decide('/vip/room', 'alice')).toBe(200)
  }, 30_000)
})
