import { isOurSongError, OurSongError, UPSTREAM_FAILURE_CODES } from '../oursong/oursong-error.js'
import type { OurSongClient } from '../oursong/oursong-client.js'
import { paginate } from '../oursong/paginate.js'
import type { HoldingsSnapshot, Requirement, VibeHolding } from '../rules/requirement.js'
import { systemClock, type Clock } from '../util/clock.js'
import { silentLogger, type Logger } from '../util/logger.js'
import { createCircuitBreaker, type CircuitBreaker } from './circuit-breaker.js'
import type { Scope, TieredCache } from './tiered-cache.js'
import { planOf, type Plan } from './requirement-plan.js'
import { NOT_NOW, type NotNow } from '../util/not-now.js'

/** Whose holdings: the OurSong user, and the access token to ask with. */
export interface Owner {
  uuid: string
  accessToken: string
}

/** What is asked of a holding: the amount only, or every token id too. */
export type Question = 'amount' | 'ids'

/** Where an answer came from, for metrics. */
export type LookupSource = 'local' | 'shared' | 'upstream' | 'stale'

/** Options of {@link createOwnershipChecker}. */
export interface OwnershipOptions {
  client: OurSongClient
  cache: TieredCache
  clock?: Clock
  logger?: Logger
  /** How long an owned answer is trusted, ms; default 60000. A transfer revokes access within it. */
  ownedTtlMs?: number
  /** How long a not-owned answer is trusted, ms; default 15000. A purchase grants within it. */
  notOwnedTtlMs?: number
  /** How long an issuer's list of vibes is kept, ms; default 300000. */
  issuerTtlMs?: number
  /**
   * Off (0) by default. When OurSong fails, an owned answer expired less than this many ms
   * ago may still be served; never a not-owned one, never beyond this window, and never
   * one written more than the cache's `maxEntryAgeMs` (default 1 hour) ago.
   */
  staleIfErrorMs?: number
  /** Default: opens after 5 consecutive upstream failures, retries after 10 s. */
  breaker?: CircuitBreaker
  /** Most vibes of one issuer checked for an `issuer` requirement; default 50. */
  maxIssuerVibes?: number
  /** Called for every holding lookup, for metrics. */
  onLookup?: (source: LookupSource) => void
  /**
   * Refresh-ahead window, ms; default 5000, 0 turns it off. A holding served from the
   * cache with less than this left before it expires is asked of OurSong again in the
   * background, once, while the cached answer keeps being served until its own expiry. So
   * a holding in steady use never expires under its requests, which would otherwise wait
   * for OurSong once per TTL. An answer is never served past its TTL either way.
   */
  refreshAheadMs?: number
}

/** Holdings lookups for the decision engine; see {@link createOwnershipChecker}. */
export interface OwnershipChecker {
  /** What `owner` holds of a vibe (`owned_amount` 0 when nothing). */
  holding(owner: Owner, vibeId: string, question: Question): Promise<VibeHolding>
  /** Every fact `requirement` needs, gathered for `evaluateRequirement`. */
  snapshot(owner: Owner, requirement: Requirement): Promise<HoldingsSnapshot>
  /**
   * What {@link snapshot} would gather, when every fact is in this process's cache (no
   * `issuer` requirement, every holding fresh in memory); else `NOT_NOW`.
   */
  snapshotNow(owner: Owner, requirement: Requirement): HoldingsSnapshot | NotNow
  /** Forgets everything cached about a user (logout, operator purge). */
  purgeUser(uuid: string): Promise<void>
  /** Forgets everything cached about a vibe, for every user. */
  purgeVibe(vibeId: string): Promise<void>
}

/** The purge scopes of a holding: its user's and its vibe's. */
function scopesOf(uuid: string, vibeId: string): Scope[] {
  return [
    { kind: 'user', id: uuid },
    { kind: 'vibe', id: vibeId },
  ]
}

/** Pages of token ids fetched at most (100 ids each). */
const MAX_PAGES = 100

const UPSTREAM_FAILURES = UPSTREAM_FAILURE_CODES

/**
 * Ownership from OurSong own-this-vibe, cached in two tiers with separate owned and
 * not-owned TTLs. Identical concurrent lookups share one upstream call; a circuit breaker
 * stops hammering a failing upstream; errors are never cached, so a failure denies (fail
 * closed) unless `staleIfErrorMs` allows a recent owned answer.
 */
