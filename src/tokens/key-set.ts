/**
 * The gate's signing keys: a private JWK set file (`vibegate keys generate`, `VIBEGATE_KEYS`),
 * validated strictly and turned into the key that signs and the public set that is published
 * at `/.well-known/jwks.json` (CONTRACT sections 1, 2, 3.2 and 5).
 *
 * Parsing is synchronous on purpose: the file is hot-reloaded through `watchFile`, whose parse
 * step is synchronous, so the keys are imported with `node:crypto` (`createPrivateKey`) into
 * `KeyObject`s, which jose signs with directly. Key material (`d`, `x`, `y`) never appears in
 * an error message: problems name the file and the field, never the value.
 */
import { createECDH, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto'
import { readFile, stat } from 'node:fs/promises'
import { calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose'
import { VibegateError } from '../errors/vibegate-error.js'

/** The JWS algorithms the gate signs with (CONTRACT section 5). */
export type KeyAlgorithm = 'EdDSA' | 'ES256'

/** Every {@link KeyAlgorithm}, in the order `--help` lists them. */
export const KEY_ALGORITHMS: readonly KeyAlgorithm[] = Object.freeze(['EdDSA', 'ES256'])

/** A published verification key: public parts only. */
export interface PublicJwk {
  kty: 'OKP' | 'EC'
  crv: 'Ed25519' | 'P-256'
  /** Base64url public coordinate (the whole public key for Ed25519). */
  x: string
  /** Base64url second coordinate; P-256 only. */
  y?: string
  kid: string
  alg: KeyAlgorithm
  use: 'sig'
}

/** A private signing key as stored in the key file: a {@link PublicJwk} plus `d`. */
export interface PrivateJwk extends PublicJwk {
  /** Base64url private key. Secret. */
  d: string
}

/** The content of a key file: `{ "keys": [ ... ] }`; the first key signs. */
export interface PrivateKeySetFile {
  keys: PrivateJwk[]
}

/** The key tokens are signed with. */
export interface SigningKey {
  readonly kid: string
  readonly alg: KeyAlgorithm
  /** The private key, imported (not extractable as JSON: `JSON.stringify` gives `{}`). */
  readonly key: KeyObject
}

/** A parsed key file: the first key signs, every key is published. Frozen. */
export interface KeySet {
  readonly signing: SigningKey
  /** What `/.well-known/jwks.json` serves: the public parts of every key, in file order. */
  readonly publicJwks: { readonly keys: readonly PublicJwk[] }
}

/**
 * A key file that cannot be used. `problems` lists every problem at once, each as
 * `FILE: keys[i].field: what is wrong`; none of them quotes key material, so the error can be
 * logged as is.
 */
export class KeySetError extends VibegateError<'keys_invalid'> {
  /** The file as it was named. */
  readonly file: string
  /** Every problem, one line each. */
  readonly problems: readonly string[]

  constructor(file: string, problems: readonly string[]) {
    super('keys_invalid', { detail: problems.join('; ') })
    this.name = 'KeySetError'
    this.file = file
    this.problems = Object.freeze([...problems])
  }
}

interface AlgorithmSpec {
  kty: PublicJwk['kty']
  crv: PublicJwk['crv']
  /** Public coordinates, each the base64url of 32 bytes. */
  coordinates: readonly ('x' | 'y')[]
}

const SPECS: Record<KeyAlgorithm, AlgorithmSpec> = {
  EdDSA: { kty: 'OKP', crv: 'Ed25519', coordinates: ['x'] },
  ES256: { kty: 'EC', crv: 'P-256', coordinates: ['x', 'y'] },
}

const MEMBERS = new Set(['kty', 'crv', 'x', 'y', 'd', 'kid', 'alg', 'use'])

// Printable ASCII without spaces: a kid travels in JWT headers, logs and file names.
const KID = /^[\x21-\x7e]{1,128}$/

/** True when `kid` is acceptable as a key id: 1-128 printable ASCII characters, no spaces. */
export function isValidKid(kid: unknown): kid is string {
  return typeof kid === 'string' && KID.test(kid)
}

/**
 * Parses and validates a private JWK set (the text of a key file), collecting every problem,
 * and imports its keys. Throws a {@link KeySetError} naming `file` and each field
 * (`keys[1].crv`); never echoes key material.
 *
 * Each key needs `kty`, `crv`, `x` (and `y` for P-256), `d`, `kid`, `alg` (`EdDSA` with
 * `crv: Ed25519`, or `ES256` with `crv: P-256`) and `use: "sig"`; no other members. Kids are
 * unique, and the public coordinates must be those of `d`, computed from `d` (Node would
 * otherwise accept any valid point next to `d`, and the gate would publish a key that verifies
 * nothing it signs).
 *
 * @example
 * const keys = parseKeySet(await readFile('keys.json', 'utf8'), 'keys.json')
 * keys.signing.kid          // the first key's kid
 * res.json(keys.publicJwks) // GET /.well-known/jwks.json
 */
export function parseKeySet(text: string, file: string): KeySet {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    // V8's JSON messages quote the text around the error, which may be key material: keep
    // only the position.
    throw new KeySetError(file, [`${file}: not valid JSON${jsonErrorPosition(text, error)}`])
  }
  const problems: string[] = []
  const problem = (field: string, message: string): void => {
    problems.push(`${file}: ${field ? `${field}: ` : ''}${message}`)
  }
  if (!isRecord(value)) {
    problem('', 'must be a JSON object { "keys": [ ... ] }')
    throw new KeySetError(file, problems)
  }
  for (const member of Object.keys(value)) {
    if (member !== 'keys') problem(safeName(member), 'unknown member; only "keys" is allowed')
  }
  const keys = value.keys
  if (!Array.isArray(keys)) {
    problem('keys', 'must be an array of private JWKs')
    throw new KeySetError(file, problems)
  }
  if (keys.length === 0) problem('keys', 'must hold at least one key; the first one signs')

  const parsed: { kid: string; alg: KeyAlgorithm; key: KeyObject; jwk: PublicJwk }[] = []
  const kids = new Map<string, number>()
  keys.forEach((entry: unknown, i) => {
    const at = `keys[${i}]`
    const before = problems.length
    if (!isRecord(entry)) {
      problem(at, 'must be an object (a private JWK)')
      return
    }
    for (const member of Object.keys(entry)) {
      if (!MEMBERS.has(member)) problem(`${at}.${safeName(member)}`, 'unknown member')
    }
    const { alg, kid } = entry
    let spec: AlgorithmSpec | undefined
    if (alg === 'EdDSA' || alg === 'ES256') spec = SPECS[alg]
    else
      problem(
        `${at}.alg`,
        alg === undefined ? 'missing; "EdDSA" or "ES256"' : 'must be "EdDSA" or "ES256"',
      )
    if (!isValidKid(kid)) {
      problem(
        `${at}.kid`,
        kid === undefined ? 'missing' : 'must be 1-128 printable ASCII characters, no spaces',
      )
    } else if (kids.has(kid)) {
      problem(
        `${at}.kid`,
        `"${kid}" is also the kid of keys[${kids.get(kid)}]; kids must be unique`,
      )
    } else {
      kids.set(kid, i)
    }
    if (entry.use !== 'sig') {
      problem(`${at}.use`, entry.use === undefined ? 'missing; must be "sig"' : 'must be "sig"')
    }
    if (spec !== undefined) {
      if (entry.kty !== spec.kty)
        problem(`${at}.kty`, `must be "${spec.kty}" for alg "${String(alg)}"`)
      if (entry.crv !== spec.crv)
        problem(`${at}.crv`, `must be "${spec.crv}" for alg "${String(alg)}"`)
      for (const coordinate of ['x', 'y', 'd'] as const) {
        const wanted = coordinate === 'd' || spec.coordinates.includes(coordinate)
        const present = entry[coordinate] !== undefined
        if (!wanted) {
          if (present) problem(`${at}.${coordinate}`, `not allowed for crv "${spec.crv}"`)
        } else if (!present) {
          problem(
            `${at}.${coordinate}`,
            coordinate === 'd'
              ? 'missing: this is a public key; the key file holds private keys (vibegate keys generate)'
              : 'missing',
          )
        } else if (!isBase64Url32(entry[coordinate])) {
          problem(`${at}.${coordinate}`, 'must be the unpadded base64url encoding of 32 bytes')
        }
      }
    }
    if (problems.length > before || spec === undefined || !isValidKid(kid)) return

    const material = {
      kty: spec.kty,
      crv: spec.crv,
      x: entry.x as string,
      ...(spec.kty === 'EC' ? { y: entry.y as string } : {}),
      d: entry.d as string,
    }
    let key: KeyObject
    let derived: { x?: string | undefined; y?: string | undefined }
    try {
      key = createPrivateKey({ key: material, format: 'jwk' })
      derived = publicCoordinatesOf(key, material.d)
    } catch {
      // Node's message is not quoted: it is not needed, and must never carry material.
      problem(at, `not a valid ${spec.crv} private key`)
      return
    }
    // Node keeps whatever valid public coordinates sit next to `d` (P-256) without checking
    // them, so a file could publish a key that verifies nothing this gate signs.
    for (const coordinate of spec.coordinates) {
      if (derived[coordinate] !== material[coordinate]) {
        problem(`${at}.${coordinate}`, 'does not match the private key d')
      }
    }
    if (problems.length > before) return
    const jwk: PublicJwk = Object.freeze({
      kty: spec.kty,
      crv: spec.crv,
      x: material.x,
      ...(material.y === undefined ? {} : { y: material.y }),
      kid,
      alg: alg as KeyAlgorithm,
      use: 'sig' as const,
    })
    parsed.push({ kid, alg: alg as KeyAlgorithm, key, jwk })
  })
  const first = parsed[0]
  if (problems.length > 0 || first === undefined) throw new KeySetError(file, problems)
  return Object.freeze({
    signing: Object.freeze({ kid: first.kid, alg: first.alg, key: first.key }),
    publicJwks: Object.freeze({ keys: Object.freeze(parsed.map((p) => p.jwk)) }),
  })
}

/** A loaded key file and what is worth warning about (loose file permissions). */
export interface LoadedKeySet {
  keySet: KeySet
  /** Human-readable warnings, e.g. the file is readable by group or others. */
  warnings: string[]
}

/**
 * Reads and parses a key file ({@link parseKeySet}); a file that cannot be read is a
 * {@link KeySetError} too. A file readable or writable by group or others is accepted (a
 * Kubernetes Secret is mounted 0644 unless `defaultMode` says otherwise) but warned about.
 *
 * @example
 * const { keySet, warnings } = await loadKeySet(process.env.VIBEGATE_KEYS)
 * for (const w of warnings) logger.warn({ file }, w)
 */
export async function loadKeySet(file: string): Promise<LoadedKeySet> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    throw new KeySetError(file, [`${file}: cannot read the file (${codeOf(error)})`])
  }
  const keySet = parseKeySet(text, file)
  return { keySet, warnings: await keyFileWarnings(file) }
}

