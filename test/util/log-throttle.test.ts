import { describe, expect, test } from '@jest/globals'
import { createLogThrottle } from '../../src/util/log-throttle.js'

describe('createLogThrottle', () => {
  test('at most maxPerWindow lines a window per key; the next admitted line counts the rest', () => {
    let now = 0
    const throttle = createLogThrottle({ maxPerWindow: 3, windowMs: 1000, now: () => now })
    const admitted = Array.from({ length: 100 }, () => throttle.admit('bad_request'))
    expect(admitted.filter((a) => a !== undefined)).toEqual([0, 0, 0])
    // Another key has a budget of its own.
    expect(throttle.admit('rate_limited')).toBe(0)
    now = 1000
    expect(throttle.admit('bad_request')).toBe(97)
    expect(throttle.admit('bad_request')).toBe(0)
  })
})
