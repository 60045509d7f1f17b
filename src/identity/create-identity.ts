import type { OurSongClient } from '../oursong/oursong-client.js'
import type { CircuitBreaker } from '../ownership/circuit-breaker.js'
import type { KeyValueStore } from '../store/key-value-store.js'
import { systemClock, type Clock } from '../util/clock.js'
import type { Logger } from '../util/logger.js'
import { createBearerIdentity, type BearerIdentity } from './bearer-identity.js'
import { createIdentityChain } from './identity-chain.js'
import { createOAuthSignIn, type OAuthSignIn } from './oauth-sign-in.js'
import { createRateLimiter, type RateLimiter } from './rate-limiter.js'
import { createSealer } from './sealer.js'
import { createSessionRevalidator } from './session-revalidator.js'
import { createSessionStore, type SessionStore, type SessionStoreOptions } from './session-store.js'
import { createWalletSignIn, type WalletSignIn } from './wallet-sign-in.js'

/** Options of {@link createIdentity}. */
export interface IdentityOptions {
  client: OurSongClient
  /** OAuth states, nonces, rate limits and the bearer cache live here (and sessions, unless `sessionStore`). */
  store: KeyValueStore
  /**
   * Where sessions live, when not in `store`. In process, give sessions a store of their own,
   * so a flood of anonymous writes (sign-in starts, bad tokens) cannot evict them.
   */
  sessionStore?: KeyValueStore
  /** VIBEGATE_PUBLIC_URL. */
  publicUrl: URL
  /** VIBEGATE_SESSION_SECRET, at least 32 characters. */
  sessionSecret: string
  /** VIBEGATE_ALLOWED_REDIRECT_HOSTS; default the public URL's host. */
  allowedRedirectHosts?: readonly string[]
  /** Chain ids accepted in wallet sign-in messages; default [1]. */
  chainIds?: readonly number[]
  clock?: Clock
  /** Session idle timeout and absolute lifetime, ms (defaults 12 h and 7 days). */
  sessionIdleTtlMs?: number
  sessionAbsoluteTtlMs?: number
  /** See `SessionStoreOptions.localCacheMs`; default 0. */
  sessionLocalCacheMs?: number
  /** See `SessionStoreOptions.bus`; default none. */
  bus?: SessionStoreOptions['bus']
  /**
   * How often a session re-checks its OurSong token with auth-user, ms; default 300000
   * (5 minutes); 0 = never. A token OurSong refuses ends the session. See
   * `createSessionRevalidator`.
   */
  sessionRevalidateMs?: number
  /**
   * While OurSong cannot answer, how long past a due check a session is still let through,
   * ms; default `sessionRevalidateMs`. Then requests needing it are `upstream_unavailable`.
   */
  sessionRevalidateGraceMs?: number
  /** The OurSong circuit breaker, shared with the ownership checks; default none. */
  breaker?: CircuitBreaker
  logger?: Logger
}

/** Every identity component, wired. */
export interface IdentityServices {
  sessions: SessionStore
  oauth: OAuthSignIn
  wallet: WalletSignIn
  bearer: BearerIdentity
  identity: ReturnType<typeof createIdentityChain>
  rateLimiter: RateLimiter
  /** Seconds: the session cookie's Max-Age. */
  sessionCookieMaxAge: number
}

/** Wires the identity subsystem from its options. */
export function createIdentity(options: IdentityOptions): IdentityServices {
  const clock = options.clock ?? systemClock
  const absoluteTtlMs = options.sessionAbsoluteTtlMs ?? 7 * 86_400_000
  const sessions = createSessionStore({
    store: options.sessionStore ?? options.store,
    sealer: createSealer(options.sessionSecret, 'session'),
    clock,
    idleTtlMs: options.sessionIdleTtlMs ?? 12 * 3_600_000,
    absoluteTtlMs,
    localCacheMs: options.sessionLocalCacheMs ?? 0,
    ...(options.bus ? { bus: options.bus } : {}),
  })
  const revalidator = createSessionRevalidator({
    client: options.client,
    sessions,
    clock,
    intervalMs: options.sessionRevalidateMs ?? 300_000,
    ...(options.sessionRevalidateGraceMs !== undefined
      ? { graceMs: options.sessionRevalidateGraceMs }
      : {}),
    ...(options.breaker ? { breaker: options.breaker } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
  })
  const bearer = createBearerIdentity({
    client: options.client,
    cache: options.store,
    clock,
    ...(options.logger ? { logger: options.logger } : {}),
  })
  const oauth = createOAuthSignIn({
    client: options.client,
    store: options.store,
    sessions,
    redirectUri: new URL('/auth/callback', options.publicUrl).href,
    returnTo: {
      publicUrl: options.publicUrl,
      allowedHosts: options.allowedRedirectHosts ?? [options.publicUrl.host],
    },
  })
  const wallet = createWalletSignIn({
    client: options.client,
    store: options.store,
    sessions,
    clock,
    policy: {
      domain: options.publicUrl.host,
      uri: options.publicUrl.origin,
      chainIds: options.chainIds ?? [1],
      maxValidityMs: 5 * 60_000,
      clockSkewMs: 60_000,
    },
  })
  return {
    sessions,
    oauth,
    wallet,
    bearer,
    identity: createIdentityChain({ bearer, sessions, revalidator }),
    rateLimiter: createRateLimiter(options.store),
    sessionCookieMaxAge: Math.floor(absoluteTtlMs / 1000),
  }
}
