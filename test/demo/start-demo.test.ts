import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { startDemo, type RunningDemo } from '../../src/demo/start-demo.js'
import { Browser } from '../helpers/auth-app.js'

let demo: RunningDemo
beforeAll(async () => {
  demo = await startDemo({ port: 0 })
})
afterAll(() => demo.close())

/** Signs in through the simulator's OurSong page, as a person would. */
async function signInWithOurSong(
  browser: Browser,
  username: string,
  returnTo: string,
): Promise<Response> {
  const login = await browser.request(
    `${demo.url}/auth/login?return_to=${encodeURIComponent(returnTo)}`,
  )
  const authorize = new URL(login.headers.get('location')!)
  expect((await browser.request(authorize.href)).status).toBe(200)
  const approved = await browser.request(`${demo.simulatorUrl}/oauth/authorize`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      username,
      password: `${username}-pass`,
      client_id: authorize.searchParams.get('client_id')!,
      redirect_uri: authorize.searchParams.get('redirect_uri')!,
      state: authorize.searchParams.get('state')!,
      decision: 'approve',
    }),
  })
  return browser.request(approved.headers.get('location')!)
}

describe('vibegate demo', () => {
  test('the landing page is public and lists the content and the accounts', async () => {
    const page = await fetch(demo.url)
    expect(page.status).toBe(200)
    const html = await page.text()
    expect(html).toContain('Sign in with OurSong')
    expect(html).toContain('/videos/yellow/hd')
    expect(demo.accounts.map((a) => a.id)).toEqual(['alice', 'bob', 'carol', 'dave'])
  })

  test('a locked page asks an anonymous browser to sign in', async () => {
    const page = await fetch(`${demo.url}/videos/yellow/hd`, { headers: { accept: 'text/html' } })
    expect(page.status).toBe(401)
    expect(await page.text()).toContain('/auth/login?return_to=%2Fvideos%2Fyellow%2Fhd')
  })

  test('alice signs in with OurSong, returns to the HD cut and sees it with her token', async () => {
    const browser = new Browser()
    const back = await signInWithOurSong(browser, 'alice', '/videos/yellow/hd')
    expect(back.headers.get('location')).toBe('/videos/yellow/hd')
    const page = await browser.request(`${demo.url}/videos/yellow/hd`, {
      headers: { accept: 'text/html' },
    })
    expect(page.status).toBe(200)
    const html = await page.text()
    expect(html).toContain('Unlocked')
    expect(html).toContain('&quot;rule&quot;: &quot;yellow-hd&quot;')
  })

  test('bob, who lacks the vibe, is told what would unlock it', async () => {
    const browser = new Browser()
    await signInWithOurSong(browser, 'bob', '/')
    const page = await browser.request(`${demo.url}/videos/yellow/hd`, {
      headers: { accept: 'text/html' },
    })
    expect(page.status).toBe(403)
    const html = await page.text()
    expect(html).toContain('Coldplay - Yellow')
    expect(html).toContain('Needs token #1–#5.')
  })

  test('wallet sign-in with a demo account’s key, as the page does without a browser wallet', async () => {
    const carol = demo.accounts.find((a) => a.id === 'carol')!
    const challenge = (await (
      await fetch(`${demo.url}/auth/wallet/challenge?address=${carol.address}`)
    ).json()) as { message: string }
    const signed = await fetch(`${demo.url}/demo/sign`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ account: 'carol', message: challenge.message }),
    })
    const { signature } = (await signed.json()) as { signature: string }
    const login = await fetch(`${demo.url}/auth/wallet/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: demo.url },
      body: JSON.stringify({ message: challenge.message, signature }),
    })
    expect(login.status).toBe(200)
    const cookie = login.headers.getSetCookie()[0]!.split(';')[0]!
    const page = await fetch(`${demo.url}/audio/under-pressure`, {
      headers: { cookie, accept: 'text/html' },
    })
    expect(page.status).toBe(200)
  })
})
