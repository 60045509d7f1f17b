import { systemClock, type Clock } from '../util/clock.js'

/** Options of {@link createCircuitBreaker}. */
export interface CircuitBreakerOptions {
  /** Consecutive failures that open the circuit; default 5. */
  failureThreshold?: number
  /** How long an open circuit refuses calls before letting one trial through, ms; default 10000. */
  cooldownMs?: number
  clock?: Clock
}

/** Stops hammering a failing upstream: closed, open (refusing), then one trial (half-open). */
export interface CircuitBreaker {
  /** True when a call may go out now; in half-open state only one caller gets true. */
  allow(): boolean
  success(): void
  failure(): void
  /** `closed`, `open` or `half-open`, for metrics and logs. */
  state(): 'closed' | 'open' | 'half-open'
}

/** Creates a {@link CircuitBreaker}. */
export function createCircuitBreaker(options: CircuitBreakerOptions = {}): CircuitBreaker {
  const threshold = options.failureThreshold ?? 5
  const cooldownMs = options.cooldownMs ?? 10_000
  const clock = options.clock ?? systemClock
  let failures = 0
  let openedAt: number | undefined
  let trialInFlight = false

  const state = (): 'closed' | 'open' | 'half-open' => {
    if (openedAt === undefined) return 'closed'
    return clock.now() - openedAt >= cooldownMs ? 'half-open' : 'open'
  }
  return {
    allow() {
      const now = state()
      if (now === 'closed') return true
      if (now === 'open' || trialInFlight) return false
      trialInFlight = true
      return true
    },
    success() {
      failures = 0
      openedAt = undefined
      trialInFlight = false
    },
    failure() {
      failures++
      trialInFlight = false
      if (openedAt !== undefined || failures >= threshold) openedAt = clock.now()
    },
    state,
  }
}
