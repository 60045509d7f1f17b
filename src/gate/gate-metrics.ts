import { Counter, Gauge, Histogram, Registry } from 'prom-client'
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
  lookup(source: LookupSource): void
  upstream(event: UpstreamCallEvent): void
  rules(status: RulesStatus): void
}

/** Creates the metrics: decisions, ownership lookups per tier, OurSong latency, rules reloads. */
export function createGateMetrics(): GateMetrics {
  const registry = new Registry()
  const decisions = new Counter({
    name: 'vibegate_decisions_total',
    help: 'Decisions by endpoint, HTTP status and reason (empty when allowed).',
    labelNames: ['endpoint', 'status', 'reason'] as const,
    registers: [registry],
  })
  const lookups = new Counter({
    name: 'vibegate_ownership_lookups_total',
    help: 'Ownership lookups by where the answer came from: local (in-process), shared (Redis), upstream (OurSong), stale (stale-if-error).',
    labelNames: ['source'] as const,
    registers: [registry],
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
      decisions.inc({ endpoint: e.endpoint, status: String(e.status), reason: e.reason ?? '' }),
    lookup: (source) => lookups.inc({ source }),
    upstream: (e) =>
      upstream.observe({ endpoint: e.endpoint, outcome: e.outcome }, e.durationMs / 1000),
    rules: (status) => {
      reloads.inc({ result: 'ok' }, status.reloads - seen.reloads)
      reloads.inc({ result: 'rejected' }, status.failures - seen.failures)
      seen = { reloads: status.reloads, failures: status.failures }
      reloadOk.set(status.lastReloadOk ? 1 : 0)
      ruleCount.set(status.rules)
    },
  }
}
