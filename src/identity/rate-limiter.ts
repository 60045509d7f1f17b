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
  }
}
