import { afterAll, afterEach, beforeAll, describe, expect, test } from '@jest/globals'
import { createServer } from 'node:net'
import { MockAgent } from 'undici'
import type { OurSongClient } from '../../src/oursong/oursong-client.js'
import type { UpstreamCallEvent } from '../../src/oursong/transport.js'
import {
  startTestSimulator,
  testClient,
  type SimulatorHarness,
} from '../helpers/simulator-harness.js'
import { TEST_API_SECRET, TOKENS } from '../helpers/test-fixture.js'

const OWN = '/api/open-api/auth-user/own-this-vibe'
const OWN_CALL = `GET ${OWN}`

let sim: SimulatorHarness
let client: OurSongClient

beforeAll(async () => {
  sim = await startTestSimulator()
  client = testClient(sim.url)
})
afterEach(async () => {
  await sim.clearFaults()
  await sim.resetCalls()
})
afterAll(async () => {
  await client.close()
  await sim.close()
})

const own = (): ReturnType<OurSongClient['ownThisVibe']> =>
  client.ownThisVibe(TOKENS.alice, { vibeId: 'nxwyqqow' })

describe('retries', () => {
  test('a GET answered 500 once succeeds on the retry', async () => {
    await sim.fault({ path: OWN, status: 500, times: 1 })
    expect((await own()).owned_amount).toBe(2)
    expect((await sim.calls())[OWN_CALL]).toBe(2)
  })

  test('a GET that keeps failing stops after the configured retries', async () => {
    await sim.fault({ path: OWN, status: 503 })
    await expect(own()).rejects.toMatchObject({ code: 'oursong_unavailable', upstreamStatus: 503 })
    expect((await sim.calls())[OWN_CALL]).toBe(3)
  })

  test.each([
    [400, 'oursong_rejected'],
    [401, 'oursong_unauthorized'],
    [403, 'oursong_forbidden'],
    [404, 'oursong_not_found'],
    [422, 'oursong_rejected'],
    [429, 'oursong_rate_limited'],
  ])('a %i is %s and is not retried', async (status, code) => {
    await sim.fault({ path: OWN, status })
    await expect(own()).rejects.toMatchObject({ code, upstreamStatus: status })
    expect((await sim.calls())[OWN_CALL]).toBe(1)
  })

  test('a POST answered 500 is not retried', async () => {
    await sim.fault({ path: '/oauth/token', status: 500 })
    await expect(
      client.exchangeCode({ code: 'whatever', redirectUri: 'http://127.0.0.1:9/cb' }),
    ).rejects.toMatchObject({ code: 'oursong_unavailable' })
    expect((await sim.calls())['POST /oauth/token']).toBe(1)
  })

  test('a refused connection is oursong_unavailable after the retries', async () => {
    const port = await closedPort()
    const dead = testClient(`http://127.0.0.1:${port}`)
    await expect(dead.tokenSpecList()).rejects.toMatchObject({ code: 'oursong_unavailable' })
    await dead.close()
  })
})

describe('deadlines', () => {
  test('an answer slower than timeoutMs is oursong_timeout, not retried', async () => {
    const quick = testClient(sim.url, { timeoutMs: 100 })
    await sim.fault({ path: OWN, delay_ms: 400 })
    await expect(quick.ownThisVibe(TOKENS.alice, { vibeId: 'nxwyqqow' })).rejects.toMatchObject({
      code: 'oursong_timeout',
    })
    expect((await sim.calls())[OWN_CALL]).toBe(1)
    await quick.close()
  })

  test('the caller’s signal cancels the call', async () => {
    await sim.fault({ path: OWN, delay_ms: 400 })
    // Another vibe than the other tests: the shared request outlives this caller.
    const call = client.ownThisVibe(
      TOKENS.alice,
      { vibeId: 'xdwbppyw' },
      { signal: AbortSignal.timeout(50) },
    )
    await expect(call).rejects.toMatchObject({ code: 'oursong_timeout' })
  })
})

