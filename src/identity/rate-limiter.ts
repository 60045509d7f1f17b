import { VibegateError } from '../errors/vibegate-error.js'
import type { KeyValueStore } from '../store/key-value-store.js'
import { storeKey } from '../store/store-key.js'

/** A limit: at most `max` attempts per `windowMs` for one subject. */
export interface RateLimit {
  max: number
  windowMs: number
}

/** Fixed-window rate limits kept where sessions are kept (so they hold across replicas). */
export interface RateLimiter {
  /** Counts an attempt; throws `rate_limited` (429) once the subject is over the limit. */
  hit(bucket: string, subject: string, limit: RateLimit): Promise<void>
  /** The attempts counted for the subject in its current window (0 when none). */
  count(bucket: string, subject: string): Promise<number>
}

/** Creates a {@link RateLimiter} on a {@link KeyValueStore}. */
export function createRateLimiter(store: KeyValueStore): RateLimiter {
  return {
    async hit(bucket, subject, limit) {
      const count = await store.increment(storeKey('rate', bucket, subject), limit.windowMs)
      if (count > limit.max) {
        throw new VibegateError('rate_limited', {
          detail: `${bucket}: more than ${limit.max} in ${limit.windowMs} ms`,
        })
      }
    },
    async count(bucket, subject) {
      const value = await store.get(storeKey('rate', bucket, subject))
      return value === undefined ? 0 : Number(value) || 0
    },
  }
}
