import { describe, expect, test } from '@jest/globals'
import { createHmac } from 'node:crypto'
import { parsePassSecrets, passKeyId, type PassKey } from '../../src/pass/pass-secrets.js'
import { createPassSigner, passJson, type PassClaims } from '../../src/pass/pass-signer.js'

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
  r: 'stream',
  i: NOW,
  x: NOW + 60,
  e: 1767225000,
}
const SCOPE = '"p":["/media/stream/**"],"n":["/","/assets/**"]'
// Computed outside node (Python's hmac and base64) from the JSON below and SECRET.
const VECTOR =
  'v1.eyJrIjoiM2ViMWJkNDMiLCJoIjoiZmFucy5leGFtcGxlLmNvbSIsInAiOlsiL21lZGlhL3N0cmVhbS8qKiJdLCJuIjpbIi8iLCIvYXNzZXRzLyoqIl0sInUiOiIzZjBjNmExZS04ZDJiLTRjNDctOWE1MS0yYjdlMGQ5YzFmMTAiLCJyIjoic3RyZWFtIiwiaSI6MTc2NzIyNTYwMCwieCI6MTc2NzIyNTY2MCwiZSI6MTc2NzIyNTAwMH0=.uurWZR5Vvh2oY745rpowZYsnwUUa2CCkkTNOgdZ69Ds'

describe('pass signer', () => {
  test('the key id is the first 8 hex characters of sha256(secret)', () => {
    expect(passKeyId(SECRET)).toBe('3eb1bd43')
  })

  test('signs exactly the bytes of the hand-computed vector', () => {
    expect(createPassSigner({ keys: keysOf(SECRET) }).sign(REQUEST, SCOPE)).toBe(VECTOR)
  })

  test('the JSON has the keys in the order of the spec, as JSON.stringify writes them', () => {
    const claims: PassClaims = {
      k: '3eb1bd43',
      h: 'fans.example.com',
      p: ['/media/stream/**'],
      n: ['/', '/assets/**'],
      u: REQUEST.u,
      r: 'stream',
      i: REQUEST.i,
      x: REQUEST.x,
      e: REQUEST.e,
    }
    expect(passJson('3eb1bd43', REQUEST, SCOPE)).toBe(JSON.stringify(claims))
    // Strings that need escaping come out as JSON.stringify writes them too.
    const odd = { ...REQUEST, u: 'a"b\\c\u2028' }
    expect(JSON.parse(passJson('3eb1bd43', odd, SCOPE)).u).toBe(odd.u)
  })

  test('round trip: verify returns the claims', () => {
    const signer = createPassSigner({ keys: keysOf(SECRET) })
    expect(signer.verify(VECTOR, NOW)).toEqual({
      k: '3eb1bd43',
      p: ['/media/stream/**'],
      n: ['/', '/assets/**'],
      ...REQUEST,
    })
  })

  test('the payload is ASCII JSON in padded base64: other characters travel as \\u escapes', () => {
    const signer = createPassSigner({ keys: keysOf(SECRET) })
    const scope = '"p":["/café/**"],"n":[]'
    const pass = signer.sign({ ...REQUEST, u: 'ü-😀' }, scope)!
    const payload = pass.split('.')[1]!
    expect(payload).toMatch(/^[A-Za-z0-9+/]+={0,2}$/)
    const json = Buffer.from(payload, 'base64').toString('latin1')
    expect(json).toMatch(/^[\x20-\x7e]+$/)
    expect(json).toContain('"/caf\\u00e9/**"')
    expect(signer.verify(pass, NOW)).toMatchObject({ u: 'ü-😀', p: ['/café/**'] })
  })

  const tamper = (pass: string, at: number): string =>
    pass.slice(0, at) + (pass[at] === 'A' ? 'B' : 'A') + pass.slice(at + 1)
  test.each([
    ['a payload character changed', (p: string) => tamper(p, 10)],
    ['a signature character changed', (p: string) => tamper(p, p.length - 3)],
    ['the version changed', (p: string) => `v2${p.slice(2)}`],
    ['the signature dropped', (p: string) => p.slice(0, p.lastIndexOf('.'))],
    ['a fourth part added', (p: string) => `${p}.x`],
    ['padding added', (p: string) => `${p}=`],
    ['empty', () => ''],
    ['far too long', (p: string) => p + 'A'.repeat(5000)],
  ])('refuses a pass with %s', (_name, change) => {
    const signer = createPassSigner({ keys: keysOf(SECRET) })
    expect(signer.verify(change(VECTOR), NOW)).toBeUndefined()
  })

  test('refuses a pass re-signed with valid claims but another key id than its key', () => {
    const signer = createPassSigner({ keys: keysOf(SECRET, OTHER) })
    const payload = VECTOR.split('.')[1]!
    const forged = createHmac('sha256', OTHER).update(`v1.${payload}`).digest('base64url')
    expect(signer.verify(`v1.${payload}.${forged}`, NOW)).toBeUndefined()
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
    expect(rotated.keyId).toBe(passKeyId(OTHER))
    expect(JSON.parse(Buffer.from(fresh.split('.')[1]!, 'base64').toString()).k).toBe(
      passKeyId(OTHER),
    )
    // Once the old secret is dropped, its passes stop verifying.
    expect(createPassSigner({ keys: keysOf(OTHER) }).verify(VECTOR, NOW)).toBeUndefined()
  })

  test('issues nothing when the JSON would exceed 3000 bytes', () => {
    const signer = createPassSigner({ keys: keysOf(SECRET) })
    const big = `"p":["/a"],"n":${JSON.stringify(['/' + 'b'.repeat(2900)])}`
    expect(signer.sign(REQUEST, big)).toBeUndefined()
    const fits = `"p":["/a"],"n":${JSON.stringify(['/' + 'b'.repeat(2700)])}`
    expect(signer.sign(REQUEST, fits)).toBeDefined()
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