describe('validation at the boundary', () => {
  const valid = {
    status: 'success',
    message: 'Success!',
    song_project: {
      id: 'nxwyqqow',
      title: 'Y',
      description: 'Y',
      token_spec: 'tt721',
      contract_address: '0x1',
    },
    owned_amount: 2,
    owned_token_id_list: [1, 2],
    current_page: 1,
    per_page: 20,
    total: 2,
    has_more_page: false,
  }

  test.each([
    ['malformed JSON', '{"status": "success", ', 'oursong_bad_response'],
    ['an HTML page', '<html>hi</html>', 'oursong_bad_response'],
    ['a string where a number belongs', { ...valid, owned_amount: '2' }, 'oursong_bad_response'],
    ['a negative amount', { ...valid, owned_amount: -1 }, 'oursong_bad_response'],
    ['a fractional token id', { ...valid, owned_token_id_list: [1.5] }, 'oursong_bad_response'],
    ['a missing field', { ...valid, song_project: undefined }, 'oursong_bad_response'],
    ['a null body', 'null', 'oursong_bad_response'],
    ['an array body', '[]', 'oursong_bad_response'],
    [
      'status other than success',
      { ...valid, status: 'error', message: 'nope' },
      'oursong_rejected',
    ],
  ])('%s is a typed error, not a crash', async (_name, body, code) => {
    await sim.fault({ path: OWN, status: 200, body })
    await expect(own()).rejects.toMatchObject({ code })
  })

  test('a well-formed faulted body passes, proving the table above tests the schema', async () => {
    await sim.fault({ path: OWN, status: 200, body: valid })
    expect((await own()).owned_amount).toBe(2)
  })

  test('an upstream error message echoing a secret is redacted', async () => {
    await sim.fault({
      path: OWN,
      status: 400,
      body: { status: 'error', message: `bad token ${TOKENS.alice} for ${TEST_API_SECRET}` },
    })
    const error = (await own().catch((e: unknown) => e)) as Error & { detail: string }
    expect(error.detail).toContain('bad token [redacted]')
    expect(error.message).not.toContain(TOKENS.alice)
    expect(error.message).not.toContain(TEST_API_SECRET)
  })
})

describe('coalescing', () => {
  test('concurrent identical GETs share one upstream request', async () => {
    await sim.fault({ path: OWN, delay_ms: 50 })
    const answers = await Promise.all(Array.from({ length: 50 }, () => own()))
    expect(new Set(answers.map((a) => a.owned_amount))).toEqual(new Set([2]))
    expect((await sim.calls())[OWN_CALL]).toBe(1)
  })

  test('different tokens do not share a request', async () => {
    await sim.fault({ path: OWN, delay_ms: 50 })
    const [alice, carol] = await Promise.all([
      own(),
      client.ownThisVibe(TOKENS.carol, { vibeId: 'nxwyqqow' }),
    ])
    expect([alice.owned_amount, carol.owned_amount]).toEqual([2, 0])
    expect((await sim.calls())[OWN_CALL]).toBe(2)
  })

  test('one caller giving up does not cancel the others', async () => {
    await sim.fault({ path: OWN, delay_ms: 150 })
    const impatient = client.ownThisVibe(
      TOKENS.alice,
      { vibeId: 'nxwyqqow' },
      { signal: AbortSignal.timeout(20) },
    )
    const patient = own()
    await expect(impatient).rejects.toMatchObject({ code: 'oursong_timeout' })
    expect((await patient).owned_amount).toBe(2)
  })
})

