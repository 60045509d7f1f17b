import { describe, expect, test } from '@jest/globals'
import { createHmac } from 'node:crypto'
import { parsePassSecrets, passKeyId, type PassKey } from '../../src/pass/pass-secrets.js'
import { createPassSigner } from '../../src/pass/pass-signer.js'

const SECRET = '0123456789abcdef0123456789abcdef'
const OTHER = 'ffffffffffffffffffffffffffffffffffff'
const keysOf = (...secrets: string[]): PassKey[] => {
  const parsed = parsePassSecrets(secrets)
  if ('problem' in parsed) throw new Error(parsed.problem)
  return parsed.keys
}
const NOW = 1767225600 // 2026-01-01T00:00:00Z
const REQUEST = {
  h: 'fans.example.com',
  u: '3f0c6a1e-8d2b-4c47-9a51-2b7e0d9c1f10',
  i: NOW,
  x: NOW + 60,
  e: 1767225000,
}
const SCOPE = '1|/media/stream/|/|/assets/'
// Computed outside node (Python's hmac and base64) from the text before the last `.`.
const VECTOR =
  'v2|1767225600|1767225660|1767225000|fans.example.com|3f0c6a1e-8d2b-4c47-9a51-2b7e0d9c1f10|1|/media/stream/|/|/assets/._sYiSxU3Vg7fHiIVMdDlyT5audRlA6_tt71I4I3TIDw'
/** `signed` with a signature made with `secret`: a pass the gate may never have issued. */
const resign = (signed: string, secret = SECRET): string =>
  `${signed}.${createHmac('sha256', secret).update(signed).digest('base64url')}`
const SIGNED = VECTOR.slice(0, VECTOR.lastIndexOf('.'))

