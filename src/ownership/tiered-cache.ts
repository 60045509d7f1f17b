import { createHash } from 'node:crypto'
import { trustsCopy, type BusCopy, type InvalidationBus } from '../store/invalidation-bus.js'
import { createNoticeLedger } from '../store/notice-ledger.js'
import type { KeyValueStore } from '../store/key-value-store.js'
import { storeKey } from '../store/store-key.js'
import { systemClock, type Clock } from '../util/clock.js'
import { LruCache } from '../util/lru-cache.js'
import { createKeyMemo } from './key-memo.js'

/** Options of {@link createTieredCache}. */
export interface TieredCacheOptions {
  /** The shared tier (Redis); absent: the in-process tier alone (a single instance). */
  shared?: KeyValueStore | undefined
  clock?: Clock
  /** Entries kept in process; default 10000. */
  maxLocalEntries?: number
  /**
   * How long a replica trusts its copy of a purge generation, ms; default 1000. A purge
   * on another replica reaches this one within that time.
   */
  generationTtlMs?: number
  /**
   * The deployment's invalidation bus (with a shared tier): a purge here is announced, one
   * at another replica drops this replica's copy of that generation at once, and while the
   * bus vouches for a copy it is trusted for `liveGenerationTtlMs` instead of
   * `generationTtlMs` (`trustsCopy`).
   */
  bus?: Pick<InvalidationBus, 'publish' | 'on' | 'liveEpoch' | 'confirmedAt'>
  /**
   * How long a copy of a generation is trusted while the bus vouches for it, ms; default
   * 30000. A backstop only: purge notices end copies sooner.
   */
  liveGenerationTtlMs?: number
  /**
   * How long after it was written an entry may be served at all, fresh or stale, ms;
   * default 3600000 (1 hour), at most 30 days. Longer TTLs are cut to it. It is what lets
   * the tier forget purges: a purge is remembered in process for this long (plus a minute),
   * so everything cached before it is dead by the time it is forgotten.
   */
  maxEntryAgeMs?: number
}

/** A hit: the value and when it stops being fresh (ms since the epoch). */
export interface CacheHit<V> {
  value: V
  expiresAt: number
  /** Which tier answered: `local` costs nothing, `shared` one Redis round trip. */
  tier: 'local' | 'shared'
}

/**
 * A two-tier cache: a bounded in-process LRU in front of an optional shared store. Every
 * entry carries its absolute expiry, checked against the injected clock on every read, so
 * neither tier ever serves a value past its TTL. Keys are structured and hashed. Purges
 * work by generation: the generation of each scope (a user, a vibe) is part of the keys of
 * its entries, and a purge moves it to a number never used before, so old entries become
 * unreachable everywhere, for good.
 */
export interface TieredCache {
  /** The key of an entry under the current generations of `scopes`. */
  key(
    namespace: string,
    scopes: readonly Scope[],
    ...parts: readonly (string | number)[]
  ): Promise<string>
  get<V>(key: string): Promise<CacheHit<V> | undefined>
  /**
   * The shared tier's entry under `key` when it stays fresh longer than `than` (ms since
   * the epoch), copied into the process; else undefined. Lets a replica that is about to
   * refresh an entry find that another replica already did. Always undefined without a
   * shared tier.
   */
  fresherShared<V>(key: string, than: number): Promise<CacheHit<V> | undefined>
  /**
   * The in-process entry under the key {@link key} would give, when it is fresh and every
   * generation is known without I/O; else undefined (then ask `key` and `get`).
   */
  peek<V>(
    namespace: string,
    scopes: readonly Scope[],
    ...parts: readonly (string | number)[]
  ): CacheHit<V> | undefined
  set<V>(key: string, value: V, ttlMs: number): Promise<void>
  /**
   * The in-process copy even when expired (for stale-if-error), never the shared tier, and
   * never one written more than `maxEntryAgeMs` ago.
   */
  peekLocal<V>(key: string): { value: V; expiresAt: number } | undefined
  /** Makes every entry of `scope` unreachable. */
  purge(scope: Scope): Promise<void>
}

/** A purge scope: every entry of one user, or of one vibe. */
export type Scope = { kind: 'user' | 'vibe'; id: string }

// Redis generation keys live this long after the last purge of their scope (each purge
// restarts it). Far longer than any entry may live, and than any clock skew between replicas.
const GENERATION_TTL_MS = 30 * 86_400_000
// Between reading a generation and writing under it there is at most one upstream call;
// a forgotten purge must also outlive an answer that was asked for just before it.
const PURGE_MARGIN_MS = 60_000

