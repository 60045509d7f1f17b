import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { Signature, Wallet } from 'ethers'
import { formatSiweMessage } from '../../src/identity/siwe-message.js'
import { startAuthApp, type AuthApp } from '../helpers/auth-app.js'
import { fakeClock } from '../helpers/fake-clock.js'
import { KEYS } from '../helpers/test-fixture.js'

const alice = new Wallet(KEYS.alice)
const bob = new Wallet(KEYS.bob)
const mallory = new Wallet(KEYS.mallory)
const clock = fakeClock(Date.now())
let app: AuthApp

beforeAll(async () => {
  // Limits are exercised in oauth-flow.test.ts; here they would only get in the way.
  const generous = { max: 10_000, windowMs: 60_000 }
  app = await startAuthApp({
    clock,
    rateLimits: {
      loginPerIp: generous,
      challengePerIp: generous,
      challengePerAddress: generous,
      walletLoginPerIp: generous,
      walletLoginPerAddress: generous,
    },
  })
})
afterAll(() => app.close())

interface Challenge {
  message: string
  nonce: string
  expires_at: string
}

async function challenge(address: string): Promise<Challenge> {
  const response = await fetch(`${app.url}/auth/wallet/challenge?address=${address}`)
  expect(response.status).toBe(200)
  return (await response.json()) as Challenge
}

