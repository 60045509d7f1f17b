import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { authUserResponseSchema, tokenResponseSchema } from '../../src/oursong/schemas.js'
import { AUTH_CODE_TTL_MS } from '../../src/simulator/create-code-store.js'
import { fakeClock } from '../helpers/fake-clock.js'
import {
  API_KEY,
  API_SECRET,
  REDIRECT_URI,
  REDIRECT_URI_WITH_QUERY,
  expectError,
  expectJson,
  startKit,
  type Kit,
} from './sim-kit.js'

const clock = fakeClock()
let kit: Kit
beforeAll(async () => {
  kit = await startKit({ clock })
})
afterAll(async () => {
  await kit.close()
})

const authorizeQuery = (overrides: Record<string, string> = {}) => ({
  client_id: API_KEY,
  redirect_uri: REDIRECT_URI,
  response_type: 'code',
  ...overrides,
})

/** Submits the sign-in form. */
function submit(form: Record<string, string>): Promise<Response> {
  return kit.post(
    '/oauth/authorize',
    { client_id: API_KEY, redirect_uri: REDIRECT_URI, response_type: 'code', ...form },
    { apiKey: null },
  )
}

/** Signs in and approves; returns the code from the redirect. */
async function getCode(username = 'alice', password = 'alice-pass', redirectUri = REDIRECT_URI) {
  const res = await submit({ username, password, decision: 'approve', redirect_uri: redirectUri })
  expect(res.status).toBe(302)
  const code = new URL(res.headers.get('location') ?? '').searchParams.get('code')
  expect(code).toMatch(/^[A-Za-z0-9_-]{43}$/)
  return code ?? ''
}

function exchange(form: Record<string, string>): Promise<Response> {
  return kit.post(
    '/oauth/token',
    {
      grant_type: 'authorization_code',
      client_id: API_KEY,
      client_secret: API_SECRET,
      redirect_uri: REDIRECT_URI,
      ...form,
    },
    { apiKey: null },
  )
}

describe('GET /oauth/authorize', () => {
  test('renders the sign-in form with the client, redirect_uri and state in hidden fields', async () => {
    const res = await kit.get('/oauth/authorize', {
      apiKey: null,
      query: authorizeQuery({ state: 'st-123' }),
    })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^text\/html/)
    const page = await res.text()
    for (const field of [
      'name="username"',
      'name="password"',
      `name="client_id" value="${API_KEY}"`,
      `name="redirect_uri" value="${REDIRECT_URI}"`,
      'name="response_type" value="code"',
      'name="state" value="st-123"',
      'name="decision" value="approve"',
      'name="decision" value="deny"',
    ]) {
      expect(page).toContain(field)
    }
  })

  test('HTML-escapes the state', async () => {
    const state = `"><script>alert('x')</script>&`
    const res = await kit.get('/oauth/authorize', {
      apiKey: null,
      query: authorizeQuery({ state }),
    })
    const page = await res.text()
    expect(page).not.toContain('<script>')
    expect(page).toContain(
      'value="&#34;&#62;&#60;script&#62;alert(&#39;x&#39;)&#60;/script&#62;&#38;"',
    )
  })

  test.each([
    ['an unknown client_id', { client_id: 'nope' }],
    ['no client_id', { client_id: '' }],
    ['an unregistered redirect_uri', { redirect_uri: 'http://evil.test/cb' }],
    [
      'a redirect_uri that only starts like a registered one',
      { redirect_uri: `${REDIRECT_URI}/x` },
    ],
    ["another app's redirect_uri", { redirect_uri: 'http://other.test/cb' }],
    ['response_type token', { response_type: 'token' }],
    ['no response_type', { response_type: '' }],
  ])('%s is a 400 page, never a redirect', async (_name, overrides) => {
    const res = await fetch(
      `${kit.url}/oauth/authorize?${new URLSearchParams(authorizeQuery(overrides))}`,
      { redirect: 'manual' },
    )
    expect(res.status).toBe(400)
    expect(res.headers.get('location')).toBeNull()
    expect(res.headers.get('content-type')).toMatch(/^text\/html/)
  })

  test('an unregistered redirect_uri is named, with the ones registered and how to fix it', async () => {
    const res = await fetch(
      `${kit.url}/oauth/authorize?${new URLSearchParams(authorizeQuery({ redirect_uri: 'http://localhost:9999/auth/callback' }))}`,
      { redirect: 'manual' },
    )
    expect(res.status).toBe(400)
    const page = await res.text()
    expect(page).toContain(
      'The redirect_uri &#34;http://localhost:9999/auth/callback&#34; is not registered',
    )
    expect(page).toContain(`&#34;${REDIRECT_URI}&#34;`)
    expect(page).toContain('VIBEGATE_PUBLIC_URL')
  })
})

