import { describe, expect, test } from '@jest/globals'
import { Wallet, hexlify, toUtf8Bytes } from 'ethers'
import { useSimulatorAndClient } from '../helpers/simulator-harness.js'
import { KEYS, TOKENS } from '../helpers/test-fixture.js'

const ctx = useSimulatorAndClient()

describe('auth-user', () => {
  test('returns the token’s user with uuid and connected wallet', async () => {
    const user = await ctx.client.authUser(TOKENS.alice)
    expect(user).toMatchObject({ id: 'alice', username: 'alice', is_pro: false })
    expect(user.uuid).toMatch(/^[0-9a-f-]{36}$/)
    expect(user.wallet_address?.toLowerCase()).toBe(new Wallet(KEYS.alice).address.toLowerCase())
  })

  test('a user with no wallet has wallet_address null', async () => {
    expect((await ctx.client.authUser(TOKENS.carol)).wallet_address).toBeNull()
  })

  test('an invalid token is oursong_unauthorized and never appears in the error', async () => {
    const token = 'forged-token-0123456789'
    const error = (await ctx.client.authUser(token).catch((e: unknown) => e)) as Error
    expect(error).toMatchObject({ code: 'oursong_unauthorized', upstreamStatus: 401 })
    expect(error.message).not.toContain(token)
  })
})

describe('own-this-vibe', () => {
  test.each([
    ['721-like: the number of token ids held', TOKENS.alice, 'nxwyqqow', undefined, 2, [1, 2]],
    ['721-like with a held token_id: 1', TOKENS.alice, 'nxwyqqow', 2, 1, [2]],
    ['721-like with another token_id: 0', TOKENS.alice, 'nxwyqqow', 3, 0, []],
    ['1155-like: the amount', TOKENS.bob, 'xdrbpvjr', undefined, 3, []],
    ['a vibe not held: 0', TOKENS.carol, 'nxwyqqow', undefined, 0, []],
  ])('%s', async (_name, token, vibeId, tokenId, amount, ids) => {
    const answer = await ctx.client.ownThisVibe(token, { vibeId, tokenId })
    expect(answer.song_project.id).toBe(vibeId)
    expect(answer.owned_amount).toBe(amount)
    expect(answer.owned_token_id_list).toEqual(ids)
  })

  test('token_id on a 1155-like vibe is refused upstream (oursong_rejected)', async () => {
    const answer = ctx.client.ownThisVibe(TOKENS.bob, { vibeId: 'xdrbpvjr', tokenId: 1 })
    await expect(answer).rejects.toMatchObject({ code: 'oursong_rejected', upstreamStatus: 422 })
  })

  test('the token id list is paginated', async () => {
    const second = await ctx.client.ownThisVibe(TOKENS.carol, { vibeId: 'bigset' }, { page: 2 })
    expect(second.owned_amount).toBe(45)
    expect(second.owned_token_id_list[0]).toBe(21)
    expect(second).toMatchObject({ current_page: 2, has_more_page: true })
  })

  test('an unknown vibe is oursong_not_found', async () => {
    await expect(
      ctx.client.ownThisVibe(TOKENS.alice, { vibeId: 'zzzzzzzz' }),
    ).rejects.toMatchObject({
      code: 'oursong_not_found',
    })
  })

  test('a negative tokenId is a TypeError', () => {
    expect(() => ctx.client.ownThisVibe(TOKENS.alice, { vibeId: 'nxwyqqow', tokenId: -1 })).toThrow(
      TypeError,
    )
  })
})

describe('wallet-connect and wallet-disconnect', () => {
  const hello = hexlify(toUtf8Bytes('hello'))

  test('connects a wallet proven by its signature, then disconnects it', async () => {
    const wallet = Wallet.createRandom()
    const signature = {
      walletAddress: wallet.address,
      signData: hello,
      signEncoded: await wallet.signMessage('hello'),
    }
    const connected = await ctx.client.walletConnect(TOKENS.carol, signature)
    expect(connected.wallet_address.toLowerCase()).toBe(wallet.address.toLowerCase())
    expect((await ctx.client.authUser(TOKENS.carol)).wallet_address?.toLowerCase()).toBe(
      wallet.address.toLowerCase(),
    )
    const login = await ctx.client.walletLogin(signature)
    expect((await ctx.client.authUser(login.access_token)).id).toBe('carol')

    const disconnected = await ctx.client.walletDisconnect(TOKENS.carol, signature)
    expect(disconnected.action_type).toBe('disconnect')
    expect((await ctx.client.authUser(TOKENS.carol)).wallet_address).toBeNull()
  })

  test('a signature by another key is refused', async () => {
    const wallet = Wallet.createRandom()
    const other = Wallet.createRandom()
    const connect = ctx.client.walletConnect(TOKENS.carol, {
      walletAddress: wallet.address,
      signData: hello,
      signEncoded: await other.signMessage('hello'),
    })
    await expect(connect).rejects.toMatchObject({ code: 'oursong_unauthorized' })
  })

  test('a wallet connected to another user cannot be taken over', async () => {
    const alice = new Wallet(KEYS.alice)
    const connect = ctx.client.walletConnect(TOKENS.carol, {
      walletAddress: alice.address,
      signData: hello,
      signEncoded: await alice.signMessage('hello'),
    })
    await expect(connect).rejects.toMatchObject({ code: 'oursong_rejected' })
  })
})