/**
 * Warnings about a key file's permissions: anything beyond owner read/write (mode 0600, what
 * `vibegate keys generate` writes). Empty on Windows, where modes mean nothing, and when the
 * file cannot be inspected.
 *
 * @example
 * await keyFileWarnings('keys.json') // ['keys.json: mode 0644 lets group or others read ...']
 */
export async function keyFileWarnings(file: string): Promise<string[]> {
  if (process.platform === 'win32') return []
  const info = await stat(file).catch(() => undefined)
  if (info === undefined) return []
  const mode = info.mode & 0o777
  if ((mode & 0o077) === 0) return []
  const who = mode & 0o022 ? 'read or replace' : 'read'
  return [
    `${file}: mode 0${mode.toString(8)} lets group or others ${who} the private keys; run chmod 600 on it`,
  ]
}

/** Options of {@link generateKeySet}. Checked when called; a bad one throws a `TypeError`. */
export interface GenerateKeySetOptions {
  /** Default `EdDSA` (Ed25519). */
  alg?: KeyAlgorithm
  /** Default: the key's RFC 7638 thumbprint (SHA-256, base64url). */
  kid?: string
}

/**
 * Generates a new private key set with one key, in the key file format. Write it with mode
 * 0600 (`vibegate keys generate` does); publish with {@link parseKeySet}'s `publicJwks`.
 *
 * @example
 * const file = await generateKeySet({ alg: 'ES256', kid: '2026-01' })
 * await writeFile('keys.json', JSON.stringify(file, null, 2), { mode: 0o600, flag: 'wx' })
 */
