import { afterEach, describe, expect, test } from '@jest/globals'
import { generateKeyPairSync } from 'node:crypto'
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { calculateJwkThumbprint, compactVerify, importJWK, SignJWT } from 'jose'
import {
  ephemeralKeySet,
  generateKeySet,
  KeySetError,
  loadKeySet,
  parseKeySet,
  type PrivateJwk,
} from '../../src/tokens/key-set.js'

const FILE = '/etc/vibegate/keys.json'

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup()
})

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'vibegate-keys-'))
  cleanups.push(() => rm(dir, { recursive: true, force: true }))
  return dir
}

/** Every secret-or-key string of a file, which no error may contain. */
function materialOf(keys: readonly Partial<PrivateJwk>[]): string[] {
  return keys.flatMap((k) => [k.d, k.x, k.y]).filter((v): v is string => typeof v === 'string')
}

function parseError(text: string): KeySetError {
  try {
    parseKeySet(text, FILE)
  } catch (error) {
    if (error instanceof KeySetError) return error
    throw error
  }
  throw new Error('parseKeySet accepted the file')
}

async function edKey(kid = 'ed-1'): Promise<PrivateJwk> {
  const key = (await generateKeySet({ kid })).keys[0]!
  return key
}

async function ecKey(kid = 'ec-1'): Promise<PrivateJwk> {
  return (await generateKeySet({ alg: 'ES256', kid })).keys[0]!
}

describe('generateKeySet and parseKeySet', () => {
  test.each(['EdDSA', 'ES256'] as const)(
    '%s: generates a private set whose first key signs and whose public JWKS has public parts only',
    async (alg) => {
      const file = await generateKeySet({ alg })
      const [jwk] = file.keys
      expect(file.keys).toHaveLength(1)
      expect(jwk).toMatchObject({ alg, use: 'sig', d: expect.any(String) })
      const publicParts = {
        kty: jwk!.kty,
        crv: jwk!.crv,
        x: jwk!.x,
        ...(jwk!.y ? { y: jwk!.y } : {}),
      }
      expect(jwk!.kid).toBe(await calculateJwkThumbprint(publicParts, 'sha256'))

      const keys = parseKeySet(JSON.stringify(file), FILE)
      expect(keys.signing.kid).toBe(jwk!.kid)
      expect(keys.signing.alg).toBe(alg)
      expect(keys.publicJwks).toEqual({
        keys: [{ ...publicParts, kid: jwk!.kid, alg, use: 'sig' }],
      })
      expect(JSON.stringify(keys)).not.toContain(jwk!.d)

      // The signing key and the published key belong together.
      const token = await new SignJWT({ a: 1 })
        .setProtectedHeader({ alg, kid: jwk!.kid })
        .sign(keys.signing.key)
      const verified = await compactVerify(token, await importJWK(keys.publicJwks.keys[0]!))
      expect(verified.protectedHeader.kid).toBe(jwk!.kid)
    },
  )

  test('takes a kid, and refuses a kid with spaces', async () => {
    expect((await generateKeySet({ kid: '2026-01' })).keys[0]!.kid).toBe('2026-01')
    await expect(generateKeySet({ kid: 'a b' })).rejects.toThrow(TypeError)
    await expect(generateKeySet({ alg: 'RS256' as never })).rejects.toThrow(TypeError)
  })

  test('the first key signs and every key is published, in file order', async () => {
    const keys = [await ecKey('new'), await edKey('old')]
    const set = parseKeySet(JSON.stringify({ keys }), FILE)
    expect(set.signing.kid).toBe('new')
    expect(set.signing.alg).toBe('ES256')
    expect(set.publicJwks.keys.map((k) => k.kid)).toEqual(['new', 'old'])
    for (const k of set.publicJwks.keys) expect(k).not.toHaveProperty('d')
    expect(Object.isFrozen(set.publicJwks.keys)).toBe(true)
  })

  test('ephemeralKeySet makes a usable set', async () => {
    const set = await ephemeralKeySet()
    expect(set.signing.alg).toBe('EdDSA')
    expect(set.publicJwks.keys[0]!.kid).toBe(set.signing.kid)
  })
})

