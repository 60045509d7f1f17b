import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from '@jest/globals'
import { Wallet, getBytes, hexlify, toUtf8Bytes, type HDNodeWallet } from 'ethers'
import {
  authUserResponseSchema,
  walletConnectResponseSchema,
  walletDisconnectResponseSchema,
  walletLoginResponseSchema,
} from '../../src/oursong/schemas.js'
import { HELLO_HEX } from '../../src/simulator/verify-wallet-signature.js'
import { API_SECRET, KEYS, TOKENS, expectError, expectJson, startKit, type Kit } from './sim-kit.js'

const alice = new Wallet(KEYS.alice)
const eve = new Wallet(KEYS.eve)
const stranger = new Wallet(KEYS.stranger)
const SIWE_HEX = hexlify(toUtf8Bytes('example.com wants you to sign in\nNonce: 42'))

/** The wallet-login/connect/disconnect parameters for `wallet` signing `signData`. */
async function signed(
  wallet: Wallet | HDNodeWallet,
  signData = HELLO_HEX,
  address = wallet.address,
) {
  return {
    wallet_address: address,
    sign_data: signData,
    sign_encoded: await wallet.signMessage(getBytes(signData)),
  }
}

async function userOf(
  kit: Kit,
  token: string,
): Promise<{ id: string; wallet_address: string | null }> {
  const res = await kit.get('/api/open-api/auth-user', { token })
  return authUserResponseSchema.parse(await expectJson(res, 200)).user
}

describe('wallet-login', () => {
  let kit: Kit
  beforeAll(async () => {
    kit = await startKit()
  })
  afterAll(async () => {
    await kit.close()
  })
  const login = (form: Record<string, string>, apiKey?: string | null) =>
    kit.post('/api/open-api/wallet-login', { api_secret: API_SECRET, ...form }, { apiKey })

  test('a personal_sign of "hello" by a fixture wallet logs its user in', async () => {
    const res = await login(await signed(alice))
    const body = walletLoginResponseSchema.parse(await expectJson(res, 200))
    expect((await userOf(kit, body.access_token)).id).toBe('alice')
  })

  test('any signed bytes are accepted without strictHello (e.g. an EIP-4361 message)', async () => {
    const res = await login(await signed(eve, SIWE_HEX))
    const body = walletLoginResponseSchema.parse(await expectJson(res, 200))
    expect((await userOf(kit, body.access_token)).id).toBe('eve')
  })

  test('wallet_address is compared case-insensitively', async () => {
    const res = await login(await signed(alice, HELLO_HEX, alice.address.toLowerCase()))
    walletLoginResponseSchema.parse(await expectJson(res, 200))
  })

  test('a signature by another key is 401', async () => {
    await expectError(
      await login(await signed(stranger, HELLO_HEX, alice.address)),
      401,
      /signature/,
    )
  })

  test('a wallet no user has connected is 404', async () => {
    await expectError(await login(await signed(stranger)), 404, /wallet/)
  })

  test.each([
    ['a wrong api_secret', 401, { api_secret: 'wrong' }],
    ['no api_secret', 401, { api_secret: '' }],
    ["another app's api_secret", 401, { api_secret: 'other-secret' }],
    ['no wallet_address', 422, { wallet_address: '' }],
    ['a malformed wallet_address', 422, { wallet_address: '0x1234' }],
    ['sign_data that is not hex', 422, { sign_data: 'hello' }],
    ['sign_data of odd length', 422, { sign_data: '0x123' }],
    ['a malformed sign_encoded', 422, { sign_encoded: '0xdeadbeef' }],
    ['an impossible signature', 422, { sign_encoded: `0x${'00'.repeat(65)}` }],
  ])('%s is %d', async (_name, status, overrides) => {
    await expectError(await login({ ...(await signed(alice)), ...overrides }), status)
  })

  test('an unknown api_key is 401 even with a right secret', async () => {
    await expectError(await login(await signed(alice), 'nope'), 401, /api_key/)
  })
})

