import { describe, expect, test } from '@jest/globals'
import { register } from 'prom-client'
import type { PrimaryMessage } from '../../src/cli/cluster-messages.js'
import { createClusterMetrics } from '../../src/cli/cluster-metrics.js'
import { createGateMetrics } from '../../src/gate/gate-metrics.js'

describe('gate metrics', () => {
  test('Node process metrics are in the gate’s own registry, not prom-client’s global one', async () => {
    const a = createGateMetrics()
    const b = createGateMetrics()
    for (const metrics of [a, b]) {
      const text = await metrics.registry.metrics()
      expect(text).toMatch(/^process_cpu_user_seconds_total /m)
      expect(text).toMatch(/^process_resident_memory_bytes /m)
      expect(text).toMatch(/^nodejs_eventloop_lag_seconds /m)
      expect(text).toMatch(/^nodejs_heap_size_used_bytes /m)
    }
    expect(register.getSingleMetric('process_cpu_user_seconds_total')).toBeUndefined()
  })

  test('decision latency: a histogram with buckets from 50 µs to 10 s', async () => {
    const metrics = createGateMetrics()
    metrics.decisionTime(0.00004)
    metrics.decisionTime(0.0002)
    metrics.decisionTime(0.3)
    const text = await metrics.registry.metrics()
    expect(text).toMatch(/^vibegate_decision_duration_seconds_bucket\{le="0.00005"\} 1$/m)
    expect(text).toMatch(/^vibegate_decision_duration_seconds_bucket\{le="0.00025"\} 2$/m)
    expect(text).toMatch(/^vibegate_decision_duration_seconds_bucket\{le="0.5"\} 3$/m)
    expect(text).toMatch(/^vibegate_decision_duration_seconds_bucket\{le="10"\} 3$/m)
    expect(text).toMatch(/^vibegate_decision_duration_seconds_count 3$/m)
  })

  test('across workers: latency and CPU are summed, the version is not', async () => {
    const workers = [createGateMetrics(), createGateMetrics()]
    workers[0]!.decisionTime(0.001)
    workers[1]!.decisionTime(0.001)
    workers[1]!.decisionTime(2)
    const sent: PrimaryMessage[] = []
    const cluster = createClusterMetrics({
      peers: () => [1, 2].map((id) => ({ id, send: (m: PrimaryMessage) => void sent.push(m) })),
    })
    const text = cluster.collect()
    for (const [i, worker] of workers.entries()) {
      const { id } = sent[i] as { id: number }
      cluster.received(i + 1, id, await worker.registry.getMetricsAsJSON())
    }
    const sum = await text
    expect(sum).toMatch(/^vibegate_decision_duration_seconds_count 3$/m)
    expect(sum).toMatch(/^vibegate_decision_duration_seconds_bucket\{le="0.001"\} 2$/m)
    expect(sum).toMatch(/^vibegate_decision_duration_seconds_bucket\{le="2.5"\} 3$/m)
    expect(sum).toMatch(/^process_cpu_user_seconds_total \d/m)
    expect(sum.match(/^nodejs_version_info\{/gm)).toHaveLength(1)
    expect(sum).not.toMatch(/^process_start_time_seconds /m)
  })
})
