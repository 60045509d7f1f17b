import { describe, expect, test } from '@jest/globals'
import { createLiveFeed } from '../../src/console/live-feed.js'
import { fakeClock } from '../helpers/fake-clock.js'

const allow = {
  endpoint: 'auth-request' as const,
  status: 200,
  reason: undefined,
  rule: 'yellow',
  user: undefined,
}

describe('the console’s live feed', () => {
  test('keeps the newest decisions in a bounded ring, newest first, without tokens', () => {
    const clock = fakeClock()
    const feed = createLiveFeed({ maxEntries: 3, clock })
    for (let i = 0; i < 5; i++) {
      clock.advance(10)
      feed.decision({ ...allow, rule: `r${i}`, user: `u${i}` })
    }
    expect(feed.recent().map((e) => e.rule)).toEqual(['r4', 'r3', 'r2'])
    expect(Object.keys(feed.recent()[0]!).sort()).toEqual(
      ['at', 'endpoint', 'outcome', 'reason', 'rule', 'status', 'user'].sort(),
    )
  })

  test('counts decisions and OurSong latency per second over a bounded window', () => {
    const clock = fakeClock()
    const feed = createLiveFeed({ seconds: 5, clock })
    feed.decision(allow)
    feed.decision({ ...allow, status: 403, reason: 'not_owned' })
    feed.upstream({ endpoint: 'GET /x', status: 200, outcome: 'ok', durationMs: 10, attempt: 0 })
    feed.upstream({ endpoint: 'GET /x', status: 200, outcome: 'ok', durationMs: 30, attempt: 0 })
    clock.advance(2000)
    feed.decision(allow)
    const seconds = feed.perSecond()
    expect(seconds).toHaveLength(5)
    expect(seconds[2]).toMatchObject({
      allowed: 1,
      denied: 1,
      upstreamCalls: 2,
      upstreamMeanMs: 20,
      upstreamMaxMs: 30,
    })
    expect(seconds[4]).toMatchObject({ allowed: 1, denied: 0 })
    clock.advance(10_000)
    feed.decision(allow)
    expect(feed.perSecond().reduce((n, s) => n + s.allowed + s.denied, 0)).toBe(1)
  })
})
