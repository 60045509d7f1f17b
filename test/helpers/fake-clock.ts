import type { Clock } from '../../src/util/clock.js'

/** A clock that only moves when told to. */
export interface FakeClock extends Clock {
  /** Moves time forward by `ms` milliseconds. */
  advance(ms: number): void
  /** Sets the time to `ms` since the epoch. */
  set(ms: number): void
}

/** A {@link FakeClock} starting at `start` (default 2026-01-01T00:00:00Z). */
export function fakeClock(start = Date.UTC(2026, 0, 1)): FakeClock {
  let now = start
  return {
    now: () => now,
    advance: (ms) => {
      now += ms
    },
    set: (ms) => {
      now = ms
    },
  }
}
