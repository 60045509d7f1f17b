import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { Wallet, getBytes } from 'ethers'
import { connect } from 'node:net'
import type { Logger } from '../../src/util/logger.js'
import { HELLO_HEX } from '../../src/simulator/verify-wallet-signature.js'
import {
  API_KEY,
  API_SECRET,
  KEYS,
  REDIRECT_URI,
  TOKENS,
  expectError,
  expectJson,
  startKit,
  type Kit,
} from './sim-kit.js'

interface Entry {
  level: string
  obj: Record<string, unknown>
  msg: string | undefined
}

function capturingLogger(entries: Entry[]): Logger {
  const at =
    (level: string) =>
    (obj: object, msg?: string): void => {
      entries.push({ level, obj: obj as Record<string, unknown>, msg })
    }
  const logger: Logger = {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: () => logger,
  }
  return logger
}

const entries: Entry[] = []
let explode = false
const clock = {
  now: () => {
    if (explode) throw new Error('clock exploded')
    return Date.now()
  },
}
let kit: Kit
beforeAll(async () => {
  kit = await startKit({ logger: capturingLogger(entries), clock })
})
afterAll(async () => {
  await kit.close()
})

const post = (path: string, body: string, contentType: string) =>
  fetch(`${kit.url}${path}`, { method: 'POST', headers: { 'content-type': contentType }, body })

describe('bad requests', () => {
  test.each([
    ['malformed JSON', '{"api_key":', 'application/json', 400, /JSON/],
    ['a JSON array', '["x"]', 'application/json', 400, /object/],
    [
      'a JSON object parameter',
      `{"api_key":"${API_KEY}","remix_from_id":{"a":1}}`,
      'application/json',
      422,
      /remix_from_id/,
    ],
    ['a multipart body without a boundary', 'x', 'multipart/form-data', 400, /boundary/],
  ])('%s is refused', async (_name, body, type, status, message) => {
    const res = await fetch(`${kit.url}/api/open-api/ai-rapper-use-license`, {
      method: 'POST',
      headers: { 'content-type': type, authorization: `Bearer ${TOKENS.alice}` },
      body,
    })
    await expectError(res, status, message)
  })

  test('JSON body numbers are read as strings', async () => {
    const res = await fetch(`${kit.url}/api/open-api/ai-rapper-use-license`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKENS.alice}` },
      body: JSON.stringify({ api_key: API_KEY, remix_from_id: 12 }),
    })
    await expectError(res, 404, /Vibe '12' not found/)
  })

  test('a body above 1 MiB is 413 and the simulator keeps serving', async () => {
    const big = `api_key=${API_KEY}&pad=${'x'.repeat(1024 * 1024)}`
    await expectError(await post('/oauth/token', big, 'application/x-www-form-urlencoded'), 413)
    expect((await kit.get('/api/open-api/token-spec-list')).status).toBe(200)
  })

  test('an unknown route is 404 JSON', async () => {
    await expectError(await kit.get('/api/open-api/nope'), 404)
    await expectError(await kit.get('/api/open-api/vibe/v721/profile/'), 404)
  })

  test('a bad percent-escape in a path parameter is 404', async () => {
    await expectError(await kit.get('/api/open-api/vibe/%E0%A4%A/profile'), 404)
  })

  test('a wrong method on a known path is 405 with Allow', async () => {
    const res = await fetch(`${kit.url}/api/open-api/token-spec-list`, { method: 'POST' })
    expect(res.headers.get('allow')).toBe('GET')
    await expectError(res, 405, /GET/)
  })

  test('HEAD on a GET route answers without a body', async () => {
    const res = await fetch(`${kit.url}/api/open-api/token-spec-list?api_key=${API_KEY}`, {
      method: 'HEAD',
    })
    expect(res.status).toBe(200)
    expect(await res.text()).toBe('')
  })

  test('garbage on the socket does not take the simulator down', async () => {
    const { port } = new URL(kit.url)
    await new Promise<void>((resolve) => {
      const socket = connect(Number(port), '127.0.0.1', () => {
        socket.end('\x00\x01 NOT HTTP\r\n\r\n')
      })
      socket.on('data', () => undefined)
      socket.on('close', () => resolve())
      socket.on('error', () => resolve())
    })
    expect((await kit.get('/api/open-api/token-spec-list')).status).toBe(200)
  })

  test('an error thrown inside a handler is a logged 500, and the next request is served', async () => {
    const wallet = new Wallet(KEYS.alice)
    const form = {
      api_secret: API_SECRET,
      wallet_address: wallet.address,
      sign_data: HELLO_HEX,
      sign_encoded: await wallet.signMessage(getBytes(HELLO_HEX)),
    }
    explode = true
    try {
      await expectError(await kit.post('/api/open-api/wallet-login', form), 500, /Internal/)
    } finally {
      explode = false
    }
    expect(entries.some((e) => e.level === 'error' && e.msg === 'simulator handler failed')).toBe(
      true,
    )
    expect((await kit.post('/api/open-api/wallet-login', form)).status).toBe(200)
  })
})

describe('logging', () => {
  test('each request is logged at debug with method, template, status and duration', async () => {
    entries.length = 0
    await kit.get('/api/open-api/vibe/v721/profile')
    expect(entries).toEqual([
      {
        level: 'debug',
        msg: 'simulator request',
        obj: {
          method: 'GET',
          route: '/api/open-api/vibe/{vibe_id}/profile',
          status: 200,
          durationMs: expect.any(Number),
        },
      },
    ])
  })

  test('secrets never reach the log', async () => {
    entries.length = 0
    const password = 'alice-pass'
    const approve = await kit.post(
      '/oauth/authorize',
      {
        client_id: API_KEY,
        redirect_uri: REDIRECT_URI,
        response_type: 'code',
        username: 'alice',
        password,
        decision: 'approve',
        state: 'st',
      },
      { apiKey: null },
    )
    const code = new URL(approve.headers.get('location') ?? '').searchParams.get('code') ?? ''
    const tokenRes = await kit.post(
      '/oauth/token',
      {
        grant_type: 'authorization_code',
        client_id: API_KEY,
        client_secret: API_SECRET,
        redirect_uri: REDIRECT_URI,
        code,
      },
      { apiKey: null },
    )
    const { access_token: accessToken } = (await expectJson(tokenRes, 200)) as {
      access_token: string
    }
    await kit.get('/api/open-api/auth-user', { token: accessToken })
    const wallet = new Wallet(KEYS.bob)
    const signature = await wallet.signMessage(getBytes(HELLO_HEX))
    await kit.post('/api/open-api/wallet-login', {
      api_secret: API_SECRET,
      wallet_address: wallet.address,
      sign_data: HELLO_HEX,
      sign_encoded: signature,
    })
    await kit.get('/api/open-api/auth-user', { token: 'a-wrong-token-value' })
    const logged = JSON.stringify(entries)
    expect(entries).toHaveLength(5)
    for (const secret of [
      password,
      code,
      API_SECRET,
      accessToken,
      signature,
      'a-wrong-token-value',
    ]) {
      expect(logged).not.toContain(secret)
    }
  })
})
