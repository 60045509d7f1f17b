/**
 * The storage every stateful part of the gate uses (sessions, OAuth states, wallet nonces,
 * rate limits, the ownership and bearer caches): in process for a single instance, Redis
 * when `REDIS_URL` is set. Every entry has an explicit time to live; every call has a
 * deadline (Redis) so a slow store fails the request instead of hanging it.
 */
export interface KeyValueStore {
  /** The value, or undefined when absent or expired. */
  get(key: string): Promise<string | undefined>
  /** Stores `value` for `ttlMs` milliseconds (at least 1). */
  set(key: string, value: string, ttlMs: number): Promise<void>
  /** Stores `value` only when `key` is absent; true when it did. */
  setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean>
  /**
   * Stores `value` only when `key` is present; true when it did. A write-back after a read
   * (session touch) uses it, so a delete in between (logout) is never undone.
   */
  setIfPresent(key: string, value: string, ttlMs: number): Promise<boolean>
  /** Reads and deletes atomically: of concurrent takers, exactly one gets the value. */
  take(key: string): Promise<string | undefined>
  /** Deletes; absent keys are fine. */
  delete(key: string): Promise<void>
  /**
   * Adds 1 and returns the new count; the first increment starts a window of `ttlMs`
   * after which the counter disappears (fixed-window rate limits).
   */
  increment(key: string, ttlMs: number): Promise<number>
  /**
   * Sets the counter at `key` to the larger of its value + 1 and `atLeast`, restarts its
   * time to live (`ttlMs`, from now) and returns the new value; atomic. While the key lives
   * its values only grow, and seeding `atLeast` from a clock (ms since the epoch) keeps them
   * growing after it expired. For purge generations, which must never repeat.
   */
  advance(key: string, atLeast: number, ttlMs: number): Promise<number>
  /** Answers when the store is reachable (for /readyz). */
  ping(): Promise<boolean>
  /** Releases connections the store owns. */
  close(): Promise<void>
}
