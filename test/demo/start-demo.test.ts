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

  test('covers are public SVGs that can run nothing; an unknown cover is 404', async () => {
    const cover = await fetch(`${demo.url}/assets/covers/nxwyqqow.svg`)
    expect(cover.status).toBe(200)
    expect(cover.headers.get('content-type')).toBe('image/svg+xml')
    expect(cover.headers.get('content-security-policy')).toContain("default-src 'none'")
    const svg = await cover.text()
    expect(svg).toContain('<title>Coldplay - Yellow</title>')
    expect(svg).not.toMatch(/<script|href=/)
    expect((await fetch(`${demo.url}/assets/covers/nope.svg`)).status).toBe(404)
  })

  test('media sit behind their item’s rule: 401 signed out, 403 without the vibe', async () => {
    const anonymous = await fetch(`${demo.url}/videos/yellow/hd/media.mp4`)
    expect(anonymous.status).toBe(401)
    const bob = new Browser()
    await signInWithOurSong(bob, 'bob', '/')
    expect((await bob.request(`${demo.url}/videos/yellow/hd/media.mp4`)).status).toBe(403)
  })

  test('a holder gets the video and the audio, with byte ranges', async () => {
    const alice = new Browser()
    await signInWithOurSong(alice, 'alice', '/')
    const video = await alice.request(`${demo.url}/videos/yellow/hd/media.mp4`)
    expect(video.status).toBe(200)
    expect(video.headers.get('content-type')).toMatch(/^video\/mp4/)
    const bytes = Buffer.from(await video.arrayBuffer())
    expect(bytes.toString('latin1', 4, 8)).toBe('ftyp')
    const part = await alice.request(`${demo.url}/videos/yellow/hd/media.mp4`, {
      headers: { range: 'bytes=0-7' },
    })
    expect(part.status).toBe(206)
    expect(part.headers.get('content-range')).toBe(`bytes 0-7/${bytes.length}`)
    const carol = new Browser()
    await signInWithOurSong(carol, 'carol', '/')
    const audio = await carol.request(`${demo.url}/audio/under-pressure/media.wav`)
    expect(audio.status).toBe(200)
    expect(audio.headers.get('content-type')).toBe('audio/wav')
  })

  test('a denial names the cover the demo serves, so the locked page can show it', async () => {
    const bob = new Browser()
    await signInWithOurSong(bob, 'bob', '/')
    const denied = await bob.request(`${demo.url}/videos/yellow/hd`, {
      headers: { accept: 'application/json' },
    })
    const body = (await denied.json()) as { requires: { cover_image: string }[] }
    expect(body.requires[0]!.cover_image).toBe(`${demo.url}/assets/covers/nxwyqqow.svg`)
  })
})
