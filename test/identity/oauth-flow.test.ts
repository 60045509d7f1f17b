import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { cookieSettings, setCookie } from '../../src/http/session-cookie.js'
import { startAuthApp, Browser, type AuthApp } from '../helpers/auth-app.js'
import { TEST_API_KEY, TOKENS } from '../helpers/test-fixture.js'

let app: AuthApp
beforeAll(async () => {
  app = await startAuthApp()
})
afterAll(() => app.close())

/** Starts a sign-in in `browser`: returns the simulator's authorize URL and the state. */
async function startLogin(browser: Browser, returnTo = '/videos/yellow'): Promise<URL> {
  const response = await browser.request(
    `${app.url}/auth/login?return_to=${encodeURIComponent(returnTo)}`,
  )
  expect(response.status).toBe(302)
  return new URL(response.headers.get('location')!)
}

/** Signs in at the simulator's page as `username`: returns the gate callback URL it redirects to. */
async function approveAtOurSong(
  browser: Browser,
  authorize: URL,
  username = 'alice',
  decision = 'approve',
): Promise<string> {
  const page = await browser.request(authorize.href)
  expect(page.status).toBe(200)
  expect(await page.text()).toContain('<form')
  const response = await browser.request(`${app.simUrl}/oauth/authorize`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      username,
      password: `${username}-pass`,
      client_id: authorize.searchParams.get('client_id')!,
      redirect_uri: authorize.searchParams.get('redirect_uri')!,
      response_type: 'code',
      state: authorize.searchParams.get('state')!,
      decision,
    }),
  })
  expect(response.status).toBe(302)
  return response.headers.get('location')!
}

async function signIn(browser: Browser, returnTo?: string): Promise<Response> {
  const callback = await approveAtOurSong(browser, await startLogin(browser, returnTo))
  return browser.request(callback)
}

