import { describe, expect, test } from '@jest/globals'
import { createRestartBackoff } from '../../src/cli/restart-backoff.js'
import { fakeClock } from '../helpers/fake-clock.js'

describe('createRestartBackoff', () => {
  test('restarts at once, then doubles from 500 ms up to 30 s while a slot keeps crashing', () => {
    const clock = fakeClock()
    const backoff = createRestartBackoff({ clock })
    const delays: number[] = []
    for (let i = 0; i < 9; i++) {
      backoff.started(0)
      clock.advance(1000)
      delays.push(backoff.exited(0))
    }
    expect(delays).toEqual([0, 500, 1000, 2000, 4000, 8000, 16_000, 30_000, 30_000])
  })

  test('a worker that ran a minute starts the count afresh', () => {
    const clock = fakeClock()
    const backoff = createRestartBackoff({ clock })
    backoff.started(0)
    expect(backoff.exited(0)).toBe(0)
    backoff.started(0)
    expect(backoff.exited(0)).toBe(500)
    backoff.started(0)
    clock.advance(60_000)
    expect(backoff.exited(0)).toBe(0)
  })

  test('slots are counted apart: one crashing worker does not slow the others’ restarts', () => {
    const backoff = createRestartBackoff({ clock: fakeClock() })
    for (let i = 0; i < 4; i++) {
      backoff.started(0)
      backoff.exited(0)
    }
    backoff.started(1)
    expect(backoff.exited(1)).toBe(0)
  })
})