export async function generateKeySet(
  options: GenerateKeySetOptions = {},
): Promise<PrivateKeySetFile> {
  const alg = options.alg ?? 'EdDSA'
  if (!KEY_ALGORITHMS.includes(alg)) {
    throw new TypeError(`generateKeySet: options.alg must be one of ${KEY_ALGORITHMS.join(', ')}`)
  }
  if (options.kid !== undefined && !isValidKid(options.kid)) {
    throw new TypeError(
      'generateKeySet: options.kid must be 1-128 printable ASCII characters, no spaces',
    )
  }
  const spec = SPECS[alg]
  const { privateKey } = await generateKeyPair(alg, { extractable: true, crv: spec.crv })
  const exported = await exportJWK(privateKey)
  const { x, y, d } = exported
  if (x === undefined || d === undefined || (spec.kty === 'EC') !== (y !== undefined)) {
    throw new Error('generateKeySet: the generated key does not have the expected shape')
  }
  const publicParts = { kty: spec.kty, crv: spec.crv, x, ...(y === undefined ? {} : { y }) }
  const kid = options.kid ?? (await calculateJwkThumbprint(publicParts, 'sha256'))
  return { keys: [{ ...publicParts, d, kid, alg, use: 'sig' }] }
}

/**
 * A fresh in-memory key set, for when `VIBEGATE_KEYS` is unset: tokens it signs stop
 * verifying when the process restarts, so the caller should log a warning.
 *
 * @example
 * const keys = ephemeralKeySet() // Ed25519, kid = thumbprint
 */