describe('OAuth sign-in, end to end against the simulator’s login page', () => {
  test('login, approve, callback: a session, and back to return_to', async () => {
    const browser = new Browser()
    const authorize = await startLogin(browser)
    expect(`${authorize.origin}${authorize.pathname}`).toBe(`${app.simUrl}/oauth/authorize`)
    expect(authorize.searchParams.get('client_id')).toBe(TEST_API_KEY)
    expect(authorize.searchParams.get('redirect_uri')).toBe(`${app.url}/auth/callback`)
    expect(authorize.searchParams.get('response_type')).toBe('code')
    expect(authorize.searchParams.get('state')).toMatch(/^[A-Za-z0-9_-]{43}$/)

    const callback = await approveAtOurSong(browser, authorize)
    const done = await browser.request(callback)
    expect(done.status).toBe(302)
    expect(done.headers.get('location')).toBe('/videos/yellow')
    const setCookies = done.headers.getSetCookie()
    expect(setCookies.find((c) => c.startsWith('vibegate_session='))).toMatch(
      /; Max-Age=\d+; Path=\/; HttpOnly; SameSite=Lax$/,
    )
    expect(setCookies.some((c) => /^vibegate_oauth=; Max-Age=0/.test(c))).toBe(true)

    const me = await browser.request(`${app.url}/auth/me`)
    expect(me.status).toBe(200)
    expect(await me.json()).toMatchObject({
      user: { id: 'alice', username: 'alice' },
      session: { kind: 'oauth' },
    })
  })

  test('the session cookie never appears in a URL and the callback answers no-store', async () => {
    const browser = new Browser()
    const done = await signIn(browser)
    expect(done.headers.get('location')).not.toContain(browser.jar(app.url).get('vibegate_session'))
    expect(done.headers.get('cache-control')).toBe('no-store')
  })

  test('a replayed callback (state already used) is refused', async () => {
    const browser = new Browser()
    const callback = await approveAtOurSong(browser, await startLogin(browser))
    const stateCookie = browser.jar(app.url).get('vibegate_oauth')!
    expect((await browser.request(callback)).status).toBe(302)
    browser.jar(app.url).set('vibegate_oauth', stateCookie)
    const replay = await browser.request(callback, { headers: { accept: 'application/json' } })
    expect(replay.status).toBe(400)
    expect(await replay.json()).toMatchObject({ error: 'invalid_state' })
  })

  test('a callback opened in another browser (no state cookie) is refused', async () => {
    const victim = new Browser()
    const callback = await approveAtOurSong(victim, await startLogin(victim))
    const attacker = new Browser()
    const response = await attacker.request(callback, { headers: { accept: 'application/json' } })
    expect(response.status).toBe(400)
    expect(await response.json()).toMatchObject({ error: 'invalid_state' })
  })

  test('a foreign state with the browser’s own state cookie is refused (login CSRF)', async () => {
    const attacker = new Browser()
    const attackersCallback = await approveAtOurSong(attacker, await startLogin(attacker), 'bob')
    const victim = new Browser()
    await startLogin(victim)
    const response = await victim.request(attackersCallback, {
      headers: { accept: 'application/json' },
    })
    expect(response.status).toBe(400)
    expect(victim.jar(app.url).has('vibegate_session')).toBe(false)
  })

  test('a state older than 10 minutes is refused', async () => {
    const { fakeClock } = await import('../helpers/fake-clock.js')
    const clock = fakeClock(Date.now())
    const timed = await startAuthApp({ clock })
    try {
      const browser = new Browser()
      const login = await browser.request(`${timed.url}/auth/login`)
      const authorize = new URL(login.headers.get('location')!)
      clock.advance(10 * 60_000 + 1)
      const state = authorize.searchParams.get('state')!
      const response = await browser.request(`${timed.url}/auth/callback?code=x&state=${state}`, {
        headers: { accept: 'application/json' },
      })
      expect(response.status).toBe(400)
      expect(await response.json()).toMatchObject({ error: 'invalid_state' })
    } finally {
      await timed.close()
    }
  })

  test('session fixation: a planted session id is not adopted, and a new id is issued', async () => {
    const browser = new Browser()
    const planted = 'A'.repeat(43)
    browser.jar(app.url).set('vibegate_session', planted)
    await signIn(browser)
    const issued = browser.jar(app.url).get('vibegate_session')
    expect(issued).toBeDefined()
    expect(issued).not.toBe(planted)
    expect(await app.services.sessions.get(planted)).toBeUndefined()
  })

  test('signing in again replaces the previous session', async () => {
    const browser = new Browser()
    await signIn(browser)
    const first = browser.jar(app.url).get('vibegate_session')!
    await signIn(browser)
    const second = browser.jar(app.url).get('vibegate_session')!
    expect(second).not.toBe(first)
    expect(await app.services.sessions.get(first)).toBeUndefined()
  })

  test.each([
    ['//evil.com/x'],
    ['https://evil.com/'],
    ['/\\evil.com'],
    ['javascript:alert(1)'],
    ['https://127.0.0.1.evil.com/'],
  ])('a hostile return_to %j ends on /', async (returnTo) => {
    const done = await signIn(new Browser(), returnTo)
    expect(done.status).toBe(302)
    expect(done.headers.get('location')).toBe('/')
  })

  test('an absolute return_to on the gate’s own host is kept', async () => {
    const done = await signIn(new Browser(), `${app.url}/members?x=1`)
    expect(done.headers.get('location')).toBe(`${app.url}/members?x=1`)
  })

  test('denying at OurSong shows a page, not a session', async () => {
    const browser = new Browser()
    const callback = await approveAtOurSong(browser, await startLogin(browser), 'alice', 'deny')
    const response = await browser.request(callback, { headers: { accept: 'text/html' } })
    expect(response.status).toBe(403)
    const html = await response.text()
    expect(html).toContain('Sign-in was cancelled at OurSong.')
    expect(html).not.toMatch(/at .*\.ts:\d+/)
    expect(browser.jar(app.url).has('vibegate_session')).toBe(false)
  })

  test('a failed token exchange is a clear 502, never a stack trace', async () => {
    const browser = new Browser()
    const callback = await approveAtOurSong(browser, await startLogin(browser))
    await fetch(`${app.simUrl}/__sim/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ path: '/oauth/token', status: 400, times: 1 }),
    })
    const response = await browser.request(callback, { headers: { accept: 'application/json' } })
    expect(response.status).toBe(502)
    expect(await response.json()).toEqual({
      error: 'oauth_failed',
      message: 'OurSong did not complete the sign-in. Start again.',
    })
  })
})

describe('/auth/me and /auth/logout', () => {
  test('without identity /auth/me is 401 JSON', async () => {
    const response = await fetch(`${app.url}/auth/me`)
    expect(response.status).toBe(401)
    expect(await response.json()).toMatchObject({ error: 'no_session' })
  })

  test('a Bearer OurSong token is an identity of kind bearer, looked up once then cached', async () => {
    await fetch(`${app.simUrl}/__sim/calls/reset`, { method: 'POST' })
    for (let i = 0; i < 3; i++) {
      const response = await fetch(`${app.url}/auth/me`, {
        headers: { authorization: `Bearer ${TOKENS.bob}` },
      })
      expect(await response.json()).toMatchObject({
        user: { id: 'bob' },
        session: { kind: 'bearer', expires_at: null },
      })
    }
    expect((await app.calls())['GET /api/open-api/auth-user']).toBe(1)
  })

  test('an invalid Bearer token is 401 and does not fall back to the cookie', async () => {
    const browser = new Browser()
    await signIn(browser)
    const response = await browser.request(`${app.url}/auth/me`, {
      headers: { authorization: 'Bearer forged-token-xyz' },
    })
    expect(response.status).toBe(401)
  })

  test('duplicate session cookies are no identity', async () => {
    const browser = new Browser()
    await signIn(browser)
    const id = browser.jar(app.url).get('vibegate_session')!
    const response = await fetch(`${app.url}/auth/me`, {
      headers: { cookie: `vibegate_session=${id}; vibegate_session=${id}` },
    })
    expect(response.status).toBe(401)
  })

  test('logout ends the session and clears the cookie', async () => {
    const browser = new Browser()
    await signIn(browser)
    const id = browser.jar(app.url).get('vibegate_session')!
    const response = await browser.request(`${app.url}/auth/logout`, {
      method: 'POST',
      headers: { origin: app.url },
    })
    expect(response.status).toBe(204)
    expect(
      response.headers.getSetCookie().some((c) => /^vibegate_session=; Max-Age=0/.test(c)),
    ).toBe(true)
    expect(await app.services.sessions.get(id)).toBeUndefined()
    const me = await fetch(`${app.url}/auth/me`, { headers: { cookie: `vibegate_session=${id}` } })
    expect(me.status).toBe(401)
  })

  test('logout tells the gate whose cached ownership to purge', async () => {
    const purged: string[] = []
    const withHook = await startAuthApp({ onLogout: async (user) => void purged.push(user.id) })
    try {
      const browser = new Browser()
      const callback = await (async () => {
        const login = await browser.request(`${withHook.url}/auth/login`)
        const authorize = new URL(login.headers.get('location')!)
        const approved = await browser.request(`${withHook.simUrl}/oauth/authorize`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({
            username: 'carol',
            password: 'carol-pass',
            client_id: authorize.searchParams.get('client_id')!,
            redirect_uri: authorize.searchParams.get('redirect_uri')!,
            state: authorize.searchParams.get('state')!,
            decision: 'approve',
          }),
        })
        return approved.headers.get('location')!
      })()
      await browser.request(callback)
      expect(
        (await browser.request(`${withHook.url}/auth/logout`, { method: 'POST' })).status,
      ).toBe(204)
      expect(purged).toEqual(['carol'])
    } finally {
      await withHook.close()
    }
  })

  test('logout from another site’s page is refused', async () => {
    const browser = new Browser()
    await signIn(browser)
    const response = await browser.request(`${app.url}/auth/logout`, {
      method: 'POST',
      headers: { origin: 'https://evil.example' },
    })
    expect(response.status).toBe(403)
    expect((await browser.request(`${app.url}/auth/me`)).status).toBe(200)
  })
})

describe('rate limits and cookies', () => {
  test('too many sign-in starts from one address are 429', async () => {
    const limited = await startAuthApp({
      rateLimits: {
        loginPerIp: { max: 3, windowMs: 60_000 },
        challengePerIp: { max: 3, windowMs: 60_000 },
        challengePerAddress: { max: 2, windowMs: 60_000 },
        walletLoginPerIp: { max: 3, windowMs: 60_000 },
        walletLoginPerAddress: { max: 2, windowMs: 60_000 },
      },
    })
    try {
      const statuses: number[] = []
      for (let i = 0; i < 4; i++)
        statuses.push((await fetch(`${limited.url}/auth/login`, { redirect: 'manual' })).status)
      expect(statuses).toEqual([302, 302, 302, 429])
    } finally {
      await limited.close()
    }
  })

  test('under https the cookies are __Host- prefixed and Secure', () => {
    const settings = cookieSettings(new URL('https://gate.example.com'))
    expect(settings).toEqual({
      session: '__Host-vibegate_session',
      state: '__Host-vibegate_oauth',
      secure: true,
    })
    expect(setCookie(settings.session, 'v', 60, settings.secure)).toBe(
      '__Host-vibegate_session=v; Max-Age=60; Path=/; HttpOnly; Secure; SameSite=Lax',
    )
  })
})