export function createOwnershipChecker(options: OwnershipOptions): OwnershipChecker {
  const clock = options.clock ?? systemClock
  const logger = options.logger ?? silentLogger()
  const ownedTtlMs = options.ownedTtlMs ?? 60_000
  const notOwnedTtlMs = options.notOwnedTtlMs ?? 15_000
  const issuerTtlMs = options.issuerTtlMs ?? 300_000
  const staleIfErrorMs = options.staleIfErrorMs ?? 0
  const maxIssuerVibes = options.maxIssuerVibes ?? 50
  const breaker = options.breaker ?? createCircuitBreaker({ clock })
  const { cache, client } = options
  const inflight = new Map<string, Promise<VibeHolding>>()
  const plans = new WeakMap<Requirement, Plan>()
  const refreshAheadMs = options.refreshAheadMs ?? 5000
  // Holdings being refreshed ahead: user, vibe and question, so that the requests of the
  // last seconds before an expiry start one refresh, not one each.
  const refreshing = new Set<string>()

  /** Starts a background refresh of a holding served with less than refreshAheadMs left. */
  const refreshSoon = (
    owner: Owner,
    vibeId: string,
    question: Question,
    expiresAt: number,
  ): void => {
    if (expiresAt - clock.now() > refreshAheadMs) return
    const id = `${owner.uuid}\u0000${vibeId}\u0000${question}`
    if (refreshing.has(id)) return
    refreshing.add(id)
    refresh(owner, vibeId, question, expiresAt)
      .catch((err: unknown) =>
        // The cached answer stays until it expires; the next request then asks as usual.
        logger.debug({ vibe: vibeId, err: String(err) }, 'refresh-ahead of a holding failed'),
      )
      .finally(() => refreshing.delete(id))
  }
  const refresh = async (
    owner: Owner,
    vibeId: string,
    question: Question,
    expiresAt: number,
  ): Promise<void> => {
    const key = await cache.key('holding', scopesOf(owner.uuid, vibeId), question)
    if (inflight.has(key)) return
    // Another replica may have refreshed it already: then its answer is in Redis.
    const newer = await cache.fresherShared<VibeHolding>(key, expiresAt)
    if (newer && newer.expiresAt - clock.now() > refreshAheadMs) return
    if (inflight.has(key)) return
    const shared = fetchHolding(owner, vibeId, question, key).finally(() => inflight.delete(key))
    inflight.set(key, shared)
    await shared
  }

  const holding = async (
    owner: Owner,
    vibeId: string,
    question: Question,
  ): Promise<VibeHolding> => {
    const key = await cache.key('holding', scopesOf(owner.uuid, vibeId), question)
    const hit = await cache.get<VibeHolding>(key)
    if (hit) {
      options.onLookup?.(hit.tier)
      if (refreshAheadMs > 0) refreshSoon(owner, vibeId, question, hit.expiresAt)
      return hit.value
    }
    let shared = inflight.get(key)
    if (!shared) {
      shared = fetchHolding(owner, vibeId, question, key).finally(() => inflight.delete(key))
      inflight.set(key, shared)
    }
    return shared
  }

  const fetchHolding = async (
    owner: Owner,
    vibeId: string,
    question: Question,
    key: string,
  ): Promise<VibeHolding> => {
    if (!breaker.allow()) {
      return staleOr(
        key,
        new OurSongError('oursong_unavailable', 'GET /api/open-api/auth-user/own-this-vibe', {
          detail: 'circuit open: OurSong failed repeatedly',
        }),
      )
    }
    let result: VibeHolding
    try {
      result = await askUpstream(owner, vibeId, question)
      breaker.success()
    } catch (err) {
      if (isOurSongError(err, ...UPSTREAM_FAILURES)) {
        breaker.failure()
        return staleOr(key, err)
      }
      breaker.success()
      if (!isOurSongError(err, 'oursong_not_found')) throw err
      // A vibe OurSong does not know (a typo in the rules): nobody holds it.
      logger.warn({ vibe: vibeId }, 'OurSong does not know this vibe; check the rules file')
      result = { id: vibeId, owned_amount: 0, token_ids: [] }
    }
    await cache.set(key, result, result.owned_amount > 0 ? ownedTtlMs : notOwnedTtlMs)
    options.onLookup?.('upstream')
    return result
  }

  const askUpstream = async (
    owner: Owner,
    vibeId: string,
    question: Question,
  ): Promise<VibeHolding> => {
    const first = await client.ownThisVibe(owner.accessToken, { vibeId }, { perPage: 100 })
    const ids = [...first.owned_token_id_list]
    let more = question === 'ids' && first.has_more_page && ids.length > 0
    for (let page = 2; more; page++) {
      if (page > MAX_PAGES) {
        throw new OurSongError(
          'oursong_bad_response',
          'GET /api/open-api/auth-user/own-this-vibe',
          {
            detail: `more than ${MAX_PAGES} pages of token ids`,
          },
        )
      }
      const next = await client.ownThisVibe(owner.accessToken, { vibeId }, { page, perPage: 100 })
      if (next.current_page !== page) {
        throw new OurSongError(
          'oursong_bad_response',
          'GET /api/open-api/auth-user/own-this-vibe',
          {
            detail: `asked for page ${page}, got ${next.current_page}`,
          },
        )
      }
      ids.push(...next.owned_token_id_list)
      more = next.has_more_page && next.owned_token_id_list.length > 0
    }
    return { id: vibeId, owned_amount: first.owned_amount, token_ids: ids }
  }

  const staleOr = (key: string, error: unknown): VibeHolding => {
    const old = staleIfErrorMs > 0 ? cache.peekLocal<VibeHolding>(key) : undefined
    if (old && old.value.owned_amount > 0 && clock.now() < old.expiresAt + staleIfErrorMs) {
      logger.warn(
        { vibe: old.value.id },
        'OurSong failed; serving a recent owned answer (stale-if-error)',
      )
      options.onLookup?.('stale')
      return old.value
    }
    throw error
  }

  const issuerVibes = async (issuer: string): Promise<string[]> => {
    const key = await cache.key('issuer-vibes', [], issuer)
    const hit = await cache.get<string[]>(key)
    if (hit) return hit.value
    const ids: string[] = []
    for await (const vibe of paginate(
      (page) => client.createdVibeList(issuer, { page, perPage: 100 }),
      (r) => r.list,
    )) {
      ids.push(vibe.id)
      if (ids.length >= maxIssuerVibes) break
    }
    await cache.set(key, ids, issuerTtlMs)
    return ids
  }

  const snapshotOf = (
    held: ReadonlyMap<string, VibeHolding>,
    byIssuer: ReadonlyMap<string, string[]>,
  ): HoldingsSnapshot => ({
    vibe: (id) => {
      const h = held.get(id)
      return h && h.owned_amount > 0 ? h : undefined
    },
    issuerVibes: (issuer) => byIssuer.get(issuer),
  })
  const NO_ISSUERS: ReadonlyMap<string, string[]> = new Map()

  return {
    holding,

    snapshotNow(owner, requirement) {
      const { questions, issuers } = planOf(plans, requirement)
      if (issuers.length > 0) return NOT_NOW
      const held = new Map<string, VibeHolding>()
      for (const [vibe, question] of questions) {
        const hit = cache.peek<VibeHolding>('holding', scopesOf(owner.uuid, vibe), question)
        if (!hit) return NOT_NOW
        held.set(vibe, hit.value)
        if (refreshAheadMs > 0) refreshSoon(owner, vibe, question, hit.expiresAt)
      }
      for (let i = 0; i < questions.length; i++) options.onLookup?.('local')
      return snapshotOf(held, NO_ISSUERS)
    },

    async snapshot(owner, requirement) {
      const { questions, issuers } = planOf(plans, requirement)
      const held = new Map<string, VibeHolding>()
      if (questions.length === 1) {
        // The common rule names one vibe: no Promise.all for it.
        const [vibe, question] = questions[0]!
        held.set(vibe, await holding(owner, vibe, question))
      } else {
        await Promise.all(
          questions.map(async ([vibe, question]) => {
            held.set(vibe, await holding(owner, vibe, question))
          }),
        )
      }
      const byIssuer = new Map<string, string[]>()
      for (const issuer of issuers) {
        const vibes = await issuerVibes(issuer)
        byIssuer.set(issuer, vibes)
        // Four at a time, stopping at the first owned one: `issuer` needs just one.
        for (let i = 0; i < vibes.length; i += 4) {
          const batch = await Promise.all(
            vibes.slice(i, i + 4).map((v) => held.get(v) ?? holding(owner, v, 'amount')),
          )
          batch.forEach((h) => held.set(h.id, h))
          if (batch.some((h) => h.owned_amount > 0)) break
        }
      }
      return snapshotOf(held, byIssuer)
    },

    purgeUser: (uuid) => cache.purge({ kind: 'user', id: uuid }),
    purgeVibe: (vibeId) => cache.purge({ kind: 'vibe', id: vibeId }),
  }
}