describe('POST /oauth/authorize', () => {
  test('approve redirects with a code and the state', async () => {
    const res = await submit({
      username: 'alice',
      password: 'alice-pass',
      decision: 'approve',
      state: 's 1',
    })
    expect(res.status).toBe(302)
    const location = new URL(res.headers.get('location') ?? '')
    expect(`${location.origin}${location.pathname}`).toBe(REDIRECT_URI)
    expect(location.searchParams.get('state')).toBe('s 1')
    expect(location.searchParams.get('code')).toMatch(/^[A-Za-z0-9_-]{43}$/)
  })

  test('without a state, none is added; the redirect_uri query string is kept', async () => {
    const res = await submit({
      username: 'alice',
      password: 'alice-pass',
      decision: 'approve',
      redirect_uri: REDIRECT_URI_WITH_QUERY,
    })
    const location = new URL(res.headers.get('location') ?? '')
    expect(location.searchParams.get('tenant')).toBe('1')
    expect(location.searchParams.has('state')).toBe(false)
    expect(location.searchParams.has('code')).toBe(true)
  })

  test('deny redirects with error=access_denied and the state, without a code', async () => {
    const res = await submit({ decision: 'deny', state: 'abc' })
    expect(res.status).toBe(302)
    const location = new URL(res.headers.get('location') ?? '')
    expect(location.searchParams.get('error')).toBe('access_denied')
    expect(location.searchParams.get('state')).toBe('abc')
    expect(location.searchParams.has('code')).toBe(false)
  })

  test.each([
    ['a wrong password', { username: 'alice', password: 'wrong' }],
    ['an unknown user', { username: 'nobody', password: 'alice-pass' }],
    ['no password', { username: 'alice' }],
  ])('%s is 401 with the form again and an error', async (_name, form) => {
    const res = await submit({ ...form, decision: 'approve', state: 'keep-me' })
    expect(res.status).toBe(401)
    expect(res.headers.get('location')).toBeNull()
    const page = await res.text()
    expect(page).toContain('Wrong username or password')
    expect(page).toContain('name="state" value="keep-me"')
  })

  test('the re-rendered form escapes the submitted username', async () => {
    const res = await submit({ username: '<b>x</b>', password: 'p', decision: 'approve' })
    const page = await res.text()
    expect(page).toContain('value="&#60;b&#62;x&#60;/b&#62;"')
    expect(page).not.toContain('<b>x')
  })

  test('a password with HTML characters works', async () => {
    await getCode('dave', 'dave <pass>')
  })

  test.each([
    ['an unknown client_id', { client_id: 'nope' }],
    ['an unregistered redirect_uri', { redirect_uri: 'http://evil.test/cb' }],
    ['response_type token', { response_type: 'token' }],
  ])('%s is re-validated: a 400 page, never a redirect', async (_name, overrides) => {
    const res = await submit({
      username: 'alice',
      password: 'alice-pass',
      decision: 'approve',
      ...overrides,
    })
    expect(res.status).toBe(400)
    expect(res.headers.get('location')).toBeNull()
  })

  test('a missing decision is 400 with the form', async () => {
    const res = await submit({ username: 'alice', password: 'alice-pass' })
    expect(res.status).toBe(400)
    expect(await res.text()).toContain('Choose Approve or Deny')
  })
})

describe('POST /oauth/token', () => {
  test('exchanges a code for a token of the signed-in user', async () => {
    const code = await getCode('bob', 'bob-pass')
    const body = tokenResponseSchema.parse(await expectJson(await exchange({ code }), 200))
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 31535999 })
    expect(body.refresh_token).toBeDefined()
    const me = await kit.get('/api/open-api/auth-user', { token: body.access_token })
    expect(authUserResponseSchema.parse(await expectJson(me, 200)).user.id).toBe('bob')
  })

  test('accepts a JSON body too', async () => {
    const code = await getCode()
    const res = await fetch(`${kit.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        grant_type: 'authorization_code',
        client_id: API_KEY,
        client_secret: API_SECRET,
        redirect_uri: REDIRECT_URI,
        code,
      }),
    })
    tokenResponseSchema.parse(await expectJson(res, 200))
  })

  test('a code is single-use', async () => {
    const code = await getCode()
    expect((await exchange({ code })).status).toBe(200)
    await expectError(await exchange({ code }), 400, /invalid or was already used/)
  })

  test('a code expires after 10 minutes', async () => {
    const fresh = await getCode()
    const stale = await getCode()
    clock.advance(AUTH_CODE_TTL_MS - 1)
    expect((await exchange({ code: fresh })).status).toBe(200)
    clock.advance(1)
    await expectError(await exchange({ code: stale }), 400, /expired/)
  })

  test('a redirect_uri other than the code’s is refused, and the code is spent', async () => {
    const code = await getCode()
    await expectError(
      await exchange({ code, redirect_uri: REDIRECT_URI_WITH_QUERY }),
      400,
      new RegExp(
        `redirect_uri "${REDIRECT_URI_WITH_QUERY.replace(/[?.]/g, '\\$&')}" does not match "${REDIRECT_URI.replace(/[.]/g, '\\$&')}"`,
      ),
    )
    await expectError(await exchange({ code }), 400, /already used/)
  })

  test('a code of another client is refused', async () => {
    const code = await getCode()
    const res = await exchange({ code, client_id: 'other-key', client_secret: 'other-secret' })
    await expectError(res, 400, /not issued to this client/)
  })

  test.each([
    ['a wrong client_secret', 401, { client_secret: 'wrong' }],
    ['no client_secret', 401, { client_secret: '' }],
    ['an unknown client_id', 401, { client_id: 'nope' }],
    ['grant_type password', 400, { grant_type: 'password' }],
    ['grant_type refresh_token', 400, { grant_type: 'refresh_token' }],
    ['no code', 400, { code: '' }],
    ['an unknown code', 400, { code: 'made-up' }],
  ])('%s is %d', async (_name, status, overrides) => {
    const code = await getCode()
    await expectError(await exchange({ code, ...overrides }), status)
  })

  test('the code survives a refused client authentication', async () => {
    const code = await getCode()
    await expectError(await exchange({ code, client_secret: 'wrong' }), 401)
    expect((await exchange({ code })).status).toBe(200)
  })
})
