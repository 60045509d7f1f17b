import { describe, expect, test } from '@jest/globals'
import { Signature, Wallet } from 'ethers'
import { formatSiweMessage, verifySiwe, type SiwePolicy } from '../../src/identity/siwe-message.js'
import { KEYS } from '../helpers/test-fixture.js'

const policy: SiwePolicy = {
  domain: 'gate.test',
  uri: 'http://gate.test',
  chainIds: [1],
  maxValidityMs: 300_000,
  clockSkewMs: 60_000,
}
const now = Date.parse('2026-11-28T12:00:00Z')
const alice = new Wallet(KEYS.alice)
const message = formatSiweMessage(policy, {
  address: alice.address,
  nonce: 'n0nce12345678',
  chainId: 1,
  issuedAt: new Date(now),
  expirationTime: new Date(now + 120_000),
  statement: 'Sign in to the fan club.',
})

/** Every run of 8 hex digits of a signature: none may appear in a problem text. */
const fragments = (signature: string): string[] => {
  const hex = signature.slice(2)
  return Array.from({ length: hex.length - 7 }, (_, i) => hex.slice(i, i + 8))
}

describe('verifySiwe problems, which are logged', () => {
  const good = Signature.from(alice.signMessageSync(message))
  const withV = (v: number): string => good.r + good.s.slice(2) + v.toString(16).padStart(2, '0')
  test.each([
    ['a v of 5', withV(5)],
    ['a v of 0xff', withV(255)],
    ['r of zero', `0x${'0'.repeat(64)}${good.s.slice(2)}1b`],
    ['s past the curve order', `0x${good.r.slice(2)}${'f'.repeat(64)}1b`],
    ['too short', good.serialized.slice(0, 100)],
    ['not hex', `0x${'zz'.repeat(65)}`],
  ])('%s: refused, and no part of the signature is in the problem', (_name, signature) => {
    const result = verifySiwe(message, signature, policy, now)
    expect(result.ok).toBe(false)
    const problem = (result as { problem: string }).problem
    expect(problem).toMatch(/signature/)
    for (const fragment of fragments(signature))
      expect(problem.toLowerCase()).not.toContain(fragment.toLowerCase())
  })

  test('a good signature passes', () => {
    expect(verifySiwe(message, good.serialized, policy, now)).toMatchObject({ ok: true })
  })
})
