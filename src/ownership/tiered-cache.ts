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
 * its entries, and a purge bumps it, so old entries become unreachable everywhere.
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
  /** The in-process copy even when expired (for stale-if-error), never the shared tier. */
  peekLocal<V>(key: string): { value: V; expiresAt: number } | undefined
  /** Makes every entry of `scope` unreachable. */
  purge(scope: Scope): Promise<void>
}

/** A purge scope: every entry of one user, or of one vibe. */
export type Scope = { kind: 'user' | 'vibe'; id: string }

// Generations outlive every entry they guard.
const GENERATION_TTL_MS = 30 * 86_400_000
// In process, how long a purge is remembered: longer than any entry's TTL (the longest, the
// issuer lists, is 5 minutes by default).
const GENERATION_MEMORY_MS = 3_600_000

/** Creates a {@link TieredCache}. */
export function createTieredCache(options: TieredCacheOptions = {}): TieredCache {
  const clock = options.clock ?? systemClock
  const local = new LruCache<string>(options.maxLocalEntries ?? 10_000)
  // With a shared tier, generations live there and replicas keep short-lived copies;
  // without one, this map is the truth (it grows only with purges, so it is not evicted).
  const generations = new LruCache<number>(options.maxLocalEntries ?? 10_000)
  const ownGenerations = new Map<string, { value: number; at: number }>()
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
          value: JSON.parse(hit.value) as V,
          expiresAt: hit.expiresAt,
          tier: 'local' as const,
        }
      if (!shared) return undefined
      const text = await shared.get(key)
      if (text === undefined) return undefined
      const { v, e } = JSON.parse(text) as { v: string; e: number }
      if (e <= now) return undefined
      local.set(key, v, e)
      return { value: JSON.parse(v) as V, expiresAt: e, tier: 'shared' as const }
    },

    async set(key, value, ttlMs) {
      const expiresAt = clock.now() + ttlMs
      const text = JSON.stringify(value)
      local.set(key, text, expiresAt)
      await shared?.set(key, JSON.stringify({ v: text, e: expiresAt }), ttlMs)
    },

    peekLocal<V>(key: string) {
      const hit = local.get(key)
      return hit ? { value: JSON.parse(hit.value) as V, expiresAt: hit.expiresAt } : undefined
    },

    async purge(scope) {
      const key = storeKey('generation', scope.kind, scope.id)
      if (shared) {
        const value = await shared.increment(key, GENERATION_TTL_MS)
        generations.set(key, value, clock.now() + generationTtlMs)
      } else {
        const now = clock.now()
        const next = (ownGenerations.get(key)?.value ?? 0) + 1
        ownGenerations.delete(key)
        ownGenerations.set(key, { value: next, at: now })
        // A generation only matters while entries cached under the previous one may live;
        // past the longest TTL it can go (oldest first: the map is in insertion order).
        for (const [k, g] of ownGenerations) {
          if (now - g.at < GENERATION_MEMORY_MS) break
          ownGenerations.delete(k)
        }
      }
    },
  }
}
