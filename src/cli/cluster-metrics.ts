import type { IncomingMessage, ServerResponse } from 'node:http'
import { AggregatorRegistry, Registry } from 'prom-client'
import { pathOf } from '../http/request-headers.js'
import { silentLogger, type Logger } from '../util/logger.js'
import type { MetricsSnapshot, PrimaryMessage } from './cluster-messages.js'

/** A worker as the collector sees it: an id and a way to reach it. */
export interface MetricsPeer {
  id: number
  /** Sends over the IPC channel; may throw when the worker has just gone. */
  send(message: PrimaryMessage): void
}

/** Options of {@link createClusterMetrics}. */
export interface ClusterMetricsOptions {
  /** The workers to ask: those listening now. */
  peers(): Iterable<MetricsPeer>
  /** The primary's own metrics (workers, restarts), added to the sum. */
  own?: Registry
  /** How long a collection waits for every worker, ms; default 3000. */
  timeoutMs?: number
  /** Where failed collections are logged; default silent. */
  logger?: Logger
}

/** The primary's side of `/metrics` for a process group. */
export interface ClusterMetrics {
  /**
   * The group's metrics as Prometheus text: every listening worker's registry and the
   * primary's own, summed (gauges as their `aggregator` says). Callers that arrive while a
   * collection is under way share it. Rejects when a worker that is still alive does not
   * answer in time: a partial sum would look like counters going backwards.
   */
  collect(): Promise<string>
  /** A worker's `metrics-snapshot` arrived. */
  received(workerId: number, id: number, metrics: MetricsSnapshot): void
  /** A worker exited: the collection under way stops waiting for it. */
  gone(workerId: number): void
  /**
   * A node:http handler serving {@link collect} at `/metrics` alone (404 for anything
   * else, 503 when the collection fails): the primary's VIBEGATE_METRICS_PORT listener.
   */
  handler(req: IncomingMessage, res: ServerResponse): void
}

interface Collection {
  id: number
  waiting: Set<number>
  snapshots: MetricsSnapshot[]
  done: (err?: Error) => void
  promise: Promise<MetricsSnapshot[]>
}

/**
 * Collects the metrics of `serve`'s workers over IPC and sums them with prom-client's
 * `AggregatorRegistry.aggregate`. prom-client's own cluster mode is not used: it answers
 * from module-level registries and keeps waiting for a worker that died until its timeout.
 */
export function createClusterMetrics(options: ClusterMetricsOptions): ClusterMetrics {
  const timeoutMs = options.timeoutMs ?? 3000
  const logger = options.logger ?? silentLogger()
  let sequence = 0
  let current: Collection | undefined

  function start(): Collection {
    const id = ++sequence
    const waiting = new Set<number>()
    const snapshots: MetricsSnapshot[] = []
    let done!: (err?: Error) => void
    const promise = new Promise<MetricsSnapshot[]>((resolve, reject) => {
      done = (err) => {
        clearTimeout(timer)
        if (current?.id === id) current = undefined
        if (err) reject(err)
        else resolve(snapshots)
      }
    })
    const timer = setTimeout(() => {
      const late = [...waiting].join(', ')
      done(new Error(`worker(s) ${late} did not send their metrics within ${timeoutMs} ms`))
    }, timeoutMs)
    const collection: Collection = { id, waiting, snapshots, done: (err) => done(err), promise }
    current = collection
    for (const peer of options.peers()) {
      try {
        peer.send({ type: 'vibegate:metrics-snapshot-request', id })
        waiting.add(peer.id)
      } catch {
        // The worker is going away: its exit is handled elsewhere, and there is no answer to wait for.
      }
    }
    if (waiting.size === 0) done()
    return collection
  }

  async function collect(): Promise<string> {
    const snapshots = await (current ?? start()).promise
    const own = options.own ? [await options.own.getMetricsAsJSON()] : []
    return AggregatorRegistry.aggregate([...snapshots, ...own]).metrics()
  }

  return {
    collect,
    received(workerId, id, metrics) {
      const collection = current
      if (!collection || collection.id !== id || !collection.waiting.delete(workerId)) return
      collection.snapshots.push(metrics)
      if (collection.waiting.size === 0) collection.done()
    },
    gone(workerId) {
      const collection = current
      if (collection?.waiting.delete(workerId) && collection.waiting.size === 0) collection.done()
    },
    handler(req, res) {
      if (pathOf(req.url) !== '/metrics')
        return void res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found\n')
      collect().then(
        (text) =>
          res.writeHead(200, { 'Content-Type': Registry.PROMETHEUS_CONTENT_TYPE }).end(text),
        (err: Error) => {
          logger.error({ err: err.message }, 'metrics collection failed')
          res.writeHead(503, { 'Content-Type': 'text/plain' }).end('metrics unavailable\n')
        },
      )
    },
  }
}
