import { asciiJson, type PassClaims } from '../../src/pass/pass-signer.js'
import { createHash, createHmac } from 'node:crypto'

export type { PassClaims }

/** The key id of a pass secret: the first 8 hex characters of its SHA-256. */
export function passKeyId(secret: string): string {
  return createHash('sha256').update(secret).digest('hex').slice(0, 8)
}

/**
 * A pass as the gate issues it (docs/edge-pass.md, "The pass"): `v1.<payload>.<signature>`,
 * standard padded base64 of the ASCII-escaped JSON, signature base64url of the HMAC-SHA256 over `v1.<payload>`. `k` defaults to the key id of
 * `secret`; the JSON keeps the format's key order whatever order `claims` lists them in.
 * Until the gate issues passes, this is how tests make them; it checks nothing, so tests can
 * mint the bad ones too.
 */
export function mintPass(claims: Omit<PassClaims, 'k'> & { k?: string }, secret: string): string {
  const ordered: PassClaims = {
    k: claims.k ?? passKeyId(secret),
    h: claims.h,
    p: claims.p,
    n: claims.n,
    u: claims.u,
    r: claims.r,
    i: claims.i,
    x: claims.x,
    e: claims.e,
  }
  const payload = Buffer.from(asciiJson(JSON.stringify(ordered)), 'latin1').toString('base64')
  return `v1.${payload}.${signPass(payload, secret)}`
}

/** The signature part of a pass over `payload` (its base64 text). */
export function signPass(payload: string, secret: string): string {
  return createHmac('sha256', secret).update(`v1.${payload}`).digest('base64url')
}
