/** An entry of {@link LruCache}: the value and when it stops being fresh (ms since epoch). */
export interface LruEntry<V> {
  value: V
  expiresAt: number
}

/**
 * A bounded least-recently-used map. Entries carry their own expiry, which the caller
 * checks (an expired entry may still serve stale-if-error); the oldest entries are dropped
 * when the map is full, so memory stays bounded whatever the traffic.
 */
export class LruCache<V> {
  private readonly entries = new Map<string, LruEntry<V>>()

  /** @param maxEntries most entries kept (at least 1). */
  constructor(private readonly maxEntries: number) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1) {
      throw new TypeError(`maxEntries must be a positive integer, got ${String(maxEntries)}`)
    }
  }

  /** The entry, fresh or not, marking it recently used. */
  get(key: string): LruEntry<V> | undefined {
    const entry = this.entries.get(key)
    if (entry) {
      this.entries.delete(key)
      this.entries.set(key, entry)
    }
    return entry
  }

  /** Stores an entry, evicting the least recently used one when full. */
  set(key: string, value: V, expiresAt: number): void {
    this.entries.delete(key)
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next()
      if (!oldest.done) this.entries.delete(oldest.value)
    }
    this.entries.set(key, { value, expiresAt })
  }

  delete(key: string): void {
    this.entries.delete(key)
  }

  clear(): void {
    this.entries.clear()
  }

  get size(): number {
    return this.entries.size
  }
}
