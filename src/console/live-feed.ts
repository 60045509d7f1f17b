import type { DecisionEvent } from '../http/decision-handler.js'
import type { UpstreamCallEvent } from '../oursong/transport.js'
import { systemClock, type Clock } from '../util/clock.js'

/** One decision as the console's live feed shows it: no token, no path, no cookie. */
export interface FeedEntry {
  /** ms since the epoch. */
  at: number
  endpoint: string
  status: number
  outcome: 'allow' | 'deny'
  reason: string | null
  rule: string | null
  /** The OurSong uuid, when the decision event carries one. */
  user: string | null
}

/** One second of activity: decisions allowed and denied, OurSong calls and their latency. */
export interface SecondStats {
  /** The second, ms since the epoch (a multiple of 1000). */
  at: number
  allowed: number
  denied: number
  upstreamCalls: number
  /** Mean and slowest OurSong call of that second, ms; 0 without calls. */
  upstreamMeanMs: number
  upstreamMaxMs: number
}

/** Options of {@link createLiveFeed}. */
export interface LiveFeedOptions {
  /** Decisions kept for the feed; default 200. */
  maxEntries?: number
  /** Seconds of per-second statistics kept; default 120. */
  seconds?: number
  clock?: Clock
}

/** The console's view of recent activity, in memory, bounded. */
export interface LiveFeed {
  /** The decision hook (`onDecision`); cheap: a few field copies into a ring. */
  decision(event: DecisionEvent): void
  /** The OurSong call hook (`onCall`). */
  upstream(event: UpstreamCallEvent): void
  /** Newest first, at most `limit` (default all kept). */
  recent(limit?: number): FeedEntry[]
  /** The last `seconds` seconds, oldest first, empty seconds included. */
  perSecond(): SecondStats[]
}

/**
 * A ring of the most recent decisions (time, user, rule, outcome, reason; never tokens) and a
 * ring of per-second counts, fed by the gate's decision and OurSong call hooks. Nothing is
 * kept beyond the bounds; a restart starts empty; each process keeps its own (with several
 * workers, the console shows the worker that answers it).
 */
export function createLiveFeed(options: LiveFeedOptions = {}): LiveFeed {
  const clock = options.clock ?? systemClock
  const max = options.maxEntries ?? 200
  const span = options.seconds ?? 120
  const ring: FeedEntry[] = []
  let next = 0
  const seconds = new Map<
    number,
    { allowed: number; denied: number; calls: number; sum: number; max: number }
  >()
  const second = (): {
    allowed: number
    denied: number
    calls: number
    sum: number
    max: number
  } => {
    const at = Math.floor(clock.now() / 1000) * 1000
    let s = seconds.get(at)
    if (!s) {
      seconds.set(at, (s = { allowed: 0, denied: 0, calls: 0, sum: 0, max: 0 }))
      for (const key of seconds.keys()) if (key <= at - span * 1000) seconds.delete(key)
    }
    return s
  }
  return {
    decision(event) {
      const entry: FeedEntry = {
        at: clock.now(),
        endpoint: event.endpoint,
        status: event.status,
        outcome: event.status === 200 ? 'allow' : 'deny',
        reason: event.reason ?? null,
        rule: event.rule ?? null,
        user: event.user ?? null,
      }
      if (ring.length < max) ring.push(entry)
      else ring[next] = entry
      next = (next + 1) % max
      const s = second()
      if (entry.outcome === 'allow') s.allowed++
      else s.denied++
    },
    upstream(event) {
      const s = second()
      s.calls++
      s.sum += event.durationMs
      s.max = Math.max(s.max, event.durationMs)
    },
    recent(limit = max) {
      const ordered = ring.length < max ? [...ring] : [...ring.slice(next), ...ring.slice(0, next)]
      return ordered.reverse().slice(0, limit)
    },
    perSecond() {
      const now = Math.floor(clock.now() / 1000) * 1000
      const out: SecondStats[] = []
      for (let at = now - (span - 1) * 1000; at <= now; at += 1000) {
        const s = seconds.get(at)
        out.push({
          at,
          allowed: s?.allowed ?? 0,
          denied: s?.denied ?? 0,
          upstreamCalls: s?.calls ?? 0,
          upstreamMeanMs: s && s.calls ? Math.round((s.sum / s.calls) * 10) / 10 : 0,
          upstreamMaxMs: s ? Math.round(s.max * 10) / 10 : 0,
        })
      }
      return out
    },
  }
}
