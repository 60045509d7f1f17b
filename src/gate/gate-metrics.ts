import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client'
import type { DecisionEvent } from '../http/decision-handler.js'
import type { UpstreamCallEvent } from '../oursong/transport.js'
import type { LookupSource } from '../ownership/ownership-checker.js'
import type { RulesStatus } from '../rules/watch-rules.js'

/**
 * The gate's Prometheus metrics, in a registry of its own (no global state). Where several
 * processes serve one port (`VIBEGATE_WORKERS`), their registries are summed, except the
 * rules gauges, whose `aggregator` says how (every worker loads the same rules file).
 */
export interface GateMetrics {
  registry: Registry
  decision(event: DecisionEvent): void
  /** One decision (endpoint or middleware) took `seconds`, arrival to answer written. */
  decisionTime(seconds: number): void
  lookup(source: LookupSource): void
  upstream(event: UpstreamCallEvent): void
  rules(status: RulesStatus): void
  /**
   * Reports the invalidation bus: `live` is read at every scrape (1 live, 0 down; absent
   * when the gate has no Redis).
   */
  bus(live: () => boolean): void
}

/**
 * Buckets of `vibegate_decision_duration_seconds`: a warm decision takes tens of
 * microseconds, a cold one waits for OurSong (up to its 10 s total deadline).
 */
export const DECISION_DURATION_BUCKETS = [
  0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
  5, 10,
]

/**
 * Creates the metrics: decisions and their latency, ownership lookups per tier, OurSong
 * latency, rules reloads, and the Node process metrics (`process_*`, `nodejs_*`, from
 * prom-client's `collectDefaultMetrics`, in this registry, not the global one).
 */
export function createGateMetrics(): GateMetrics {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry })
  const decisionDuration = new Histogram({
    name: 'vibegate_decision_duration_seconds',
    help: "Time from a decision request's arrival to its answer (decision endpoints and the gate.protect()/gate.require() middleware).",
    buckets: DECISION_DURATION_BUCKETS,
    registers: [registry],
  })
  const decisionCounts = createTally<'endpoint' | 'status' | 'reason'>()
  const lookupCounts = createTally<'source'>()
  // Registered in `registry`; counted through the tallies.
  new Counter({
    name: 'vibegate_decisions_total',
    help: 'Decisions by endpoint, HTTP status and reason (empty when allowed).',
    labelNames: ['endpoint', 'status', 'reason'] as const,
    registers: [registry],
    collect() {
      decisionCounts.flush(this)
    },
  })
  new Counter({
    name: 'vibegate_ownership_lookups_total',
    help: 'Ownership lookups by where the answer came from: local (in-process), shared (Redis), upstream (OurSong), stale (stale-if-error).',
    labelNames: ['source'] as const,
    registers: [registry],
    collect() {
      lookupCounts.flush(this)
    },
  })
  const upstream = new Histogram({
    name: 'vibegate_oursong_request_duration_seconds',
    help: 'OurSong request attempts by endpoint template and outcome.',
    labelNames: ['endpoint', 'outcome'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  })
  const reloads = new Counter({
    name: 'vibegate_rules_reloads_total',
    help: 'Rules file reloads by result: ok, or rejected (the previous rules stay in force).',
    labelNames: ['result'] as const,
    registers: [registry],
  })
  const reloadOk = new Gauge({
    name: 'vibegate_rules_last_reload_ok',
    help: '1 when the rules file on disk is the one in force, 0 while it is broken.',
    // Across workers: 0 as soon as one of them holds on to older rules.
    aggregator: 'min',
    registers: [registry],
  })
  const ruleCount = new Gauge({
    name: 'vibegate_rules',
    help: 'Rules in force.',
    aggregator: 'max',
    registers: [registry],
  })
  let seen = { reloads: 0, failures: 0 }
  return {
    registry,
    decision: (e) =>
      decisionCounts.add(e.endpoint, e.status, e.reason ?? '', () => ({
        endpoint: e.endpoint,
        status: String(e.status),
        reason: e.reason ?? '',
      })),
    decisionTime: (seconds) => decisionDuration.observe(seconds),
    lookup: (source) => lookupCounts.add(source, 0, '', () => ({ source })),
    upstream: (e) =>
      upstream.observe({ endpoint: e.endpoint, outcome: e.outcome }, e.durationMs / 1000),
    rules: (status) => {
      reloads.inc({ result: 'ok' }, status.reloads - seen.reloads)
      reloads.inc({ result: 'rejected' }, status.failures - seen.failures)
      seen = { reloads: status.reloads, failures: status.failures }
      reloadOk.set(status.lastReloadOk ? 1 : 0)
      ruleCount.set(status.rules)
    },
    bus: (live) => {
      new Gauge({
        name: 'vibegate_invalidation_bus_live',
        help: "1 while the Redis pub/sub invalidation bus delivers this gate's own pings, 0 while other gates' logouts and purges reach it only by polling.",
        // Across workers: 0 as soon as one of them is cut off.
        aggregator: 'min',
        registers: [registry],
        collect() {
          this.set(live() ? 1 : 0)
        },
      })
    },
  }
}

/**
 * Counts for a labelled counter, kept in plain maps and added to the counter when it is
 * read (prom-client calls `collect` before every scrape). prom-client hashes the label set
 * on every `inc()`; these counters move on every decision, and their label sets are few.
 * Entries are found by (name, number, name): constant strings and a number, so finding one
 * builds no string.
 */
function createTally<L extends string>(): {
  add(a: string, n: number, b: string, labels: () => Record<L, string>): void
  flush(counter: Counter<L>): void
} {
  interface Entry {
    labels: Record<L, string>
    n: number
    sent: number
  }
  const counts = new Map<string, Map<number, Map<string, Entry>>>()
  const all: Entry[] = []
  return {
    add(a, n, b, labels) {
      let byNumber = counts.get(a)
      if (!byNumber) counts.set(a, (byNumber = new Map()))
      let byName = byNumber.get(n)
      if (!byName) byNumber.set(n, (byName = new Map()))
      const entry = byName.get(b)
      if (entry) return void entry.n++
      const added = { labels: labels(), n: 1, sent: 0 }
      byName.set(b, added)
      all.push(added)
    },
    flush(counter) {
      for (const entry of all) {
        if (entry.n === entry.sent) continue
        counter.inc(entry.labels, entry.n - entry.sent)
        entry.sent = entry.n
      }
    },
  }
}