describe('parseKeySet refuses a bad file, naming the file and the field, never the material', () => {
  // A foreign valid public point, for "x does not match d".
  const otherEd = generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' })
  const otherEc = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({
    format: 'jwk',
  })

  type Case = [string, (ed: PrivateJwk, ec: PrivateJwk) => unknown, RegExp[]]
  const cases: Case[] = [
    ['an array at the top', () => [], [/keys\.json: must be a JSON object/]],
    ['no keys', () => ({}), [/keys\.json: keys: must be an array/]],
    ['an empty set', () => ({ keys: [] }), [/keys: must hold at least one key/]],
    [
      'an unknown top-level member',
      (ed) => ({ keys: [ed], extra: 1 }),
      [/keys\.json: extra: unknown member/],
    ],
    ['a key that is not an object', () => ({ keys: ['x'] }), [/keys\[0\]: must be an object/]],
    [
      'an unknown key member',
      (ed) => ({ keys: [{ ...ed, p: 'abc' }] }),
      [/keys\[0\]\.p: unknown member/],
    ],
    [
      'an unsupported alg',
      (ed) => ({ keys: [{ ...ed, alg: 'RS256' }] }),
      [/keys\[0\]\.alg: must be "EdDSA" or "ES256"/],
    ],
    ['no alg', (ed) => ({ keys: [{ ...ed, alg: undefined }] }), [/keys\[0\]\.alg: missing/]],
    [
      'a crv that does not go with the alg',
      (ed) => ({ keys: [{ ...ed, alg: 'ES256' }] }),
      [/keys\[0\]\.kty: must be "EC"/, /keys\[0\]\.crv: must be "P-256"/, /keys\[0\]\.y: missing/],
    ],
    [
      'use other than sig',
      (ed) => ({ keys: [{ ...ed, use: 'enc' }] }),
      [/keys\[0\]\.use: must be "sig"/],
    ],
    ['no kid', (ed) => ({ keys: [{ ...ed, kid: undefined }] }), [/keys\[0\]\.kid: missing/]],
    [
      'a duplicate kid',
      (ed, ec) => ({ keys: [ed, { ...ec, kid: ed.kid }] }),
      [/keys\[1\]\.kid: "ed-1" is also the kid of keys\[0\]/],
    ],
    [
      'a public key (no d)',
      (ed) => ({ keys: [{ ...ed, d: undefined }] }),
      [/keys\[0\]\.d: missing: this is a public key/],
    ],
    [
      'y in an Ed25519 key',
      (ed, ec) => ({ keys: [{ ...ed, y: ec.y }] }),
      [/keys\[0\]\.y: not allowed for crv "Ed25519"/],
    ],
    [
      'x not base64url of 32 bytes',
      (ed) => ({ keys: [{ ...ed, x: `${ed.x}AA` }] }),
      [/keys\[0\]\.x: must be the unpadded base64url encoding of 32 bytes/],
    ],
    [
      'd padded',
      (ed) => ({ keys: [{ ...ed, d: `${ed.d}=` }] }),
      [/keys\[0\]\.d: must be the unpadded base64url/],
    ],
    [
      'an Ed25519 x that is not the public key of d',
      (ed) => ({ keys: [{ ...ed, x: otherEd.x }] }),
      [/keys\[0\]\.x: does not match the private key d/],
    ],
    [
      'a P-256 point that is not the public key of d',
      (_ed, ec) => ({ keys: [{ ...ec, x: otherEc.x, y: otherEc.y }] }),
      [/keys\[0\]\.x: does not match the private key d/, /keys\[0\]\.y: does not match/],
    ],
    [
      'a P-256 d outside the curve order',
      (_ed, ec) => ({ keys: [{ ...ec, d: Buffer.alloc(32, 0xff).toString('base64url') }] }),
      [/keys\[0\]: not a valid P-256 private key/],
    ],
    [
      'two broken keys, reported together',
      (ed, ec) => ({
        keys: [
          { ...ed, use: 'enc' },
          { ...ec, alg: 'HS256' },
        ],
      }),
      [/keys\[0\]\.use/, /keys\[1\]\.alg/],
    ],
  ]

  test.each(cases)('%s', async (_name, build, expected) => {
    const ed = await edKey()
    const ec = await ecKey()
    const error = parseError(JSON.stringify(build(ed, ec)))
    expect(error.code).toBe('keys_invalid')
    expect(error.file).toBe(FILE)
    for (const pattern of expected) expect(error.problems.join('\n')).toMatch(pattern)
    for (const problem of error.problems) expect(problem.startsWith(`${FILE}: `)).toBe(true)
    const everything = [error.message, error.stack ?? '', JSON.stringify(error), ...error.problems]
    for (const secret of materialOf([ed, ec])) {
      for (const text of everything) expect(text).not.toContain(secret)
    }
  })

  test('invalid JSON is reported with its position, without quoting the text', async () => {
    const ed = await edKey()
    // A syntax error right after the private key: V8's own message would quote it.
    const text = `{"keys": [{"d": "${ed.d}" "x": "${ed.x}"}]}`
    const error = parseError(text)
    expect(error.problems).toEqual([expect.stringMatching(/keys\.json: not valid JSON/)])
    for (const t of [error.message, ...error.problems]) {
      expect(t).not.toContain(ed.d)
      expect(t).not.toContain(ed.x)
    }
  })
})

describe('loadKeySet', () => {
  test('reads a 0600 file without warnings, and warns about a group-readable one', async () => {
    const dir = await tempDir()
    const file = join(dir, 'keys.json')
    await writeFile(file, JSON.stringify(await generateKeySet({ kid: 'k' })), { mode: 0o600 })
    await chmod(file, 0o600)
    const loaded = await loadKeySet(file)
    expect(loaded.keySet.signing.kid).toBe('k')
    expect(loaded.warnings).toEqual([])

    await chmod(file, 0o644)
    const loose = await loadKeySet(file)
    expect(loose.warnings).toEqual([expect.stringMatching(/mode 0644 lets group or others read/)])
  })

  test('a missing file is a KeySetError naming it', async () => {
    const file = join(await tempDir(), 'missing.json')
    const error = await loadKeySet(file).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(KeySetError)
    expect((error as KeySetError).problems).toEqual([`${file}: cannot read the file (ENOENT)`])
  })
})
