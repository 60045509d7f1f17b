import { describe, expect, test } from '@jest/globals'
import { Wallet, hexlify, toUtf8Bytes } from 'ethers'
import { testClient, useSimulatorAndClient } from '../helpers/simulator-harness.js'
import { KEYS, TEST_API_KEY, TEST_REDIRECT_URI } from '../helpers/test-fixture.js'

const ctx = useSimulatorAndClient()

/** Logs in on the simulator's approve form, as a browser would, and returns the code. */
async function approve(username: string, password: string, state = 'st-123'): Promise<string> {
  const authorize = new URL(ctx.client.authorizeUrl({ redirectUri: TEST_REDIRECT_URI, state }))
  const page = await fetch(authorize)
  expect(page.status).toBe(200)
  expect(await page.text()).toContain('<form')
  const response = await fetch(`${ctx.sim.url}/oauth/authorize`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      username,
      password,
      client_id: TEST_API_KEY,
      redirect_uri: TEST_REDIRECT_URI,
      response_type: 'code',
      state,
      decision: 'approve',
    }),
  })
  expect(response.status).toBe(302)
  const location = new URL(response.headers.get('location')!)
  expect(location.searchParams.get('state')).toBe(state)
  return location.searchParams.get('code')!
}

describe('OAuth', () => {
  test('authorizeUrl carries client_id, redirect_uri, response_type=code and state', () => {
    const url = new URL(ctx.client.authorizeUrl({ redirectUri: TEST_REDIRECT_URI, state: 'a b&c' }))
    expect(`${url.origin}${url.pathname}`).toBe(`${ctx.sim.url}/oauth/authorize`)
    expect(Object.fromEntries(url.searchParams)).toEqual({
      client_id: TEST_API_KEY,
      redirect_uri: TEST_REDIRECT_URI,
      response_type: 'code',
      state: 'a b&c',
    })
  })

  test('exchangeCode turns an approved code into a working access token', async () => {
    const code = await approve('alice', 'alice-pass')
    const token = await ctx.client.exchangeCode({ code, redirectUri: TEST_REDIRECT_URI })
    expect(token.token_type).toBe('Bearer')
    expect(token.expires_in).toBeGreaterThan(0)
    const user = await ctx.client.authUser(token.access_token)
    expect(user.id).toBe('alice')
  })

  test('a code is single-use', async () => {
    const code = await approve('bob', 'bob-pass')
    await ctx.client.exchangeCode({ code, redirectUri: TEST_REDIRECT_URI })
    const second = ctx.client.exchangeCode({ code, redirectUri: TEST_REDIRECT_URI })
    await expect(second).rejects.toMatchObject({ code: 'oursong_rejected', upstreamStatus: 400 })
  })

  test('a redirect_uri other than the authorized one is refused', async () => {
    const code = await approve('bob', 'bob-pass')
    const exchange = ctx.client.exchangeCode({ code, redirectUri: 'http://127.0.0.1:9/other' })
    await expect(exchange).rejects.toMatchObject({ code: 'oursong_rejected' })
  })

  test('a wrong api secret is oursong_unauthorized, and the secret is not in the error', async () => {
    const code = await approve('alice', 'alice-pass')
    const bad = testClient(ctx.sim.url, { apiSecret: 'not-the-secret-xyz' })
    const error = await bad.exchangeCode({ code, redirectUri: TEST_REDIRECT_URI }).then(
      () => new Error('expected a failure'),
      (e: unknown) => e as Error,
    )
    expect(error).toMatchObject({ code: 'oursong_unauthorized', endpoint: 'POST /oauth/token' })
    expect(JSON.stringify({ ...error, message: error.message })).not.toContain('not-the-secret-xyz')
    expect(error.message).not.toContain(code)
    await bad.close()
  })
})

describe('wallet-login', () => {
  const hello = hexlify(toUtf8Bytes('hello'))

  test('a personal_sign signature by the connected wallet logs its user in', async () => {
    const wallet = new Wallet(KEYS.alice)
    const response = await ctx.client.walletLogin({
      walletAddress: wallet.address,
      signData: hello,
      signEncoded: await wallet.signMessage('hello'),
    })
    expect((await ctx.client.authUser(response.access_token)).id).toBe('alice')
  })

  test('a signature by another key is oursong_unauthorized', async () => {
    const alice = new Wallet(KEYS.alice)
    const mallory = new Wallet(KEYS.mallory)
    const login = ctx.client.walletLogin({
      walletAddress: alice.address,
      signData: hello,
      signEncoded: await mallory.signMessage('hello'),
    })
    await expect(login).rejects.toMatchObject({ code: 'oursong_unauthorized' })
  })

  test('a wallet connected to no one is oursong_not_found', async () => {
    const mallory = new Wallet(KEYS.mallory)
    const login = ctx.client.walletLogin({
      walletAddress: mallory.address,
      signData: hello,
      signEncoded: await mallory.signMessage('hello'),
    })
    await expect(login).rejects.toMatchObject({ code: 'oursong_not_found' })
  })
})
