/**
 * Issues and verifies edge passes, `v1.<payload>.<signature>` (docs/edge-pass.md): payload
 * the standard, padded base64 of the claims' JSON in a fixed key order, ASCII only (other
 * characters written as `\uXXXX`, so njs's `atob` reads it exactly), signature the base64url
 * HMAC-SHA256 of `"v1." + payload` under the first secret; every secret verifies.
 */
import { createHmac, timingSafeEqual } from 'node:crypto'
import { MAX_PASS_JSON_BYTES, MAX_PASS_TTL_SECONDS } from '../rules/compiled-rules.js'
import type { PassKey } from './pass-secrets.js'

/** The claims of a pass, in the order they are serialised. Times are Unix seconds. */
export interface PassClaims {
  /** Key id of the signing secret (8 hex). */
  k: string
  /** The request's host, lower-case, as the gate matched it. */
  h: string
  /** The rule's canonical path patterns. */
  p: string[]
  /** The canonical path patterns of every earlier rule. */
  n: string[]
  /** The OurSong user's uuid. */
  u: string
  /** The rule id. */
  r: string
  /** Issued at. */
  i: number
  /** Expires at. */
  x: number
  /** The revocation epoch at issue. */
  e: number
}

/** The per-request claims of a pass; `p` and `n` come serialised from the rule. */
export type PassRequestClaims = Omit<PassClaims, 'k' | 'p' | 'n'>

/** Signs and verifies passes with one list of secrets. */
export interface PassSigner {
  /** Key id of the signing (first) secret. */
  readonly keyId: string
  /**
   * A signed pass for `claims`, whose `p` and `n` are given as `"p":[...],"n":[...]`
   * (`PassSettings.scopeJson`); undefined when its JSON exceeds {@link MAX_PASS_JSON_BYTES}.
   */
  sign(claims: PassRequestClaims, scopeJson: string): string | undefined
  /**
   * The claims of a pass whose format, key id and signature (constant-time) are right and
   * that is current at `nowSeconds`: `x > now`, `i <= now + 5`, `0 < x - i <= 300`. Anything
   * else, undefined; never throws.
   */
  verify(pass: string, nowSeconds: number): PassClaims | undefined
}

/** Longest pass text looked at by {@link PassSigner.verify}, characters. */
export const MAX_PASS_LENGTH = 4200
/** Clock skew allowed on `i`, seconds. */
const SKEW_SECONDS = 5
const B64URL = /^[A-Za-z0-9_-]+$/
const B64 = /^(?:[A-Za-z0-9+/]{4})+$|^(?:[A-Za-z0-9+/]{4})*[A-Za-z0-9+/]{2}(?:==|[A-Za-z0-9+/]=)$/
const KEY_ID = /^[0-9a-f]{8}$/

/** The JSON of a pass with `p` and `n` pre-serialised: equal to JSON.stringify of the claims. */
export function passJson(k: string, claims: PassRequestClaims, scopeJson: string): string {
  return `{"k":${JSON.stringify(k)},"h":${JSON.stringify(claims.h)},${scopeJson},"u":${JSON.stringify(claims.u)},"r":${JSON.stringify(claims.r)},"i":${claims.i},"x":${claims.x},"e":${claims.e}}`
}

/** `json` with every character outside ASCII written as a `\uXXXX` escape (same value). */
export function asciiJson(json: string): string {
  return json.replace(
    /[\u007f-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  )
}

/** Creates a signer over `keys` (from `parsePassSecrets`; the first signs). */
export function createPassSigner(options: { keys: readonly PassKey[] }): PassSigner {
  const keys = options.keys
  if (!Array.isArray(keys) || keys.length === 0)
    throw new TypeError('createPassSigner: options.keys must list at least one key')
  const signing = keys[0]!
  const byId = new Map(keys.map((k) => [k.id, k.secret]))
  const mac = (secret: Buffer, signed: string): Buffer =>
    createHmac('sha256', secret).update(signed).digest()

  return {
    keyId: signing.id,
    sign(claims, scopeJson) {
      const json = asciiJson(passJson(signing.id, claims, scopeJson))
      if (json.length > MAX_PASS_JSON_BYTES) return undefined
      const signed = `v1.${Buffer.from(json, 'latin1').toString('base64')}`
      return `${signed}.${mac(signing.secret, signed).toString('base64url')}`
    },
    verify(pass, nowSeconds) {
      if (typeof pass !== 'string' || pass.length > MAX_PASS_LENGTH || !pass.startsWith('v1.'))
        return undefined
      const dot = pass.indexOf('.', 3)
      if (dot === -1 || pass.indexOf('.', dot + 1) !== -1) return undefined
      const payload = pass.slice(3, dot)
      const signature = pass.slice(dot + 1)
      if (!B64.test(payload) || !B64URL.test(signature)) return undefined
      const given = Buffer.from(signature, 'base64url')
      // One encoding only: trailing bits or padding variants are not the same pass.
      if (given.length !== 32 || given.toString('base64url') !== signature) return undefined
      const bytes = Buffer.from(payload, 'base64')
      if (bytes.toString('base64') !== payload) return undefined
      const claims = parseClaims(bytes.toString('utf8'))
      if (claims === undefined) return undefined
      const secret = byId.get(claims.k)
      if (secret === undefined) return undefined
      if (!timingSafeEqual(mac(secret, pass.slice(0, dot)), given)) return undefined
      const { i, x } = claims
      if (!(x > nowSeconds && i <= nowSeconds + SKEW_SECONDS && x > i)) return undefined
      if (x - i > MAX_PASS_TTL_SECONDS) return undefined
      return claims
    },
  }
}

/** The claims of a payload's JSON when every field has its type; else undefined. */
function parseClaims(json: string): PassClaims | undefined {
  let value: unknown
  try {
    value = JSON.parse(json)
  } catch {
    return undefined
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined
  const c = value as Record<string, unknown>
  const strings = (v: unknown): v is string[] =>
    Array.isArray(v) && v.every((s) => typeof s === 'string')
  const int = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0
  if (
    typeof c.k !== 'string' ||
    !KEY_ID.test(c.k) ||
    typeof c.h !== 'string' ||
    !strings(c.p) ||
    !strings(c.n) ||
    typeof c.u !== 'string' ||
    typeof c.r !== 'string' ||
    !int(c.i) ||
    !int(c.x) ||
    !int(c.e)
  )
    return undefined
  return { k: c.k, h: c.h, p: c.p, n: c.n, u: c.u, r: c.r, i: c.i, x: c.x, e: c.e }
}