describe('pass signer', () => {
  test('the key id is the first 8 hex characters of sha256(secret)', () => {
    expect(passKeyId(SECRET)).toBe('3eb1bd43')
  })

  test('signs exactly the bytes of the hand-computed vector', () => {
    expect(createPassSigner({ keys: keysOf(SECRET) }).sign(REQUEST, SCOPE)).toBe(VECTOR)
  })

  test('round trip: verify returns the claims and the scope', () => {
    const signer = createPassSigner({ keys: keysOf(SECRET) })
    expect(signer.verify(VECTOR, NOW)).toEqual({ ...REQUEST, scope: SCOPE })
  })

  test.each([
    ['a host with `|`', { ...REQUEST, h: 'a|b' }, SCOPE],
    ['an upper-case host', { ...REQUEST, h: 'Fans.example.com' }, SCOPE],
    ['a user with `|`', { ...REQUEST, u: 'a|b' }, SCOPE],
    ['a user with a space', { ...REQUEST, u: 'a b' }, SCOPE],
    ['a user with `,`', { ...REQUEST, u: 'a,b' }, SCOPE],
    ['a user with non-ASCII', { ...REQUEST, u: 'ü' }, SCOPE],
    ['an empty user', { ...REQUEST, u: '' }, SCOPE],
    ['a scope with `,`', REQUEST, '1|/a,b'],
    ['a scope with `;`', REQUEST, '1|/a;b'],
    ['a scope without a count', REQUEST, '/a'],
    ['a scope with a count of 0', REQUEST, '0|/a'],
  ])('issues nothing for %s: the format could not carry it', (_name, claims, scope) => {
    expect(createPassSigner({ keys: keysOf(SECRET) }).sign(claims, scope)).toBeUndefined()
  })

  test('an IPv6 host is carried', () => {
    const signer = createPassSigner({ keys: keysOf(SECRET) })
    const pass = signer.sign({ ...REQUEST, h: '[::1]' }, SCOPE)!
    expect(signer.verify(pass, NOW)).toMatchObject({ h: '[::1]' })
  })

  const tamper = (pass: string, at: number): string =>
    pass.slice(0, at) + (pass[at] === 'A' ? 'B' : 'A') + pass.slice(at + 1)
  test.each([
    ['a field character changed', (p: string) => tamper(p, 10)],
    ['a signature character changed', (p: string) => tamper(p, p.length - 3)],
    ['the version changed', (p: string) => `v3${p.slice(2)}`],
    ['the signature dropped', (p: string) => p.slice(0, p.lastIndexOf('.'))],
    ['a part added', (p: string) => `${p}.x`],
    ['padding added', (p: string) => `${p}=`],
    ['a signature with other trailing bits', (p: string) => `${p.slice(0, -1)}x`],
    ['empty', () => ''],
    ['far too long', (p: string) => p + 'A'.repeat(5000)],
  ])('refuses a pass with %s', (_name, change) => {
    const signer = createPassSigner({ keys: keysOf(SECRET) })
    expect(signer.verify(change(VECTOR), NOW)).toBeUndefined()
  })

  test.each([
    ['a version other than v2', SIGNED.replace(/^v2/, 'v1')],
    ['a number with a sign', SIGNED.replace('|1767225660|', '|+1767225660|')],
    ['a number with a leading zero', SIGNED.replace('|1767225000|', '|01767225000|')],
    ['a number with a fraction', SIGNED.replace('|1767225660|', '|1767225660.5|')],
    ['an empty number', SIGNED.replace('|1767225000|', '||')],
    ['an upper-case host', SIGNED.replace('fans.', 'FANS.')],
    ['a count past the fields', SIGNED.replace('|1|/media', '|4|/media')],
    ['a count of 0', SIGNED.replace('|1|/media', '|0|/media')],
    ['a pattern not starting with /', SIGNED.replace('|/assets/', '|assets/')],
    ['too few fields', 'v2|1767225600|1767225660|1767225000|fans.example.com|u|1'],
  ])('refuses a signed pass with %s', (_name, signed) => {
    const signer = createPassSigner({ keys: keysOf(SECRET) })
    expect(signer.verify(resign(SIGNED), NOW)).toBeDefined()
    expect(signer.verify(resign(signed), NOW)).toBeUndefined()
  })

  test.each([
    ['expired (x = now)', NOW + 60, undefined],
    ['issued more than 5 s ahead', NOW - 6, undefined],
    ['issued 5 s ahead', NOW - 5, 'ok'],
    ['one second before expiry', NOW + 59, 'ok'],
  ])('time: %s', (_name, now, expected) => {
    const signer = createPassSigner({ keys: keysOf(SECRET) })
    expect(signer.verify(VECTOR, now) === undefined ? undefined : 'ok').toBe(expected)
  })

  test('refuses a pass living longer than 300 s even when signed', () => {
    const signer = createPassSigner({ keys: keysOf(SECRET) })
    const long = signer.sign({ ...REQUEST, x: NOW + 301 }, SCOPE)!
    expect(signer.verify(long, NOW)).toBeUndefined()
    expect(signer.verify(signer.sign({ ...REQUEST, x: NOW + 300 }, SCOPE)!, NOW)).toBeDefined()
  })

  test('a wrong key refuses; rotation: the old key still verifies, the new one signs', () => {
    expect(createPassSigner({ keys: keysOf(OTHER) }).verify(VECTOR, NOW)).toBeUndefined()
    const rotated = createPassSigner({ keys: keysOf(OTHER, SECRET) })
    expect(rotated.verify(VECTOR, NOW)).toBeDefined()
    const fresh = rotated.sign(REQUEST, SCOPE)!
    expect(fresh).toBe(resign(SIGNED, OTHER))
    // Once the old secret is dropped, its passes stop verifying.
    expect(createPassSigner({ keys: keysOf(OTHER) }).verify(VECTOR, NOW)).toBeUndefined()
  })

  test('issues nothing when the signed part would exceed 3000 bytes', () => {
    const signer = createPassSigner({ keys: keysOf(SECRET) })
    expect(signer.sign(REQUEST, `1|/a|/${'b'.repeat(2950)}`)).toBeUndefined()
    expect(signer.sign(REQUEST, `1|/a|/${'b'.repeat(2800)}`)).toBeDefined()
  })
})

describe('pass secrets', () => {
  test.each([
    [[], 'lists no secret'],
    [['short'], 'secret 1 of 1 is 5 characters; each must be at least 32'],
    [[SECRET, 'x'.repeat(31)], 'secret 2 of 2 is 31 characters'],
    [[SECRET, SECRET], 'secret 2 of 2 is listed twice'],
  ])('refuses %j naming VIBEGATE_PASS_SECRET', (secrets, message) => {
    const parsed = parsePassSecrets(secrets)
    expect('problem' in parsed && parsed.problem).toContain('VIBEGATE_PASS_SECRET')
    expect('problem' in parsed && parsed.problem).toContain(message)
    // The secret itself is never in the message.
    for (const s of secrets) if (s.length > 5) expect(JSON.stringify(parsed)).not.toContain(s)
  })
})