export async function ephemeralKeySet(alg: KeyAlgorithm = 'EdDSA'): Promise<KeySet> {
  return parseKeySet(JSON.stringify(await generateKeySet({ alg })), '(ephemeral key)')
}

// The public key computed from `d` itself. For Ed25519 Node derives it; for P-256 it would
// return the stored point, so the point is computed with ECDH (which also range-checks d).
function publicCoordinatesOf(
  key: KeyObject,
  d: string,
): { x?: string | undefined; y?: string | undefined } {
  if (key.asymmetricKeyType === 'ed25519') return createPublicKey(key).export({ format: 'jwk' })
  const ecdh = createECDH('prime256v1')
  ecdh.setPrivateKey(Buffer.from(d, 'base64url'))
  const point = ecdh.getPublicKey() // 0x04 || X || Y
  return {
    x: point.subarray(1, 33).toString('base64url'),
    y: point.subarray(33, 65).toString('base64url'),
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function isBase64Url32(value: unknown): boolean {
  if (typeof value !== 'string' || !/^[A-Za-z0-9_-]{43}$/.test(value)) return false
  // Canonical only: the last character's unused bits must be zero.
  return Buffer.from(value, 'base64url').toString('base64url') === value
}

// A member name as the file spells it, bounded: it is not material, but it is user text.
function safeName(name: string): string {
  return /^[A-Za-z0-9_$-]{1,40}$/.test(name) ? name : JSON.stringify(name.slice(0, 40))
}

function jsonErrorPosition(text: string, error: unknown): string {
  const message = error instanceof Error ? error.message : ''
  const match = /at position (\d+)/.exec(message)
  if (match?.[1] === undefined) return ''
  const position = Number(match[1])
  const before = text.slice(0, position)
  const line = before.split('\n').length
  const column = position - before.lastIndexOf('\n')
  return ` (line ${line}, column ${column})`
}

function codeOf(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'code' in error) return String(error.code)
  return 'unknown error'
}
