import { systemClock, type Clock } from '../util/clock.js'

/** Options of {@link createRestartBackoff}; times in milliseconds. */
export interface RestartBackoffOptions {
  /** The delay after the second exit in a row; default 500. The first restart is immediate. */
  initialMs?: number
  /** The longest delay; default 30000. */
  maxMs?: number
  /** A process that ran this long before it exited starts the count afresh; default 60000. */
  resetAfterMs?: number
  clock?: Clock
}

/** How long to wait before starting a process again, per slot (one slot per worker). */
export interface RestartBackoff {
  /** The process in `slot` started now. */
  started(slot: number): void
  /** The process in `slot` exited now: the delay before starting its replacement, ms. */
  exited(slot: number): number
}

/**
 * Restart delays for crashed workers: the first restart is immediate, then 500 ms doubling
 * up to 30 s while a slot's workers keep dying within a minute of starting, so a crash loop
 * (a rules file broken since start-up, a poison request) costs little CPU and log volume.
 */
export function createRestartBackoff(options: RestartBackoffOptions = {}): RestartBackoff {
  const initialMs = options.initialMs ?? 500
  const maxMs = options.maxMs ?? 30_000
  const resetAfterMs = options.resetAfterMs ?? 60_000
  const clock = options.clock ?? systemClock
  const slots = new Map<number, { startedAt: number; exits: number }>()
  return {
    started(slot) {
      const state = slots.get(slot)
      slots.set(slot, { startedAt: clock.now(), exits: state?.exits ?? 0 })
    },
    exited(slot) {
      const state = slots.get(slot) ?? { startedAt: clock.now(), exits: 0 }
      const exits = clock.now() - state.startedAt >= resetAfterMs ? 0 : state.exits
      slots.set(slot, { startedAt: state.startedAt, exits: exits + 1 })
      return exits === 0 ? 0 : Math.min(maxMs, initialMs * 2 ** (exits - 1))
    },
  }
}
