import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { authUserResponseSchema, ownThisVibeResponseSchema } from '../../src/oursong/schemas.js'
import { ACCESS_TOKEN_TTL_SECONDS } from '../../src/simulator/create-token-store.js'
import { fakeClock } from '../helpers/fake-clock.js'
import { Wallet } from 'ethers'
import {
  CAROL_BIG_IDS,
  KEYS,
  TOKENS,
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

const OWN = '/api/open-api/auth-user/own-this-vibe'

describe('auth-user', () => {
  test('returns the token user with the connected wallet', async () => {
    const res = await kit.get('/api/open-api/auth-user', { token: TOKENS.alice })
    const body = authUserResponseSchema.parse(await expectJson(res, 200))
    expect(body.user).toMatchObject({
      id: 'alice',
      username: 'alice',
      email: 'alice@example.com',
      is_pro: false,
      wallet_address: new Wallet(KEYS.alice).address,
    })
  })

  test('wallet_address is null for a user without a wallet', async () => {
    const res = await kit.get('/api/open-api/auth-user', { token: TOKENS.carol })
    const body = authUserResponseSchema.parse(await expectJson(res, 200))
    expect(body.user.wallet_address).toBeNull()
  })

  test.each([
    ['no Authorization header', {}],
    ['an unknown token', { authorization: 'Bearer nope' }],
    ['another scheme', { authorization: `Basic ${TOKENS.alice}` }],
    ['a bare token', { authorization: TOKENS.alice }],
  ])('%s is 401', async (_name, headers) => {
    await expectError(await kit.get('/api/open-api/auth-user', { headers }), 401)
  })

  test('the Bearer scheme is case-insensitive', async () => {
    const res = await kit.get('/api/open-api/auth-user', {
      headers: { authorization: `bearer ${TOKENS.bob}` },
    })
    expect(authUserResponseSchema.parse(await expectJson(res, 200)).user.id).toBe('bob')
  })

  test('an issued token works until it expires after expires_in seconds; fixture tokens never do', async () => {
    const issued = kit.running.simulator.issueAccessToken('dave')
    const ask = (token: string) => kit.get('/api/open-api/auth-user', { token })
    expect((await ask(issued)).status).toBe(200)
    clock.advance(ACCESS_TOKEN_TTL_SECONDS * 1000 - 1)
    expect((await ask(issued)).status).toBe(200)
    clock.advance(1)
    await expectError(await ask(issued), 401, /expired/)
    expect((await ask(TOKENS.dave)).status).toBe(200)
  })

  test('a revoked token (test hook) is 401 from then on, issued or from the fixture', async () => {
    // A simulator of its own: the fixture token revoked here is used by other tests.
    const own = await startKit()
    const { simulator } = own.running
    const issued = simulator.issueAccessToken('carol')
    const ask = (token: string) => own.get('/api/open-api/auth-user', { token })
    expect((await ask(issued)).status).toBe(200)
    expect(simulator.revokeAccessToken(issued)).toBe(true)
    await expectError(await ask(issued), 401)
    expect(simulator.revokeAccessToken(issued)).toBe(false)
    const other = simulator.issueAccessToken('carol')
    expect((await ask(other)).status).toBe(200)
    expect((await ask(TOKENS.carol)).status).toBe(200)
    expect(simulator.revokeAccessToken(TOKENS.carol)).toBe(true)
    await expectError(await ask(TOKENS.carol), 401)
    expect((await ask(other)).status).toBe(200)
    expect(simulator.revokeUserTokens('carol')).toBe(1)
    await expectError(await ask(other), 401)
    expect((await ask(simulator.issueAccessToken('carol'))).status).toBe(200)
    await own.close()
  })
})

describe('own-this-vibe', () => {
  test.each([
    // who, vibe, token_id, owned_amount, owned_token_id_list
    ['alice', 'v721', undefined, 3, [1, 2, 5]],
    ['alice', 'v721', '2', 1, [2]],
    ['alice', 'v721', '3', 0, []],
    ['bob', 'v721', '3', 1, [3]],
    ['dave', 'v721', undefined, 0, []],
    ['bob', 'v1155', undefined, 7, [1]],
    ['dave', 'v1155', undefined, 0, []],
    ['alice', 'secret', undefined, 1, [2]],
  ] as const)(
    '%s owns of %s (token_id %s): %d, ids %j',
    async (who, vibe, tokenId, amount, list) => {
      const query: Record<string, string> = { vibe_id: vibe }
      if (tokenId !== undefined) query.token_id = tokenId
      const res = await kit.get(OWN, { token: TOKENS[who], query })
      const body = ownThisVibeResponseSchema.parse(await expectJson(res, 200))
      expect(body.owned_amount).toBe(amount)
      expect(body.owned_token_id_list).toEqual(list)
      expect(body.total).toBe(list.length)
      expect(body.song_project.id).toBe(vibe)
    },
  )

  test('owned_token_id_list is paginated while owned_amount counts every id', async () => {
    const res = await kit.get(OWN, {
      token: TOKENS.carol,
      query: { vibe_id: 'big', page: '3', per_page: '100' },
    })
    const body = ownThisVibeResponseSchema.parse(await expectJson(res, 200))
    expect(body.owned_amount).toBe(CAROL_BIG_IDS.length)
    expect(body.owned_token_id_list).toEqual(CAROL_BIG_IDS.slice(200))
    expect(body).toMatchObject({ current_page: 3, per_page: 100, total: 250, has_more_page: false })
  })

  test.each([
    ['missing vibe_id', 422, TOKENS.alice, {}, /vibe_id/],
    ['unknown vibe', 404, TOKENS.alice, { vibe_id: 'nope' }, /nope/],
    [
      'token_id on an 1155-like vibe',
      422,
      TOKENS.bob,
      { vibe_id: 'v1155', token_id: '1' },
      /721-like/,
    ],
    ['non-numeric token_id', 422, TOKENS.alice, { vibe_id: 'v721', token_id: 'one' }, /token_id/],
    ['a hidden vibe the user does not hold', 404, TOKENS.bob, { vibe_id: 'secret' }, /secret/],
    ['no token', 401, undefined, { vibe_id: 'v721' }, /Bearer/],
  ])('%s is %d', async (_name, status, token, query, message) => {
    await expectError(await kit.get(OWN, { token, query }), status, message)
  })
})