describe('with a mock dispatcher', () => {
  const origin = 'http://oursong.test'
  let agent: MockAgent
  beforeAll(() => {
    agent = new MockAgent()
    agent.disableNetConnect()
  })
  afterAll(async () => {
    await agent.close()
  })

  test('a body over maxResponseBytes is refused', async () => {
    agent
      .get(origin)
      .intercept({ path: /token-spec-list/, method: 'GET' })
      .reply(200, JSON.stringify({ status: 'success', list: [], pad: 'x'.repeat(5000) }))
    const small = testClient(origin, { dispatcher: agent, maxResponseBytes: 1000 })
    await expect(small.tokenSpecList()).rejects.toMatchObject({ code: 'oursong_bad_response' })
  })

  test('redirects are not followed', async () => {
    agent
      .get(origin)
      .intercept({ path: /token-spec-list/, method: 'GET' })
      .reply(302, '', { headers: { location: 'http://elsewhere.test/' } })
    const mock = testClient(origin, { dispatcher: agent })
    await expect(mock.tokenSpecList()).rejects.toMatchObject({ code: 'oursong_bad_response' })
  })

  test('sends the api secret only in the body, the token only in Authorization', async () => {
    let seen: { path: string; headers: Record<string, string>; body: string } | undefined
    agent
      .get(origin)
      .intercept({ path: '/api/open-api/wallet-connect', method: 'POST' })
      .reply(200, (opts) => {
        seen = {
          path: opts.path,
          headers: opts.headers as Record<string, string>,
          body: String(opts.body),
        }
        return { status: 'success', wallet_address: '0x' + 'ab'.repeat(20) }
      })
    const mock = testClient(origin, { dispatcher: agent })
    await mock.walletConnect(TOKENS.bob, {
      walletAddress: '0x' + 'ab'.repeat(20),
      signData: '0x68656c6c6f',
      signEncoded: '0x' + '00'.repeat(65),
    })
    expect(seen!.path).toBe('/api/open-api/wallet-connect')
    expect(seen!.headers.authorization).toBe(`Bearer ${TOKENS.bob}`)
    expect(new URLSearchParams(seen!.body).get('sign_data')).toBe('0x68656c6c6f')
  })

  test('every attempt is reported to onCall with the path template, never ids', async () => {
    const events: UpstreamCallEvent[] = []
    agent
      .get(origin)
      .intercept({ path: /\/api\/open-api\/vibe\/abc\/profile/, method: 'GET' })
      .reply(500, { status: 'error', message: 'down' })
    agent
      .get(origin)
      .intercept({ path: /\/api\/open-api\/vibe\/abc\/profile/, method: 'GET' })
      .reply(404, { status: 'error', message: 'no such vibe' })
    const mock = testClient(origin, { dispatcher: agent, onCall: (e) => events.push(e) })
    await expect(mock.vibeProfile('abc')).rejects.toMatchObject({ code: 'oursong_not_found' })
    expect(events.map((e) => [e.endpoint, e.status, e.outcome, e.attempt])).toEqual([
      ['GET /api/open-api/vibe/{vibe_id}/profile', 500, 'oursong_unavailable', 0],
      ['GET /api/open-api/vibe/{vibe_id}/profile', 404, 'oursong_not_found', 1],
    ])
  })
})

describe('options', () => {
  test('bad options are one TypeError naming each of them', () => {
    expect(() =>
      testClient('ftp://x', { apiKey: '', apiSecret: '', timeoutMs: -1, retries: 1.5 }),
    ).toThrow(/baseUrl.*apiKey.*apiSecret.*timeoutMs.*retries/)
  })
})

async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