async function login(message: string, signature: string, origin?: string): Promise<Response> {
  return fetch(`${app.url}/auth/wallet/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(origin ? { origin } : {}) },
    body: JSON.stringify({ message, signature }),
  })
}

const host = (): string => new URL(app.url).host

describe('wallet sign-in with a real ethers wallet', () => {
  test('challenge, personal_sign, login: a session for the wallet’s OurSong user', async () => {
    const { message, nonce, expires_at } = await challenge(alice.address.toLowerCase())
    expect(message).toContain(
      `${host()} wants you to sign in with your Ethereum account:\n${alice.address}\n`,
    )
    expect(message).toContain(`\nURI: ${app.url}\nVersion: 1\nChain ID: 1\nNonce: ${nonce}\n`)
    expect(Date.parse(expires_at) - clock.now()).toBe(5 * 60_000)

    const response = await login(message, await alice.signMessage(message), app.url)
    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({ user: { id: 'alice', wallet: alice.address } })
    const cookie = response.headers.getSetCookie().find((c) => c.startsWith('vibegate_session='))!
    const me = await fetch(`${app.url}/auth/me`, { headers: { cookie: cookie.split(';')[0]! } })
    expect(await me.json()).toMatchObject({ user: { id: 'alice' }, session: { kind: 'wallet' } })
  })

  test('OurSong wallet-login receives the message bytes and the signature', async () => {
    await fetch(`${app.simUrl}/__sim/calls/reset`, { method: 'POST' })
    const { message } = await challenge(bob.address)
    expect((await login(message, await bob.signMessage(message))).status).toBe(200)
    expect((await app.calls())['POST /api/open-api/wallet-login']).toBe(1)
  })

  test('a replayed signature is refused: the nonce is single-use', async () => {
    const { message } = await challenge(alice.address)
    const signature = await alice.signMessage(message)
    expect((await login(message, signature)).status).toBe(200)
    const replay = await login(message, signature)
    expect(replay.status).toBe(401)
    expect(await replay.json()).toMatchObject({ error: 'wallet_nonce_invalid' })
  })

  test('concurrent logins with one signed challenge: exactly one succeeds', async () => {
    const { message } = await challenge(alice.address)
    const signature = await alice.signMessage(message)
    const statuses = await Promise.all(
      Array.from({ length: 8 }, () => login(message, signature).then((r) => r.status)),
    )
    expect(statuses.filter((s) => s === 200)).toHaveLength(1)
  })

  test('a nonce the gate never issued is refused', async () => {
    const { message } = await challenge(alice.address)
    const forged = message.replace(/Nonce: \w+/, 'Nonce: 0123456789abcdef0123456789abcdef')
    const response = await login(forged, await alice.signMessage(forged))
    expect(await response.json()).toMatchObject({ error: 'wallet_nonce_invalid' })
  })

  test('a nonce issued for another address is refused', async () => {
    const { message } = await challenge(alice.address)
    const forBob = message.replace(alice.address, bob.address)
    const response = await login(forBob, await bob.signMessage(forBob))
    expect(await response.json()).toMatchObject({ error: 'wallet_nonce_invalid' })
  })

  test.each([
    ['another domain', (m: string) => m.replace(`${host()} wants`, 'evil.example wants')],
    ['another URI', (m: string) => m.replace(`URI: ${app.url}`, 'URI: https://evil.example')],
    ['another chain', (m: string) => m.replace('Chain ID: 1', 'Chain ID: 137')],
    [
      'a lower-case (non EIP-55) address',
      (m: string) => m.replace(alice.address, alice.address.toLowerCase()),
    ],
    ['an extra line', (m: string) => `${m}\nRequest ID: 1\nfoo`],
    [
      'a validity longer than 5 minutes',
      (m: string) =>
        m.replace(
          /Expiration Time: .*/,
          `Expiration Time: ${new Date(clock.now() + 3_600_000).toISOString()}`,
        ),
    ],
    ['no expiration time', (m: string) => m.replace(/\nExpiration Time: .*/, '')],
    [
      'an issued-at in the future',
      (m: string) =>
        m.replace(/Issued At: .*/, `Issued At: ${new Date(clock.now() + 3_600_000).toISOString()}`),
    ],
  ])('a message with %s is refused before OurSong is called', async (_name, alter) => {
    await fetch(`${app.simUrl}/__sim/calls/reset`, { method: 'POST' })
    const { message } = await challenge(alice.address)
    const altered = alter(message)
    const response = await login(altered, await alice.signMessage(altered))
    expect(response.status).toBe(400)
    expect(await response.json()).toMatchObject({ error: 'wallet_message_invalid' })
    expect((await app.calls())['POST /api/open-api/wallet-login']).toBeUndefined()
  })

  test('an expired message is refused', async () => {
    const { message } = await challenge(alice.address)
    const signature = await alice.signMessage(message)
    clock.advance(5 * 60_000 + 61_000)
    const response = await login(message, signature)
    expect(await response.json()).toMatchObject({ error: 'wallet_message_invalid' })
  })

  test('a signature by another key is refused', async () => {
    const { message } = await challenge(alice.address)
    const response = await login(message, await mallory.signMessage(message))
    expect(response.status).toBe(401)
    expect(await response.json()).toMatchObject({ error: 'wallet_signature_invalid' })
  })

  test('a malleable high-s signature is refused', async () => {
    const { message } = await challenge(alice.address)
    const sig = Signature.from(await alice.signMessage(message))
    const n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n
    const highS = (n - BigInt(sig.s)).toString(16).padStart(64, '0')
    const malleable = `${sig.r}${highS}${(sig.v === 27 ? 28 : 27).toString(16)}`
    const response = await login(message, malleable)
    expect(await response.json()).toMatchObject({ error: 'wallet_signature_invalid' })
  })

  test('a message built for the request’s Host instead of the configured domain is refused', async () => {
    const { message, nonce } = await challenge(alice.address)
    const spoofed = formatSiweMessage(
      { domain: 'localhost', uri: 'http://localhost' },
      {
        address: alice.address,
        nonce,
        chainId: 1,
        issuedAt: new Date(clock.now()),
        expirationTime: new Date(clock.now() + 60_000),
        statement: 'x',
      },
    )
    expect(spoofed).not.toBe(message)
    const response = await login(spoofed, await alice.signMessage(spoofed))
    expect(await response.json()).toMatchObject({ error: 'wallet_message_invalid' })
  })

  test('a wallet connected to no OurSong user is 403 wallet_not_connected', async () => {
    const { message } = await challenge(mallory.address)
    const response = await login(message, await mallory.signMessage(message))
    expect(response.status).toBe(403)
    expect(await response.json()).toMatchObject({ error: 'wallet_not_connected' })
  })

  test.each([['0x1234'], ['not-an-address'], [''], [`${alice.address}00`]])(
    'challenge for %j is 400',
    async (address) => {
      const response = await fetch(
        `${app.url}/auth/wallet/challenge?address=${encodeURIComponent(address)}`,
      )
      expect(response.status).toBe(400)
    },
  )

  test('a login from another site’s page is refused', async () => {
    const { message } = await challenge(alice.address)
    const response = await login(message, await alice.signMessage(message), 'https://evil.example')
    expect(response.status).toBe(403)
    expect(await response.json()).toMatchObject({ error: 'cross_origin' })
  })

  test('malformed JSON and missing fields are 400', async () => {
    const bad = await fetch(`${app.url}/auth/wallet/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{',
    })
    expect(bad.status).toBe(400)
    expect((await login(undefined as unknown as string, '0x')).status).toBe(400)
  })
})
