import { LruCache } from '../util/lru-cache.js'

/**
 * Which keys were announced on the invalidation bus while a read was under way. A notice and
 * the answer to a read travel on two connections, so the answer may predate a notice that
 * arrived first: such an answer must not be kept as a copy.
 */
export interface NoticeLedger {
  /** Call as a read starts; give the result to {@link NoticeLedger.heardSince}. */
  mark(): number
  /** Records a notice about `key`. */
  heard(key: string): void
  /** Whether a notice about `key` arrived after `mark`, or may have (the ledger forgot it). */
  heardSince(key: string, mark: number): boolean
}

/**
 * Creates a {@link NoticeLedger} remembering the last `maxKeys` keys announced (default
 * 10000); when it has forgotten a key announced after a mark, every read since that mark
 * counts as overlapped.
 */
export function createNoticeLedger(maxKeys = 10_000): NoticeLedger {
  let count = 0
  let forgotten = 0
  const last = new LruCache<number>(maxKeys, (_key, n) => {
    forgotten = Math.max(forgotten, n)
  })
  return {
    mark: () => count,
    heard(key) {
      last.set(key, ++count, Infinity)
    },
    heardSince(key, mark) {
      return forgotten > mark || (last.get(key)?.value ?? 0) > mark
    },
  }
}
