/**
 * Mints the JWTs the gate hands to content servers (CONTRACT section 5), and reuses a minted
 * token while more than half of its lifetime remains, as Oathkeeper's id_token mutator does:
 * signing costs about 75 µs, a cache hit a hash and a map lookup.
 */
import { createHash, randomBytes } from 'node:crypto'
import { SignJWT } from 'jose'
import { systemClock, type Clock } from '../util/clock.js'
import type { VibeHolding } from './gate-claims.js'
import type { KeySet, SigningKey } from './key-set.js'

export type { VibeHolding }

/** A {@link VibeHolding} as the issuer takes it: read-only, copied into the token. */
export interface VibeHoldingInput {
  readonly id: string
  readonly owned_amount: number
  readonly token_ids: readonly number[]
}

/** The longest lifetime a rule may give its tokens (`token.ttl`, at most 15m). */
export const MAX_TOKEN_TTL_SECONDS = 900

/** What goes into a token, and what identifies the session it is for. */
export interface TokenRequest {
  /** The OurSong user's uuid. */
  sub: string
  /** The rule's `token.audience` (default `vibegate`). */
  aud: string
  /** The rule's `token.ttl`, in seconds: an integer from 1 to {@link MAX_TOKEN_TTL_SECONDS}. */
  ttlSeconds: number
  /** The rule id. */
  rule: string
  vibes: readonly VibeHoldingInput[]
  /** The connected wallet address, when known; omitted from the token otherwise. */
  wallet?: string | null
  /**
   * Identifies the session or Bearer token the request came with: a hash, never the raw
   * token. Tokens are reused only within one session.
   */
  sessionKey: string
}

/** A signed token and when it expires. */
export interface IssuedToken {
  /** The JWS compact serialization. */
  token: string
  /** The `exp` claim in milliseconds since the epoch (`exp * 1000`). */
  expiresAt: number
}

/** Counters, for `/metrics`. */
export interface TokenIssuerStats {
  /** Tokens signed since start. */
  minted: number
  /** Requests answered with a token already minted. */
  reused: number
  /** Tokens now in the reuse cache. */
  cached: number
}

/** Signs gate tokens. */
export interface TokenIssuer {
  /**
   * A token for `request`: a cached one when one was minted for exactly the same inputs (and
   * signing key) and more than half of its lifetime remains, else a new one. Concurrent calls
   * with the same inputs share one signature. Bad input throws a `TypeError`.
   */
  issue(request: TokenRequest): Promise<IssuedToken>
  stats(): TokenIssuerStats
}

/** Options of {@link createTokenIssuer}. Checked once; a bad one throws a `TypeError`. */
export interface TokenIssuerOptions {
  /** The keys in force; called per token (`watchKeys(...).current`). The first key signs. */
  keys: () => KeySet
  /** The `iss` claim: `VIBEGATE_PUBLIC_URL`. */
  issuer: string
  /** Source of `iat`, `exp` and reuse decisions; default the system clock. */
  clock?: Clock
  /** How many minted tokens are kept for reuse (least recently used leave first); default 10000, 0 disables reuse. */
  maxCached?: number
}

interface CacheEntry {
  token: Promise<string>
  /** Reuse only before this time, ms: half of the lifetime, counted from `iat`. */
  reuseUntil: number
  expiresAt: number
}

/**
 * Creates the token issuer. Tokens are JWS compact JWTs with header `{ alg, kid, typ: "JWT" }`
 * and the claims iss, sub, aud, iat, exp (`exp - iat` = the ttl), jti (128 random bits), rule,
 * vibes and, when known, wallet.
 *
 * The reuse cache is keyed by a SHA-256 of a canonical JSON array of every input (sub,
 * sessionKey, rule, aud, ttl, wallet, vibes, signing kid), so no two different inputs share an
 * entry; it is emptied when the signing key changes.
 *
 * @example
 * const issuer = createTokenIssuer({ keys: keys.current, issuer: 'https://gate.example' })
 * const { token, expiresAt } = await issuer.issue({
 *   sub: user.uuid, aud: 'vibegate', ttlSeconds: 120, rule: 'yellow-hd',
 *   vibes: [{ id: 'nxwyqqow', owned_amount: 2, token_ids: [1, 2] }],
 *   wallet: null, sessionKey: sessionIdHash,
 * })
 * res.set('Authorization', `Bearer ${token}`)
 */
