import type { KeyValueStore } from '../store/key-value-store.js'
import { storeKey } from '../store/store-key.js'
import { systemClock, type Clock } from '../util/clock.js'
import { LruCache } from './lru-cache.js'

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

/** An in-process entry: the JSON text, and when it was first written (ms since the epoch). */
interface LocalEntry {
  text: string
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
  const local = new LruCache<LocalEntry>(options.maxLocalEntries ?? 10_000)
  // With a shared tier, generations live there and replicas keep short-lived copies;
  // without one, this map is the truth (it grows only with purges, so it is not evicted).
  const generations = new LruCache<number>(options.maxLocalEntries ?? 10_000)
  const ownGenerations = new Map<string, { value: number; at: number }>()
  // The last generation this process handed out, of any scope: with it, a generation is
  // new even if the clock stepped back.
  let lastGeneration = 0
  const generationTtlMs = options.generationTtlMs ?? 1000
  const { shared } = options

  const generation = async (scope: Scope): Promise<number> => {
    const key = storeKey('generation', scope.kind, scope.id)
    if (!shared) return ownGenerations.get(key)?.value ?? 0
    const known = generations.get(key)
    if (known && known.expiresAt > clock.now()) return known.value
    const value = Number((await shared.get(key)) ?? 0)
    generations.set(key, value, clock.now() + generationTtlMs)
    return value
  }

  return {
    async key(namespace, scopes, ...parts) {
      const gens = await Promise.all(scopes.map(generation))
      return storeKey(namespace, ...scopes.flatMap((s, i) => [s.kind, s.id, gens[i]!]), ...parts)
    },

    async get<V>(key: string) {
      const now = clock.now()
      const hit = local.get(key)
      if (hit && hit.expiresAt > now)
        return {
          value: JSON.parse(hit.value.text) as V,
          expiresAt: hit.expiresAt,
          tier: 'local' as const,
        }
      if (!shared) return undefined
      const text = await shared.get(key)
      if (text === undefined) return undefined
      const { v, e, w } = JSON.parse(text) as { v: string; e: number; w?: number }
      if (e <= now) return undefined
      // An entry of an older gate has no `w`: assume the oldest it could be.
      local.set(key, { text: v, writtenAt: w ?? e - maxEntryAgeMs }, e)
      return { value: JSON.parse(v) as V, expiresAt: e, tier: 'shared' as const }
    },

    async set(key, value, ttlMs) {
      const now = clock.now()
      const lifeMs = Math.min(ttlMs, maxEntryAgeMs)
      const expiresAt = now + lifeMs
      const text = JSON.stringify(value)
      local.set(key, { text, writtenAt: now }, expiresAt)
      await shared?.set(key, JSON.stringify({ v: text, e: expiresAt, w: now }), lifeMs)
    },

    peekLocal<V>(key: string) {
      const hit = local.get(key)
      if (!hit || clock.now() - hit.value.writtenAt >= maxEntryAgeMs) return undefined
      return { value: JSON.parse(hit.value.text) as V, expiresAt: hit.expiresAt }
    },

    async purge(scope) {
      const key = storeKey('generation', scope.kind, scope.id)
      const now = clock.now()
      const floor = Math.max(now, lastGeneration + 1)
      if (shared) {
        const value = await shared.advance(key, floor, GENERATION_TTL_MS)
        lastGeneration = Math.max(lastGeneration, value)
        generations.set(key, value, clock.now() + generationTtlMs)
      } else {
        const next = Math.max((ownGenerations.get(key)?.value ?? 0) + 1, floor)
        lastGeneration = next
        ownGenerations.delete(key)
        ownGenerations.set(key, { value: next, at: now })
        // A purge only matters while entries cached before it may be served; past that
        // (maxEntryAgeMs, plus a margin) it can go, oldest first: the map is in insertion order.
        for (const [k, g] of ownGenerations) {
          if (now - g.at < maxEntryAgeMs + PURGE_MARGIN_MS) break
          ownGenerations.delete(k)
        }
      }
    },
  }
}
