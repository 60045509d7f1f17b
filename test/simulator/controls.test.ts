import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from '@jest/globals'
import { ownThisVibeResponseSchema, vibeProfileSchema } from '../../src/oursong/schemas.js'
import { TOKENS, expectError, expectJson, startKit, type Kit } from './sim-kit.js'

const PROFILE = '/api/open-api/vibe/{vibe_id}/profile'

function control(kit: Kit, method: string, path: string, body?: unknown): Promise<Response> {
  return fetch(`${kit.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  })
}

describe('call counts', () => {
  let kit: Kit
  beforeAll(async () => {
    kit = await startKit()
  })
  afterAll(async () => {
    await kit.close()
  })

  test('counts every call to an upstream route by method and template, failures included', async () => {
    await expectJson(await control(kit, 'POST', '/__sim/calls/reset'), 200)
    await kit.get('/api/open-api/vibe/v721/profile')
    await kit.get('/api/open-api/vibe/nope/profile') // 404, still a call to the route
    await kit.get('/api/open-api/vibe/v721/profile', { apiKey: 'wrong' }) // 401
    await kit.get('/api/open-api/user/alice/collected-vibe-list')
    await kit.get('/api/open-api/auth-user/own-this-vibe', {
      token: TOKENS.alice,
      query: { vibe_id: 'v721' },
    })
    await kit.post('/oauth/token', {}, { apiKey: null })
    await fetch(`${kit.url}/api/open-api/auth-user`, { method: 'DELETE' }) // 405
    await kit.get('/no/such/route') // not an upstream route: not counted
    await kit.get('/__sim/calls') // controls are not counted
    const calls = await expectJson(await control(kit, 'GET', '/__sim/calls'), 200)
    expect(calls).toEqual({
      [`GET ${PROFILE}`]: 3,
      'GET /api/open-api/user/{user_id}/collected-vibe-list': 1,
      'GET /api/open-api/auth-user/own-this-vibe': 1,
      'POST /oauth/token': 1,
      'DELETE /api/open-api/auth-user': 1,
    })
    expect(kit.running.simulator.calls()).toEqual(calls)
  })

  test('reset zeroes the counts', async () => {
    await kit.get('/api/open-api/token-spec-list')
    await expectJson(await control(kit, 'POST', '/__sim/calls/reset'), 200)
    expect(await expectJson(await control(kit, 'GET', '/__sim/calls'), 200)).toEqual({})
  })
})

describe('faults', () => {
  let kit: Kit
  beforeEach(async () => {
    kit = await startKit()
  })
  afterEach(async () => {
    await kit.close()
  })
  const fault = (body: unknown) => control(kit, 'POST', '/__sim/faults', body)
  const profile = () => kit.get('/api/open-api/vibe/v721/profile')

  test('a status fault answers with the default error body, for every call until cleared', async () => {
    expect((await fault({ path: PROFILE, status: 503 })).status).toBe(201)
    for (let i = 0; i < 3; i++) {
      const res = await profile()
      expect(res.status).toBe(503)
      expect(await res.json()).toEqual({ status: 'error', message: 'simulated fault' })
    }
    expect((await control(kit, 'DELETE', '/__sim/faults')).status).toBe(200)
    vibeProfileSchema.parse(await expectJson(await profile(), 200))
  })

  test('a string body is sent as-is; an object is JSON-encoded; body alone means 500', async () => {
    await fault({ path: PROFILE, status: 502, body: '<html>bad gateway</html>', times: 1 })
    const raw = await profile()
    expect(raw.status).toBe(502)
    expect(await raw.text()).toBe('<html>bad gateway</html>')

    await fault({ path: PROFILE, body: { status: 'success', id: 42 }, times: 1 })
    const object = await profile()
    expect(object.status).toBe(500)
    expect(object.headers.get('content-type')).toBe('application/json')
    expect(await object.text()).toBe('{"status":"success","id":42}')
  })

  test('a status-200 fault can serve a malformed success', async () => {
    await fault({ path: PROFILE, status: 200, body: '{"id": "v721", "name": ', times: 1 })
    const res = await profile()
    expect(res.status).toBe(200)
    expect(await res.text()).toBe('{"id": "v721", "name": ')
  })

  test('times limits the fault to the next n calls, any method', async () => {
    await fault({ path: '/api/open-api/wallet-login', status: 500, times: 2 })
    expect((await kit.post('/api/open-api/wallet-login', {})).status).toBe(500)
    expect((await kit.get('/api/open-api/wallet-login')).status).toBe(500)
    // The third call is handled normally: 405 for GET.
    await expectError(await kit.get('/api/open-api/wallet-login'), 405)
  })

  test('a concrete path selects its template', async () => {
    await fault({ path: '/api/open-api/vibe/anything/profile', status: 504, times: 1 })
    expect((await kit.get('/api/open-api/vibe/big/profile')).status).toBe(504)
  })

  test('delay_ms alone delays, then the call is handled normally', async () => {
    await fault({ path: PROFILE, delay_ms: 300, times: 1 })
    const started = Date.now()
    const res = await profile()
    expect(Date.now() - started).toBeGreaterThanOrEqual(280)
    vibeProfileSchema.parse(await expectJson(res, 200))
    const again = Date.now()
    await profile()
    expect(Date.now() - again).toBeLessThan(250)
  })

  test('delay and status together: the fault answers after the delay', async () => {
    await fault({ path: PROFILE, delay_ms: 200, status: 429, times: 1 })
    const started = Date.now()
    expect((await profile()).status).toBe(429)
    expect(Date.now() - started).toBeGreaterThanOrEqual(180)
  })

  test('close() does not wait for a call held by a long delay', async () => {
    await fault({ path: PROFILE, delay_ms: 60_000 })
    const pending = fetch(`${kit.url}/api/open-api/vibe/v721/profile?api_key=kit-key`).then(
      (res) => res.status,
      () => 'connection closed',
    )
    while ((kit.running.simulator.calls()[`GET ${PROFILE}`] ?? 0) === 0) {
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
    const started = Date.now()
    await kit.close()
    expect(Date.now() - started).toBeLessThan(1000)
    expect(await pending).toBe('connection closed')
  })

  test('a client giving up during a delay gets no late answer and the fault is spent', async () => {
    await fault({ path: PROFILE, delay_ms: 300, times: 1 })
    await expect(
      fetch(`${kit.url}/api/open-api/vibe/v721/profile?api_key=kit-key`, {
        signal: AbortSignal.timeout(50),
      }),
    ).rejects.toThrow()
    const started = Date.now()
    vibeProfileSchema.parse(await expectJson(await profile(), 200))
    expect(Date.now() - started).toBeLessThan(250)
  })

  test('faulted calls are counted', async () => {
    await fault({ path: PROFILE, status: 500, times: 1 })
    await profile()
    expect(kit.running.simulator.calls()).toEqual({ [`GET ${PROFILE}`]: 1 })
  })

  test('the simulator object sets faults too, validating them the same way', async () => {
    kit.running.simulator.setFault({ path: PROFILE, status: 418, times: 1 })
    expect((await profile()).status).toBe(418)
    expect(() => kit.running.simulator.setFault({ path: '/nope', status: 500 })).toThrow(TypeError)
    expect(() => kit.running.simulator.setFault({ path: PROFILE, status: 42 })).toThrow(/status/)
  })

  test('GET /__sim/faults lists the active faults', async () => {
    await fault({ path: PROFILE, status: 500, times: 2 })
    await profile()
    const body = (await expectJson(await control(kit, 'GET', '/__sim/faults'), 200)) as {
      faults: { template: string; remaining: number | null }[]
    }
    expect(body.faults).toEqual([expect.objectContaining({ template: PROFILE, remaining: 1 })])
  })

  test.each([
    ['an unknown path', { path: '/api/open-api/nope', status: 500 }, 422, /nope/],
    ['no path', { status: 500 }, 422, /path/],
    ['a status out of range', { path: PROFILE, status: 99 }, 422, /status/],
    ['a negative delay', { path: PROFILE, delay_ms: -1 }, 422, /delay_ms/],
    ['times 0', { path: PROFILE, status: 500, times: 0 }, 422, /times/],
    ['nothing to do', { path: PROFILE }, 422, /status, body or delay_ms/],
    ['an unknown field', { path: PROFILE, status: 500, sometimes: 1 }, 422, /sometimes/],
    ['malformed JSON', '{"path":', 400, /JSON/],
    ['a JSON array', '[]', 400, /object/],
  ])('%s is refused', async (_name, body, status, message) => {
    await expectError(await fault(body), status, message)
  })
})

describe('PUT /__sim/holdings', () => {
  let kit: Kit
  beforeEach(async () => {
    kit = await startKit()
  })
  afterEach(async () => {
    await kit.close()
  })
  const put = (body: unknown) => control(kit, 'PUT', '/__sim/holdings', body)
  const owns = async (token: string, vibeId: string) =>
    ownThisVibeResponseSchema.parse(
      await expectJson(
        await kit.get('/api/open-api/auth-user/own-this-vibe', {
          token,
          query: { vibe_id: vibeId },
        }),
        200,
      ),
    )

  test('sets 721 token ids; an empty list removes the holding', async () => {
    const body = await expectJson(await put({ user: 'dave', vibe: 'v721', token_ids: [7, 6] }), 200)
    expect(body).toEqual({
      status: 'success',
      holding: { user: 'dave', vibe: 'v721', token_ids: [6, 7], amount: null, owned_amount: 2 },
    })
    expect((await owns(TOKENS.dave, 'v721')).owned_token_id_list).toEqual([6, 7])
    expect(await expectJson(await put({ user: 'dave', vibe: 'v721', token_ids: [] }), 200)).toEqual(
      {
        status: 'success',
        holding: null,
      },
    )
    expect((await owns(TOKENS.dave, 'v721')).owned_amount).toBe(0)
  })

  test('sets an 1155 amount; 0 removes it', async () => {
    await expectJson(await put({ user: 'dave', vibe: 'v1155', amount: 4 }), 200)
    expect((await owns(TOKENS.dave, 'v1155')).owned_amount).toBe(4)
    await expectJson(await put({ user: 'dave', vibe: 'v1155', amount: 0 }), 200)
    expect((await owns(TOKENS.dave, 'v1155')).owned_amount).toBe(0)
  })

  test('a changed holding shows in every list', async () => {
    await expectJson(await put({ user: 'alice', vibe: 'v721', token_ids: [] }), 200)
    const res = await kit.get('/api/open-api/vibe/v721/holder-list')
    const body = (await expectJson(res, 200)) as { holder_list: { id: string }[] }
    expect(body.holder_list.map((h) => h.id)).toEqual(['bob'])
  })

  test.each([
    ['an unknown user', { user: 'nobody', vibe: 'v721', token_ids: [1] }, /unknown user 'nobody'/],
    ['an unknown vibe', { user: 'dave', vibe: 'nope', token_ids: [1] }, /unknown vibe 'nope'/],
    ['an id outside the range', { user: 'dave', vibe: 'v721', token_ids: [11] }, /outside/],
    [
      'an id another user holds',
      { user: 'dave', vibe: 'v721', token_ids: [9, 3] },
      /held by 'bob'/,
    ],
    ['an amount on a 721 vibe', { user: 'dave', vibe: 'v721', amount: 2 }, /721-like/],
    [
      'ids without an amount on an 1155 vibe',
      { user: 'dave', vibe: 'v1155', token_ids: [1] },
      /amount/,
    ],
    ['neither ids nor amount', { user: 'dave', vibe: 'v721' }, /token_ids/],
    ['a negative amount', { user: 'dave', vibe: 'v1155', amount: -1 }, /amount/],
    ['a duplicate id', { user: 'dave', vibe: 'v721', token_ids: [8, 8] }, /twice/],
    ['an unknown field', { user: 'dave', vibe: 'v721', token_ids: [8], owner: 'x' }, /owner/],
  ])('%s is 422 with a clear message', async (_name, body, message) => {
    await expectError(await put(body), 422, message)
  })

  test('malformed JSON is 400', async () => {
    await expectError(await put('{'), 400)
  })

  test('the simulator object offers the same control', async () => {
    kit.running.simulator.setHolding({ user: 'dave', vibe: 'v721', token_ids: [10] })
    expect((await owns(TOKENS.dave, 'v721')).owned_token_id_list).toEqual([10])
    expect(() =>
      kit.running.simulator.setHolding({ user: 'dave', vibe: 'v721', token_ids: [3] }),
    ).toThrow(/held by 'bob'/)
  })
})

describe('control routing', () => {
  let kit: Kit
  beforeAll(async () => {
    kit = await startKit()
  })
  afterAll(async () => {
    await kit.close()
  })

  test.each([
    ['GET', '/__sim/nope', 404],
    ['POST', '/__sim/calls', 405],
    ['GET', '/__sim/holdings', 405],
  ])('%s %s is %d', async (method, path, status) => {
    await expectError(await control(kit, method, path), status)
  })
})
