import { systemClock, type Clock } from '../util/clock.js'
import type { KeyValueStore } from './key-value-store.js'

/** Options of {@link createMemoryStore}. */
export interface MemoryStoreOptions {
  /** Time source for expiry; default the system clock. */
  clock?: Clock
  /** Most entries kept; at the limit, the oldest inserted entry is dropped. Default 100000. */
  maxEntries?: number
}

/**
 * An in-process {@link KeyValueStore} for a single gate instance: entries expire by the
 * injected clock and the store is bounded, so it cannot grow without limit.
 */
export function createMemoryStore(options: MemoryStoreOptions = {}): KeyValueStore {
  const clock = options.clock ?? systemClock
  const maxEntries = options.maxEntries ?? 100_000
  const entries = new Map<string, { value: string; expiresAt: number }>()

  const live = (key: string): { value: string; expiresAt: number } | undefined => {
    const entry = entries.get(key)
    if (entry && entry.expiresAt <= clock.now()) {
      entries.delete(key)
      return undefined
    }
    return entry
  }
  const put = (key: string, value: string, ttlMs: number): void => {
    checkTtl(ttlMs)
    entries.delete(key)
    if (entries.size >= maxEntries) evict()
    entries.set(key, { value, expiresAt: clock.now() + ttlMs })
  }
  const evict = (): void => {
    // O(1) per write: Maps iterate in insertion order, so the first key is the oldest. An
    // expired oldest entry goes first; otherwise the oldest live one (a full scan here would
    // let a flood of writes block the event loop).
    const oldest = entries.keys().next()
    if (!oldest.done) entries.delete(oldest.value)
  }

  return {
    get: async (key) => live(key)?.value,
    set: async (key, value, ttlMs) => put(key, value, ttlMs),
    setIfAbsent: async (key, value, ttlMs) => {
      if (live(key)) return false
      put(key, value, ttlMs)
      return true
    },
    setIfPresent: async (key, value, ttlMs) => {
      if (!live(key)) return false
      put(key, value, ttlMs)
      return true
    },
    take: async (key) => {
      const entry = live(key)
      entries.delete(key)
      return entry?.value
    },
    delete: async (key) => {
      entries.delete(key)
    },
    increment: async (key, ttlMs) => {
      checkTtl(ttlMs)
      const entry = live(key)
      if (!entry) {
        put(key, '1', ttlMs)
        return 1
      }
      entry.value = String(Number(entry.value) + 1)
      return Number(entry.value)
    },
    advance: async (key, atLeast, ttlMs) => {
      checkTtl(ttlMs)
      checkFloor(atLeast)
      const next = Math.max(Number(live(key)?.value ?? 0) + 1, atLeast)
      put(key, String(next), ttlMs)
      return next
    },
    ping: async () => true,
    close: async () => {
      entries.clear()
    },
  }
}

/** A TTL must be a positive whole number of milliseconds. */
export function checkTtl(ttlMs: number): void {
  if (!Number.isInteger(ttlMs) || ttlMs < 1) {
    throw new TypeError(`ttlMs must be a positive integer, got ${String(ttlMs)}`)
  }
}

/** A counter floor must be a safe whole number (ms since the epoch fit). */
export function checkFloor(atLeast: number): void {
  if (!Number.isSafeInteger(atLeast)) {
    throw new TypeError(`atLeast must be a safe integer, got ${String(atLeast)}`)
  }
}
