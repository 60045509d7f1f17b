/**
 * Issues and verifies edge passes, `v2|<i>|<x>|<e>|<h>|<u>|<scope>.<signature>`
 * (docs/edge-pass.md): plain text fields joined by `|`, so the edge reads them with one
 * `split` (njs pays for every `atob` and `JSON.parse`), signature the base64url
 * HMAC-SHA256 of everything before the last `.` under the first secret; every secret verifies.
 */
import { createHmac, timingSafeEqual } from 'node:crypto'
import { MAX_PASS_BYTES, MAX_PASS_TTL_SECONDS } from '../rules/compiled-rules.js'
import type { PassKey } from './pass-secrets.js'

/** The per-request claims of a pass. Times are Unix seconds. */
export interface PassRequestClaims {
  /** The request's host, lower-case, as the gate matched it. */
  h: string
  /** The OurSong user's uuid. */
  u: string
  /** Issued at. */
  i: number
  /** Expires at. */
  x: number
  /** The revocation epoch at issue. */
  e: number
}

/** The claims of a verified pass: the per-request ones and the rule's `scope`. */
export interface PassClaims extends PassRequestClaims {
  /** `<count of p>|<p>...|<n>...` as the rule's `PassSettings.scope` wrote it. */
  scope: string
}

/** Signs and verifies passes with one list of secrets. */
export interface PassSigner {
  /**
   * A signed pass for `claims` and a rule's `scope` (`PassSettings.scope`); undefined when a
   * field holds a character the format cannot carry (docs/edge-pass.md) or the pass would
   * exceed {@link MAX_PASS_BYTES}.
   */
  sign(claims: PassRequestClaims, scope: string): string | undefined
  /**
   * The claims of a pass whose format and signature (constant-time, under any secret) are
   * right and that is current at `nowSeconds`: `x > now`, `i <= now + 5`, `0 < x - i <= 300`.
   * Anything else, undefined; never throws.
   */
  verify(pass: string, nowSeconds: number): PassClaims | undefined
}

/** Longest pass text looked at by {@link PassSigner.verify}, characters. */
export const MAX_PASS_LENGTH = MAX_PASS_BYTES + 44
/** Clock skew allowed on `i`, seconds. */
const SKEW_SECONDS = 5
/** Characters of a base64url HMAC-SHA256, and the `.` before it. */
const SIGNATURE_LENGTH = 43
const B64URL = /^[A-Za-z0-9_-]{43}$/
/** A host as `normalizeHost` writes it: DNS name, IPv4 or bracketed IPv6. */
const HOST = /^(?:[a-z0-9._-]{1,253}|\[[0-9a-f:.]{2,45}\])$/
/** A user id the format carries: an OurSong uuid has no other characters. */
const USER = /^[A-Za-z0-9._~-]{1,64}$/
/** A non-negative integer as `String(n)` writes it. */
const INTEGER = /^(?:0|[1-9][0-9]{0,14})$/
/** `<count>|<pattern>...`: what `passScope` writes (no `|`, `,`, `;`, space or `"` inside). */
const SCOPE = /^[1-9][0-9]{0,3}(?:\|\/[A-Za-z0-9._~!$&'()*+=:@/-]*)+$/

/** Creates a signer over `keys` (from `parsePassSecrets`; the first signs). */
export function createPassSigner(options: { keys: readonly PassKey[] }): PassSigner {
  const keys = options.keys
  if (!Array.isArray(keys) || keys.length === 0)
    throw new TypeError('createPassSigner: options.keys must list at least one key')
  const signing = keys[0]!
  const mac = (secret: Buffer, signed: string): Buffer =>
    createHmac('sha256', secret).update(signed).digest()

  return {
    sign(claims, scope) {
      if (!HOST.test(claims.h) || !USER.test(claims.u) || !SCOPE.test(scope)) return undefined
      const signed = `v2|${claims.i}|${claims.x}|${claims.e}|${claims.h}|${claims.u}|${scope}`
      if (signed.length > MAX_PASS_BYTES) return undefined
      return `${signed}.${mac(signing.secret, signed).toString('base64url')}`
    },
    verify(pass, nowSeconds) {
      if (typeof pass !== 'string' || pass.length > MAX_PASS_LENGTH) return undefined
      const dot = pass.length - SIGNATURE_LENGTH - 1
      if (dot < 3 || pass[dot] !== '.' || !pass.startsWith('v2|')) return undefined
      const signed = pass.slice(0, dot)
      const signature = pass.slice(dot + 1)
      if (!B64URL.test(signature)) return undefined
      const given = Buffer.from(signature, 'base64url')
      // One encoding only: trailing bits are not the same pass.
      if (given.toString('base64url') !== signature) return undefined
      // Every key is tried, so the time taken does not say which one signed.
      let verified = false
      for (const key of keys) if (timingSafeEqual(mac(key.secret, signed), given)) verified = true
      if (!verified) return undefined
      const claims = parseClaims(signed)
      if (claims === undefined) return undefined
      const { i, x } = claims
      if (!(x > nowSeconds && i <= nowSeconds + SKEW_SECONDS && x > i)) return undefined
      if (x - i > MAX_PASS_TTL_SECONDS) return undefined
      return claims
    },
  }
}

/** The claims of a signed part when every field has its form; else undefined. */
function parseClaims(signed: string): PassClaims | undefined {
  const f = signed.split('|')
  if (f.length < 8) return undefined
  const [, i, x, e, h, u] = f as [string, string, string, string, string, string]
  const scope = f.slice(6).join('|')
  if (!INTEGER.test(i) || !INTEGER.test(x) || !INTEGER.test(e)) return undefined
  if (!HOST.test(h) || !USER.test(u) || !SCOPE.test(scope)) return undefined
  // The count of `p` leaves at least one field for `p` and cannot run past the end.
  const count = Number(f[6])
  if (count > f.length - 7) return undefined
  return { h, u, i: Number(i), x: Number(x), e: Number(e), scope }
}