/** A replica's copy of a purge generation, and when (in which bus epoch) it was read. */
interface GenerationCopy extends BusCopy {
  gen: number
}

/** An in-process entry: the value, deep-frozen, and when it was written (ms since the epoch). */
interface LocalEntry {
  value: unknown
  writtenAt: number
}

/**
 * Creates a {@link TieredCache}.
 *
 * Purges are never undone (issue #9): a generation never repeats, because each purge sets
 * it to the larger of the last one + 1 and the clock (ms since the epoch), in process and
 * in Redis alike. So when a generation is forgotten (pruned in process, or its Redis key
 * expired) and the scope reads as generation 0 again, the next purge still gets a new
 * number, and generation 0 only finds entries written since, because every entry older than
 * `maxEntryAgeMs` is dead and a purge is remembered for longer than that.
 */
export function createTieredCache(options: TieredCacheOptions = {}): TieredCache {
  const clock = options.clock ?? systemClock
  const maxEntryAgeMs = options.maxEntryAgeMs ?? 3_600_000
  if (!Number.isInteger(maxEntryAgeMs) || maxEntryAgeMs < 1 || maxEntryAgeMs > GENERATION_TTL_MS) {
    throw new TypeError(
      `maxEntryAgeMs must be a positive integer of at most 30 days, got ${String(maxEntryAgeMs)}`,
    )
  }
  const maxLocalEntries = options.maxLocalEntries ?? 10_000
  const local = new LruCache<LocalEntry>(maxLocalEntries)
  // With a shared tier, generations live there and replicas keep short-lived copies;
  // without one, these maps are the truth (they grow only with purges, so they are not
  // evicted). Keyed by kind, then id: the ids are the strings of the user and rule objects
  // themselves, so a look-up builds no string.
  const generations = {
    user: new LruCache<GenerationCopy>(maxLocalEntries),
    vibe: new LruCache<GenerationCopy>(maxLocalEntries),
  }
  const ownGenerations = {
    user: new Map<string, { value: number; at: number }>(),
    vibe: new Map<string, { value: number; at: number }>(),
  }
  // The last generation this process handed out, of any scope: with it, a generation is
  // new even if the clock stepped back.
  let lastGeneration = 0
  const generationTtlMs = options.generationTtlMs ?? 1000
  const { shared } = options
  const bus = shared ? options.bus : undefined
  const liveGenerationTtlMs = Math.max(generationTtlMs, options.liveGenerationTtlMs ?? 30_000)
  // Purges at other replicas: a read of a generation that overlapped the notice of its own
  // scope is not kept.
  const purged = createNoticeLedger(maxLocalEntries)
  bus?.on('purge', ({ scope, id }) => {
    purged.heard(`${scope}:${id}`)
    generations[scope].delete(id)
  })
  const remember = (scope: Scope, gen: number, read: BusCopy): void =>
    generations[scope.kind].set(
      scope.id,
      { gen, at: read.at, epoch: read.epoch },
      read.at + liveGenerationTtlMs,
    )
  const keys = createKeyMemo(maxLocalEntries)

  const sharedGenerationKey = (scope: Scope): string => storeKey('generation', scope.kind, scope.id)

  /** The generation when known without I/O (no shared tier, or a fresh copy), else undefined. */
  const knownGeneration = (scope: Scope): number | undefined => {
    if (!shared) return ownGenerations[scope.kind].get(scope.id)?.value ?? 0
    const known = generations[scope.kind].get(scope.id)
    if (!known) return undefined
    const copy = known.value
    return trustsCopy(bus, copy, clock.now(), generationTtlMs, liveGenerationTtlMs)
      ? copy.gen
      : undefined
  }
  const fetchGeneration = async (scope: Scope): Promise<number> => {
    const mark = purged.mark()
    const read = { at: clock.now(), epoch: bus?.liveEpoch() }
    const value = Number((await shared!.get(sharedGenerationKey(scope))) ?? 0)
    if (!purged.heardSince(`${scope.kind}:${scope.id}`, mark)) remember(scope, value, read)
    return value
  }

  /** The in-process entry under `key`, while fresh. */
  const localHit = <V>(key: string): CacheHit<V> | undefined => {
    const hit = local.get(key)
    return hit && hit.expiresAt > clock.now()
      ? { value: hit.value.value as V, expiresAt: hit.expiresAt, tier: 'local' }
      : undefined
  }

  /** The shared tier's entry under `key` when it expires after `than`, copied into the process. */
  const sharedHit = async <V>(key: string, than: number): Promise<CacheHit<V> | undefined> => {
    const text = await shared!.get(sharedKeyOf(key))
    if (text === undefined) return undefined
    const { v, e, w } = JSON.parse(text) as { v: string; e: number; w?: number }
    if (e <= than || e <= clock.now()) return undefined
    const value = deepFreeze(JSON.parse(v) as V)
    // An entry of an older gate has no `w`: assume the oldest it could be.
    local.set(key, { value, writtenAt: w ?? e - maxEntryAgeMs }, e)
    return { value, expiresAt: e, tier: 'shared' as const }
  }

  return {
    async key(namespace, scopes, ...parts) {
      if (namespace.includes(':')) throw new TypeError(`a cache namespace has no ':': ${namespace}`)
      const gens: number[] = []
      for (const scope of scopes)
        // Awaited only when a generation must be read from Redis (about once a second).
        gens.push(knownGeneration(scope) ?? (await fetchGeneration(scope)))
      return keys.of(namespace, scopes, gens, parts)
    },

    peek<V>(namespace: string, scopes: readonly Scope[], ...parts: readonly (string | number)[]) {
      const gens: number[] = []
      for (const scope of scopes) {
        const gen = knownGeneration(scope)
        if (gen === undefined) return undefined
        gens.push(gen)
      }
      return localHit<V>(keys.of(namespace, scopes, gens, parts))
    },

    async get<V>(key: string) {
      const near = localHit<V>(key)
      if (near || !shared) return near
      return sharedHit<V>(key, clock.now())
    },

    async fresherShared<V>(key: string, than: number) {
      return shared ? sharedHit<V>(key, than) : undefined
    },

    async set(key, value, ttlMs) {
      const now = clock.now()
      const lifeMs = Math.min(ttlMs, maxEntryAgeMs)
      const expiresAt = now + lifeMs
      const text = JSON.stringify(value)
      // A copy, frozen: every hit hands out the same object, and nobody may change it.
      local.set(key, { value: deepFreeze(JSON.parse(text) as unknown), writtenAt: now }, expiresAt)
      await shared?.set(sharedKeyOf(key), JSON.stringify({ v: text, e: expiresAt, w: now }), lifeMs)
    },

    peekLocal<V>(key: string) {
      const hit = local.get(key)
      if (!hit || clock.now() - hit.value.writtenAt >= maxEntryAgeMs) return undefined
      return { value: hit.value.value as V, expiresAt: hit.expiresAt }
    },

    async purge(scope) {
      const now = clock.now()
      const floor = Math.max(now, lastGeneration + 1)
      if (shared) {
        // No copy until the new generation is known: should the purge fail, the next read asks.
        generations[scope.kind].delete(scope.id)
        try {
          const value = await shared.advance(sharedGenerationKey(scope), floor, GENERATION_TTL_MS)
          lastGeneration = Math.max(lastGeneration, value)
          remember(scope, value, { at: clock.now(), epoch: bus?.liveEpoch() })
        } finally {
          // Even when the advance failed or timed out (it may have run all the same).
          bus?.publish({ kind: 'purge', scope: scope.kind, id: scope.id })
        }
      } else {
        const own = ownGenerations[scope.kind]
        const next = Math.max((own.get(scope.id)?.value ?? 0) + 1, floor)
        lastGeneration = next
        own.delete(scope.id)
        own.set(scope.id, { value: next, at: now })
        // A purge only matters while entries cached before it may be served; past that
        // (maxEntryAgeMs, plus a margin) it can go, oldest first: maps are in insertion order.
        for (const map of Object.values(ownGenerations)) {
          for (const [id, g] of map) {
            if (now - g.at < maxEntryAgeMs + PURGE_MARGIN_MS) break
            map.delete(id)
          }
        }
      }
    },
  }
}

/**
 * The shared tier's key of a cache key: its namespace and a SHA-256 of the rest, as
 * `storeKey` makes them, so Redis keys are as before and reveal nothing of their parts.
 */
function sharedKeyOf(key: string): string {
  const colon = key.indexOf(':')
  return colon === -1
    ? storeKey('cache', key)
    : `${key.slice(0, colon)}:${createHash('sha256')
        .update(key.slice(colon + 1))
        .digest('base64url')}`
}

/** Freezes a JSON value and everything in it; returns it. */
function deepFreeze<V>(value: V): V {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const inner of Object.values(value)) deepFreeze(inner)
  }
  return value
}
