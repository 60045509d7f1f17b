import { createHmac } from 'node:crypto'

/** What a test puts in a pass: the fields of docs/edge-pass.md, any values. */
export interface MintClaims {
  h: string
  /** The patterns of `p`, written as given (the gate writes `/a/**` as `/a/`). */
  p: string[]
  /** The patterns of `n`, written as given. */
  n: string[]
  u: string
  i: number | string
  x: number | string
  e: number | string
}

/**
 * A pass in the format the gate issues (docs/edge-pass.md, "The pass"):
 * `v2|<i>|<x>|<e>|<h>|<u>|<count of p>|<p>...|<n>...` and `.` and the base64url
 * HMAC-SHA256 of that under `secret`. It checks nothing, so tests can mint the bad ones too;
 * `count` overrides the count of `p`.
 */
export function mintPass(claims: MintClaims & { count?: string }, secret: string): string {
  const { h, p, n, u, i, x, e } = claims
  const signed = ['v2', i, x, e, h, u, claims.count ?? p.length, ...p, ...n].join('|')
  return `${signed}.${signPass(signed, secret)}`
}

/** The signature part of a pass over `signed` (everything before its last `.`). */
export function signPass(signed: string, secret: string): string {
  return createHmac('sha256', secret).update(signed).digest('base64url')
}
