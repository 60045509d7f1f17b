/** An entry of {@link LruCache}: the value and when it stops being fresh (ms since epoch). */
export interface LruEntry<V> {
  value: V
  expiresAt: number
}

interface Slot<V> extends LruEntry<V> {
  /** The cache's insertion count when this entry was last put at the back. */
  stamp: number
}

/**
 * A bounded least-recently-used map. Entries carry their own expiry, which the caller
 * checks (an expired entry may still serve stale-if-error); the oldest entries are dropped
 * when the map is full, so memory stays bounded whatever the traffic.
 *
 * A read moves an entry to the back only when it has drifted into the older half: moving
 * costs two hash operations, and the warm decision path reads several of these maps per
 * request. So an entry read within the last `maxEntries / 2` insertions is never the one
 * evicted.
 */
export class LruCache<V> {
  private readonly entries = new Map<string, Slot<V>>()
  private stamp = 0
  private readonly half: number

  /**
   * @param maxEntries most entries kept (at least 1).
   * @param onEvict called with an entry dropped to make room (not for `delete` or `clear`).
   */
  constructor(
    private readonly maxEntries: number,
    private readonly onEvict?: (key: string, value: V) => void,
  ) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1) {
      throw new TypeError(`maxEntries must be a positive integer, got ${String(maxEntries)}`)
    }
    this.half = maxEntries >> 1
  }

  /** The entry, fresh or not, marking it recently used. */
  get(key: string): LruEntry<V> | undefined {
    const slot = this.entries.get(key)
    if (slot !== undefined && this.stamp - slot.stamp >= this.half) {
      this.entries.delete(key)
      slot.stamp = ++this.stamp
      this.entries.set(key, slot)
    }
    return slot
  }

  /** Stores an entry, evicting the least recently used one when full. */
  set(key: string, value: V, expiresAt: number): void {
    this.entries.delete(key)
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.entries().next()
      if (!oldest.done) {
        const [oldKey, slot] = oldest.value
        this.entries.delete(oldKey)
        this.onEvict?.(oldKey, slot.value)
      }
    }
    this.entries.set(key, { value, expiresAt, stamp: ++this.stamp })
  }

  delete(key: string): void {
    this.entries.delete(key)
  }

  /** Every value, oldest first (fresh or not). */
  *values(): IterableIterator<V> {
    for (const slot of this.entries.values()) yield slot.value
  }

  clear(): void {
    this.entries.clear()
  }

  get size(): number {
    return this.entries.size
  }
}
