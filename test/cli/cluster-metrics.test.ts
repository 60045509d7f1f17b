import { describe, expect, test } from '@jest/globals'
import { Counter, Gauge, Registry } from 'prom-client'
import type { MetricsSnapshot, PrimaryMessage } from '../../src/cli/cluster-messages.js'
import { createClusterMetrics, type MetricsPeer } from '../../src/cli/cluster-metrics.js'

/** A worker's registry: a counter at `count` and the two rules gauges. */
async function workerSnapshot(count: number, reloadOk: number): Promise<MetricsSnapshot> {
  const registry = new Registry()
  new Counter({ name: 'decisions_total', help: 'd', registers: [registry] }).inc(count)
  new Gauge({
    name: 'reload_ok',
    help: 'r',
    aggregator: 'min',
    registers: [registry],
  }).set(reloadOk)
  return registry.getMetricsAsJSON()
}

/** Peers that record what they were sent; `answer` replies for one of them. */
function peers(ids: number[]): { list: MetricsPeer[]; sent: Map<number, PrimaryMessage[]> } {
  const sent = new Map<number, PrimaryMessage[]>(ids.map((id) => [id, []]))
  return { list: ids.map((id) => ({ id, send: (m) => void sent.get(id)!.push(m) })), sent }
}

const idOf = (messages: PrimaryMessage[]): number => (messages.at(-1) as { id: number }).id

describe('createClusterMetrics', () => {
  test('sums every worker’s counters, applies gauge aggregators, and adds the primary’s own', async () => {
    const { list, sent } = peers([1, 2])
    const own = new Registry()
    new Gauge({ name: 'workers', help: 'w', registers: [own] }).set(2)
    const metrics = createClusterMetrics({ peers: () => list, own })
    const text = metrics.collect()
    metrics.received(1, idOf(sent.get(1)!), await workerSnapshot(3, 1))
    metrics.received(2, idOf(sent.get(2)!), await workerSnapshot(4, 0))
    const result = await text
    expect(result).toMatch(/^decisions_total 7$/m)
    expect(result).toMatch(/^reload_ok 0$/m)
    expect(result).toMatch(/^workers 2$/m)
  })

  test('scrapes that arrive during a collection share it: one request per worker', async () => {
    const { list, sent } = peers([1])
    const metrics = createClusterMetrics({ peers: () => list })
    const [a, b] = [metrics.collect(), metrics.collect()]
    expect(sent.get(1)).toHaveLength(1)
    metrics.received(1, idOf(sent.get(1)!), await workerSnapshot(5, 1))
    expect(await a).toBe(await b)
    // The next scrape asks again.
    void metrics.collect().catch(() => undefined)
    expect(sent.get(1)).toHaveLength(2)
  })

  test('a worker that exits mid-collection is not waited for; a stale answer is ignored', async () => {
    const { list, sent } = peers([1, 2])
    const metrics = createClusterMetrics({ peers: () => list })
    const text = metrics.collect()
    metrics.received(1, idOf(sent.get(1)!) - 1, await workerSnapshot(100, 1))
    metrics.received(1, idOf(sent.get(1)!), await workerSnapshot(3, 1))
    metrics.gone(2)
    expect(await text).toMatch(/^decisions_total 3$/m)
  })

  test('a live worker that does not answer fails the scrape instead of a partial sum', async () => {
    const { list, sent } = peers([1, 2])
    const metrics = createClusterMetrics({ peers: () => list, timeoutMs: 50 })
    const text = metrics.collect()
    metrics.received(1, idOf(sent.get(1)!), await workerSnapshot(3, 1))
    await expect(text).rejects.toThrow('worker(s) 2 did not send their metrics within 50 ms')
  })

  test('a worker that cannot be reached is left out; with none at all the primary’s own remain', async () => {
    const own = new Registry()
    new Gauge({ name: 'workers', help: 'w', registers: [own] }).set(0)
    const unreachable: MetricsPeer = {
      id: 1,
      send: () => {
        throw new Error('channel closed')
      },
    }
    const metrics = createClusterMetrics({ peers: () => [unreachable], own })
    expect(await metrics.collect()).toMatch(/^workers 0$/m)
  })
})
