import type { TokenRequest } from './token-issuer.js'

/** The longest lifetime a rule may give its tokens (`token.ttl`, at most 15m). */
export const MAX_TOKEN_TTL_SECONDS = 900

/**
 * Checks a token request in full before anything is signed for it; throws a `TypeError`
 * naming the first bad field (`TokenIssuer.issue: ttlSeconds must be ...`).
 */
export function checkTokenRequest(request: TokenRequest): void {
  const fail = (field: string, what: string): never => {
    throw new TypeError(`TokenIssuer.issue: ${field} must be ${what}`)
  }
  if (typeof request !== 'object' || request === null) fail('the request', 'an object')
  for (const field of ['sub', 'aud', 'rule', 'sessionKey'] as const) {
    if (typeof request[field] !== 'string' || request[field] === '') {
      fail(field, 'a non-empty string')
    }
  }
  const ttl = request.ttlSeconds
  if (!Number.isSafeInteger(ttl) || ttl < 1 || ttl > MAX_TOKEN_TTL_SECONDS) {
    fail('ttlSeconds', `an integer from 1 to ${MAX_TOKEN_TTL_SECONDS}`)
  }
  const wallet = request.wallet
  if (wallet !== undefined && wallet !== null && typeof wallet !== 'string') {
    fail('wallet', 'a string, null or undefined')
  }
  if (!Array.isArray(request.vibes)) fail('vibes', 'an array')
  request.vibes.forEach((v, i) => {
    if (typeof v !== 'object' || v === null) fail(`vibes[${i}]`, 'an object')
    if (typeof v.id !== 'string' || v.id === '') fail(`vibes[${i}].id`, 'a non-empty string')
    if (
      typeof v.owned_amount !== 'number' ||
      !Number.isFinite(v.owned_amount) ||
      v.owned_amount < 0
    ) {
      fail(`vibes[${i}].owned_amount`, 'a non-negative number')
    }
    if (
      !Array.isArray(v.token_ids) ||
      !v.token_ids.every((t) => Number.isSafeInteger(t) && t >= 0)
    ) {
      fail(`vibes[${i}].token_ids`, 'an array of non-negative integers')
    }
  })
}
