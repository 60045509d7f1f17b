/** Options of {@link createLogThrottle}. */
export interface LogThrottleOptions {
  /** Lines per key and window; default 10. */
  maxPerWindow?: number
  /** The window, ms; default 1000. */
  windowMs?: number
  /** The clock, ms; default `Date.now`. */
  now?: () => number
}

/**
 * Bounds log lines that clients can cause (a flood of odd requests must not become a flood
 * of log lines): per key, at most `maxPerWindow` lines a window, and the first line after
 * a quiet stretch says how many were left out since the last one.
 */
export interface LogThrottle {
  /** Undefined: do not log. A number: log, noting that many lines were left out before. */
  admit(key: string): number | undefined
}

/** Creates a {@link LogThrottle}; keys must come from a small fixed set (reasons, codes). */
export function createLogThrottle(options: LogThrottleOptions = {}): LogThrottle {
  const max = options.maxPerWindow ?? 10
  const windowMs = options.windowMs ?? 1000
  const now = options.now ?? Date.now
  const state = new Map<string, { start: number; logged: number; suppressed: number }>()
  return {
    admit(key) {
      const t = now()
      let entry = state.get(key)
      if (!entry || t - entry.start >= windowMs) {
        entry = { start: t, logged: 0, suppressed: entry?.suppressed ?? 0 }
        state.set(key, entry)
      }
      if (entry.logged >= max) {
        entry.suppressed++
        return undefined
      }
      entry.logged++
      const suppressed = entry.suppressed
      entry.suppressed = 0
      return suppressed
    },
  }
}
