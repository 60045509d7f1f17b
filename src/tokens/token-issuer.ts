/**
 * Mints the JWTs the gate hands to content servers (CONTRACT section 5), and reuses a minted
 * token while more than half of its lifetime remains, as Oathkeeper's id_token mutator does:
 * signing costs about 75 µs, a cache hit a map lookup and a comparison.
 */
import { randomBytes } from 'node:crypto'
import { checkTokenRequest } from './check-token-request.js'
import { SignJWT } from 'jose'
import { systemClock, type Clock } from '../util/clock.js'
import type { VibeHolding } from './gate-claims.js'
import type { KeySet, SigningKey } from './key-set.js'
import { LruCache } from '../util/lru-cache.js'
import { NOT_NOW, type NotNow } from '../util/not-now.js'

export type { VibeHolding }

/** A {@link VibeHolding} as the issuer takes it: read-only, copied into the token. */
export interface VibeHoldingInput {
  readonly id: string
  readonly owned_amount: number
  readonly token_ids: readonly number[]
}

export { MAX_TOKEN_TTL_SECONDS } from './check-token-request.js'

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
   * Identifies the session or Bearer token the request came with. Tokens are reused only
   * within one session. It keys an in-process map only: never logged, never stored.
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
  /** The token {@link issue} would reuse, when one is signed and fresh; else `NOT_NOW`. */
  reuseNow(request: TokenRequest): IssuedToken | NotNow
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
  /**
   * Sessions (or Bearer tokens) whose minted tokens are kept for reuse, at most 64 rules each
   * (least recently used leave first); default 10000, 0 disables reuse.
   */
  maxCached?: number
}

interface CacheEntry {
  /** The inputs besides session and rule, compared on a hit: the token is reused only for these. */
  key: SigningKey
  sub: string
  wallet: string | null
  aud: string
  ttlSeconds: number
  vibes: readonly VibeHoldingInput[]
  token: Promise<string>
  /** The token once signed: a hit then needs no await. */
  signed?: string
  /** Reuse only before this time, ms: half of the lifetime, counted from `iat`. */
  reuseUntil: number
  expiresAt: number
}

/**
 * Creates the token issuer. Tokens are JWS compact JWTs with header `{ alg, kid, typ: "JWT" }`
 * and the claims iss, sub, aud, iat, exp (`exp - iat` = the ttl), jti (128 random bits), rule,
 * vibes and, when known, wallet.
 *
 * The reuse cache is keyed by sessionKey, then rule, and a hit is used only when the signing
 * key, sub, wallet, aud, ttl and every vibe (id, amount, token ids) are equal too, so no two
 * different inputs share a token (changed inputs replace the entry); it is emptied when the signing key
 * changes. A request is checked in full before anything is signed for it; a hit is equal
 * to a request that was.
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

  // Session (or Bearer token), then rule id: both strings the caller holds for long, so a
  // hit builds no key; everything else is compared (sameInputs).
  const cache = new LruCache<Map<string, CacheEntry>>(Math.max(1, maxCached))
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

  const currentKey = (): SigningKey => {
    const key = keys().signing
    if (key !== signingKey) {
      // A new signing key: tokens of the old one still verify, but new ones use the new key.
      cache.clear()
      signingKey = key
    }
    return key
  }
  /** The cached entry a request may reuse, signed or still being signed. */
  const reusable = (request: TokenRequest, key: SigningKey): CacheEntry | undefined => {
    if (maxCached === 0 || typeof request.sessionKey !== 'string') return undefined
    const hit = cache.get(request.sessionKey)?.value.get(request.rule)
    return hit !== undefined && clock.now() < hit.reuseUntil && sameInputs(hit, key, request)
      ? hit
      : undefined
  }

  return {
    reuseNow(request) {
      const hit = reusable(request, currentKey())
      if (hit?.signed === undefined) return NOT_NOW
      reused++
      return { token: hit.signed, expiresAt: hit.expiresAt }
    },

    async issue(request) {
      const key = currentKey()
      const hit = reusable(request, key)
      if (hit !== undefined) {
        reused++
        return { token: hit.signed ?? (await hit.token), expiresAt: hit.expiresAt }
      }
      const now = clock.now()
      const cacheable = maxCached > 0 && typeof request.sessionKey === 'string'
      let byRule = cacheable ? cache.get(request.sessionKey)?.value : undefined
      checkTokenRequest(request)
      const iat = Math.floor(now / 1000)
      const exp = iat + request.ttlSeconds
      const token = sign(key, request, iat, exp)
      const expiresAt = exp * 1000
      if (cacheable) {
        const entry: CacheEntry = {
          key,
          sub: request.sub,
          wallet: request.wallet || null,
          aud: request.aud,
          ttlSeconds: request.ttlSeconds,
          // Copied: the caller's arrays may change; this entry must keep what was signed.
          vibes: request.vibes.map((v) => ({
            id: v.id,
            owned_amount: v.owned_amount,
            token_ids: [...v.token_ids],
          })),
          token,
          reuseUntil: iat * 1000 + (request.ttlSeconds * 1000) / 2,
          expiresAt,
        }
        if (!byRule || byRule.size >= MAX_RULES_PER_SESSION) {
          byRule = new Map()
          cache.set(request.sessionKey, byRule, Infinity)
        }
        const rules = byRule
        rules.set(request.rule, entry)
        token.then(
          (signed) => {
            entry.signed = signed
          },
          // A failed signature must not be served from the cache.
          () => {
            if (rules.get(request.rule) === entry) rules.delete(request.rule)
          },
        )
      }
      return { token: await token, expiresAt }
    },
    stats: () => {
      let cached = 0
      for (const byRule of cache.values()) cached += byRule.size
      return { minted, reused, cached }
    },
  }
}

/** Rules one session keeps tokens for; past it, its entries start again. */
const MAX_RULES_PER_SESSION = 64

/**
 * True when a cached token was signed for exactly this request: same key, user, wallet,
 * audience, lifetime and holdings (session and rule found it). Anything that changed (new
 * holdings, a rules reload) replaces the entry: a session meets one set at a time.
 */
function sameInputs(entry: CacheEntry, key: SigningKey, request: TokenRequest): boolean {
  if (
    entry.key !== key ||
    entry.sub !== request.sub ||
    entry.wallet !== (request.wallet || null) ||
    entry.aud !== request.aud ||
    entry.ttlSeconds !== request.ttlSeconds
  )
    return false
  const vibes = request.vibes
  if (!Array.isArray(vibes) || vibes.length !== entry.vibes.length) return false
  for (let i = 0; i < vibes.length; i++) {
    const a = entry.vibes[i]!
    const b = vibes[i]
    if (typeof b !== 'object' || b === null || a.id !== b.id || a.owned_amount !== b.owned_amount)
      return false
    if (!Array.isArray(b.token_ids) || a.token_ids.length !== b.token_ids.length) return false
    for (let j = 0; j < a.token_ids.length; j++) if (a.token_ids[j] !== b.token_ids[j]) return false
  }
  return true
}
