import { describe, expect, test } from '@jest/globals'
import { setTimeout as sleep } from 'node:timers/promises'
import { spacedCalls } from '../../src/util/spaced-calls.js'

describe('spacedCalls', () => {
  test('the first call runs at once; calls within the gap share one run at its end', async () => {
    let runs = 0
    const spaced = spacedCalls(() => runs++, 100)
    spaced.call()
    expect(runs).toBe(1)
    for (let i = 0; i < 50; i++) spaced.call()
    expect(runs).toBe(1)
    await sleep(150)
    expect(runs).toBe(2)
    await sleep(150)
    spaced.call()
    expect(runs).toBe(3)
  })

  test('cancel drops the pending run', async () => {
    let runs = 0
    const spaced = spacedCalls(() => runs++, 50)
    spaced.call()
    spaced.call()
    spaced.cancel()
    await sleep(100)
    expect(runs).toBe(1)
  })
})