describe('wallet-login with strictHello', () => {
  let kit: Kit
  beforeAll(async () => {
    kit = await startKit({ strictHello: true })
  })
  afterAll(async () => {
    await kit.close()
  })
  const login = async (signData: string) =>
    kit.post('/api/open-api/wallet-login', {
      api_secret: API_SECRET,
      ...(await signed(alice, signData)),
    })

  test('accepts the hex of "hello"', async () => {
    walletLoginResponseSchema.parse(await expectJson(await login(HELLO_HEX), 200))
  })

  test('refuses anything else with 422, even when correctly signed', async () => {
    await expectError(await login(SIWE_HEX), 422, /hello/)
  })

  test('applies to wallet-connect too', async () => {
    const res = await kit.post('/api/open-api/wallet-connect', await signed(stranger, SIWE_HEX), {
      token: TOKENS.dave,
    })
    await expectError(res, 422, /hello/)
  })
})

describe('wallet-connect and wallet-disconnect', () => {
  let kit: Kit
  beforeEach(async () => {
    kit = await startKit()
  })
  afterEach(async () => {
    await kit.close()
  })
  const connect = async (token: string | undefined, form: Record<string, string>) =>
    kit.post('/api/open-api/wallet-connect', form, { token })
  const disconnect = async (token: string | undefined, form: Record<string, string>) =>
    kit.post('/api/open-api/wallet-disconnect', form, { token })
  const login = async (wallet: Wallet | HDNodeWallet) =>
    kit.post('/api/open-api/wallet-login', { api_secret: API_SECRET, ...(await signed(wallet)) })

  test('connect links a wallet to the token user: auth-user shows it and wallet-login works', async () => {
    const res = await connect(TOKENS.dave, await signed(stranger, SIWE_HEX))
    const body = walletConnectResponseSchema.parse(await expectJson(res, 200))
    expect(body.wallet_address).toBe(stranger.address)
    expect((await userOf(kit, TOKENS.dave)).wallet_address).toBe(stranger.address)
    const loggedIn = walletLoginResponseSchema.parse(await expectJson(await login(stranger), 200))
    expect((await userOf(kit, loggedIn.access_token)).id).toBe('dave')
  })

  test('connecting another wallet replaces the previous one', async () => {
    await expectJson(await connect(TOKENS.dave, await signed(stranger)), 200)
    const fresh = Wallet.createRandom()
    await expectJson(await connect(TOKENS.dave, await signed(fresh)), 200)
    expect((await userOf(kit, TOKENS.dave)).wallet_address).toBe(fresh.address)
    await expectError(await login(stranger), 404)
  })

  test('a wallet connected to another user is 422', async () => {
    await expectError(await connect(TOKENS.dave, await signed(alice)), 422, /another account/)
    expect((await userOf(kit, TOKENS.alice)).wallet_address).toBe(alice.address)
  })

  test('a signature by another key is 401', async () => {
    await expectError(
      await connect(TOKENS.dave, await signed(stranger, HELLO_HEX, eve.address)),
      401,
    )
  })

  test('disconnect removes the wallet: auth-user shows null and wallet-login is 404', async () => {
    const res = await disconnect(TOKENS.alice, await signed(alice))
    const body = walletDisconnectResponseSchema.parse(await expectJson(res, 200))
    expect(body.action_type).toBe('disconnect')
    expect((await userOf(kit, TOKENS.alice)).wallet_address).toBeNull()
    await expectError(await login(alice), 404)
  })

  test('disconnecting a wallet that is not the user’s is 422', async () => {
    await expectError(await disconnect(TOKENS.alice, await signed(stranger)), 422, /not the wallet/)
    await expectError(await disconnect(TOKENS.carol, await signed(alice)), 422)
  })

  test.each([
    ['connect', connect],
    ['disconnect', disconnect],
  ])('%s without a Bearer token is 401', async (_name, call) => {
    await expectError(await call(undefined, await signed(alice)), 401)
  })
})
