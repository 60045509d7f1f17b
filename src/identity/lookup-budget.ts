import type { Clock } from '../util/clock.js'

/** Options of {@link createLookupBudget}. */
export interface LookupBudgetOptions {
  /** Most lookups a second for all clients together; at least 1. */
  perSecond: number
  /** Most lookups a second for one client (one address, an IPv6 /64); at least 1. */
  perClientPerSecond: number
  clock: Clock
}

/**
 * A per-second budget of costly lookups (new Bearer tokens asked of OurSong), kept in
 * process: a global cap, so a flood cannot spend the app's OurSong quota, and a cap per
 * client, so one client's flood cannot spend everybody's share of the global one.
 */
export interface LookupBudget {
  /**
   * Takes one lookup for `client`; false when either cap is spent for this second. A refusal
   * by the client's cap does not consume the global budget.
   */
  take(client: string): boolean
}

/** Creates a {@link LookupBudget} with fixed one-second windows. */
export function createLookupBudget(options: LookupBudgetOptions): LookupBudget {
  const { perSecond, perClientPerSecond, clock } = options
  for (const [name, value] of Object.entries({ perSecond, perClientPerSecond })) {
    if (!Number.isInteger(value) || value < 1)
      throw new TypeError(`${name} must be a positive integer, got ${String(value)}`)
  }
  let second = -1
  let spent = 0
  // Every client in the map has spent global budget this second, so it holds at most
  // `perSecond` entries: its size is bounded whatever the number of addresses.
  const perClient = new Map<string, number>()
  return {
    take(client) {
      const now = Math.floor(clock.now() / 1000)
      if (now !== second) {
        second = now
        spent = 0
        perClient.clear()
      }
      if (spent >= perSecond) return false
      const used = perClient.get(client) ?? 0
      if (used >= perClientPerSecond) return false
      perClient.set(client, used + 1)
      spent++
      return true
    },
  }
}