describe('logging', () => {
  test('debug logs name the endpoint and never carry secrets or tokens', async () => {
    const { PassThrough } = await import('node:stream')
    const { createLogger } = await import('../../src/util/logger.js')
    const sink = new PassThrough()
    const lines: string[] = []
    sink.on('data', (c: Buffer) => lines.push(c.toString()))
    const logged = testClient(sim.url, {
      logger: createLogger({ level: 'debug', destination: sink }),
    })
    await logged.ownThisVibe(TOKENS.alice, { vibeId: 'nxwyqqow' })
    await sim.fault({ path: OWN, status: 500, times: 1 })
    await logged.ownThisVibe(TOKENS.bob, { vibeId: 'nxwyqqow' })
    await logged.authUser('forged-token-0123456789').catch(() => undefined)
    await logged
      .exchangeCode({ code: 'code-abcdefgh', redirectUri: 'http://x/cb' })
      .catch(() => undefined)
    await logged.close()
    const output = lines.join('')
    expect(output).toContain('"endpoint":"GET /api/open-api/auth-user/own-this-vibe"')
    expect(output).toContain('retrying')
    for (const secret of [
      TOKENS.alice,
      TOKENS.bob,
      'forged-token-0123456789',
      TEST_API_SECRET,
      'code-abcdefgh',
    ]) {
      expect(output).not.toContain(secret)
    }
  })
})

describe('review fixes', () => {
  test('an already-aborted signal fails at once and sends nothing', async () => {
    const call = client.ownThisVibe(
      TOKENS.alice,
      { vibeId: 'nxwyqqow' },
      { signal: AbortSignal.abort() },
    )
    await expect(call).rejects.toMatchObject({ code: 'oursong_timeout' })
    expect((await sim.calls())[OWN_CALL]).toBeUndefined()
  })

  test('a caller giving up before a shared request fails leaves no unhandled rejection', async () => {
    await sim.fault({ path: OWN, status: 404, delay_ms: 80 })
    const call = client.ownThisVibe(
      TOKENS.carol,
      { vibeId: 'bigset' },
      { signal: AbortSignal.timeout(10) },
    )
    await expect(call).rejects.toMatchObject({ code: 'oursong_timeout' })
    await new Promise((resolve) => setTimeout(resolve, 150))
    expect((await sim.calls())[OWN_CALL]).toBe(1)
  })

  test('secrets echoed URL- or form-encoded are redacted too', async () => {
    const secret = 'ab+c/d=ef ghij'
    const odd = testClient(sim.url, { apiSecret: secret })
    await sim.fault({
      path: '/oauth/token',
      status: 400,
      body: {
        status: 'error',
        message: `got client_secret=${encodeURIComponent(secret)} and ${new URLSearchParams({ s: secret }).toString()}`,
      },
    })
    const error = (await odd
      .exchangeCode({ code: 'c0de-xyz', redirectUri: 'http://x/cb' })
      .catch((e: unknown) => e)) as Error
    expect(error.message).toContain('client_secret=[redacted]')
    expect(error.message).not.toContain('ef%20ghij')
    expect(error.message).not.toContain('ef+ghij')
    await odd.close()
  })

  test('results are frozen, so coalesced callers cannot change each other’s view', async () => {
    const answer = await own()
    expect(Object.isFrozen(answer)).toBe(true)
    expect(Object.isFrozen(answer.owned_token_id_list)).toBe(true)
    expect(Object.isFrozen(answer.song_project)).toBe(true)
  })

  test('retries stop at the total deadline', async () => {
    const bounded = testClient(sim.url, {
      timeoutMs: 150,
      totalTimeoutMs: 250,
      retries: 5,
      retryBaseDelayMs: 1,
    })
    await sim.fault({ path: OWN, status: 503, delay_ms: 100 })
    await expect(bounded.ownThisVibe(TOKENS.alice, { vibeId: 'nxwyqqow' })).rejects.toMatchObject({
      code: expect.stringMatching(/oursong_(unavailable|timeout)/),
    })
    expect((await sim.calls())[OWN_CALL]).toBeLessThanOrEqual(3)
    await bounded.close()
  })

  test('a token a header cannot carry is refused locally, not retried as an outage', async () => {
    await expect(client.authUser('tok\u0001en-123')).rejects.toMatchObject({
      code: 'oursong_rejected',
    })
    expect((await sim.calls())['GET /api/open-api/auth-user']).toBeUndefined()
  })
})