export function createTokenIssuer(options: TokenIssuerOptions): TokenIssuer {
  const { keys, issuer } = options
  if (typeof keys !== 'function') {
    throw new TypeError('createTokenIssuer: options.keys must be a function returning the key set')
  }
  if (typeof issuer !== 'string' || issuer === '') {
    throw new TypeError('createTokenIssuer: options.issuer must be a non-empty string')
  }
  const clock = options.clock ?? systemClock
  const maxCached = options.maxCached ?? 10_000
  if (!Number.isSafeInteger(maxCached) || maxCached < 0) {
    throw new TypeError('createTokenIssuer: options.maxCached must be a non-negative integer')
  }

  // Map iteration order is insertion order: re-inserting on a hit makes it an LRU.
  const cache = new Map<string, CacheEntry>()
  let signingKey: SigningKey | undefined
  let minted = 0
  let reused = 0

  const sign = async (
    key: SigningKey,
    request: TokenRequest,
    iat: number,
    exp: number,
  ): Promise<string> => {
    const payload: Record<string, unknown> = {
      iss: issuer,
      sub: request.sub,
      aud: request.aud,
      iat,
      exp,
      jti: randomBytes(16).toString('base64url'),
      rule: request.rule,
      vibes: request.vibes.map((v) => ({
        id: v.id,
        owned_amount: v.owned_amount,
        token_ids: [...v.token_ids],
      })),
    }
    if (request.wallet) payload.wallet = request.wallet
    minted++
    return new SignJWT(payload)
      .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' })
      .sign(key.key)
  }

  return {
    async issue(request) {
      checkRequest(request)
      const keySet = keys()
      const key = keySet.signing
      if (key !== signingKey) {
        // A new signing key: tokens of the old one still verify, but new ones use the new key.
        cache.clear()
        signingKey = key
      }
      const now = clock.now()
      const cacheKey = maxCached === 0 ? undefined : cacheKeyOf(request, key)
      if (cacheKey !== undefined) {
        const hit = cache.get(cacheKey)
        if (hit !== undefined) {
          cache.delete(cacheKey)
          if (now < hit.reuseUntil) {
            cache.set(cacheKey, hit)
            reused++
            return { token: await hit.token, expiresAt: hit.expiresAt }
          }
        }
      }
      const iat = Math.floor(now / 1000)
      const exp = iat + request.ttlSeconds
      const token = sign(key, request, iat, exp)
      const expiresAt = exp * 1000
      if (cacheKey !== undefined) {
        const entry: CacheEntry = {
          token,
          reuseUntil: iat * 1000 + (request.ttlSeconds * 1000) / 2,
          expiresAt,
        }
        cache.set(cacheKey, entry)
        while (cache.size > maxCached) {
          const oldest = cache.keys().next()
          if (oldest.done === true) break
          cache.delete(oldest.value)
        }
        // A failed signature must not be served from the cache.
        token.catch(() => {
          if (cache.get(cacheKey) === entry) cache.delete(cacheKey)
        })
      }
      return { token: await token, expiresAt }
    },
    stats: () => ({ minted, reused, cached: cache.size }),
  }
}

// Positions in an array, not a concatenation: ("a|b", "c") and ("a", "b|c") differ.
function cacheKeyOf(request: TokenRequest, key: SigningKey): string {
  const canonical = JSON.stringify([
    1,
    key.kid,
    key.alg,
    request.sub,
    request.sessionKey,
    request.rule,
    request.aud,
    request.ttlSeconds,
    request.wallet || null,
    request.vibes.map((v) => [v.id, v.owned_amount, v.token_ids]),
  ])
  return createHash('sha256').update(canonical).digest('base64url')
}

function checkRequest(request: TokenRequest): void {
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
