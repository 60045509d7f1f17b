/** Counts calls per `"<METHOD> <path template>"`. */
export interface CallCounter {
  record(method: string, template: string): void
  /** A snapshot: `{ "GET /api/open-api/auth-user": 3, ... }`. */
  snapshot(): Record<string, number>
  reset(): void
}

/** Creates an empty {@link CallCounter}. */
export function createCallCounter(): CallCounter {
  const counts = new Map<string, number>()
  return {
    record(method, template) {
      const key = `${method} ${template}`
      counts.set(key, (counts.get(key) ?? 0) + 1)
    },
    snapshot: () => Object.fromEntries(counts),
    reset: () => counts.clear(),
  }
}
