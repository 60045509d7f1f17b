/**
 * What `serve`'s primary and its workers say to each other over the cluster's IPC channel
 * (JSON). Secrets travel only here: never in argv, the environment or a log line.
 */
import type { Registry } from 'prom-client'
import type { PrivateKeySetFile } from '../tokens/key-set.js'

/** One registry's metrics as `Registry.getMetricsAsJSON()` gives them. */
export type MetricsSnapshot = Awaited<ReturnType<Registry['getMetricsAsJSON']>>

/** A worker to its primary. */
export type WorkerMessage =
  /** Ready to receive its secrets (its message listener is in place). */
  | { type: 'vibegate:hello' }
  /** Listening on the shared port. */
  | { type: 'vibegate:listening'; pid: number }
  /** Could not start: what `serve` with one process would print on stderr. */
  | { type: 'vibegate:failed'; message: string }
  /** A scrape of `/metrics` on the public port: please send the group's sum. */
  | { type: 'vibegate:metrics-request'; id: number }
  /** This worker's own metrics, for the collection `id` of the primary. */
  | { type: 'vibegate:metrics-snapshot'; id: number; metrics: MetricsSnapshot }

/** The primary to a worker. */
export type PrimaryMessage =
  /**
   * The secrets every worker must share: the session secret (from the environment or
   * generated once by the primary) and, when `VIBEGATE_KEYS` is unset, the one ephemeral
   * private key set.
   */
  | { type: 'vibegate:secrets'; sessionSecret: string; keys?: PrivateKeySetFile }
  /** Send your own metrics for collection `id`. */
  | { type: 'vibegate:metrics-snapshot-request'; id: number }
  /** The answer to a worker's `metrics-request`: the group's text, or why there is none. */
  | { type: 'vibegate:metrics'; id: number; text?: string; error?: string }

const WORKER_TYPES = new Set<string>([
  'vibegate:hello',
  'vibegate:listening',
  'vibegate:failed',
  'vibegate:metrics-request',
  'vibegate:metrics-snapshot',
])
const PRIMARY_TYPES = new Set<string>([
  'vibegate:secrets',
  'vibegate:metrics-snapshot-request',
  'vibegate:metrics',
])

/** True for a {@link WorkerMessage}; cluster's own messages and anything else are not. */
export function isWorkerMessage(message: unknown): message is WorkerMessage {
  return typeOf(message) !== undefined && WORKER_TYPES.has(typeOf(message)!)
}

/** True for a {@link PrimaryMessage}. */
export function isPrimaryMessage(message: unknown): message is PrimaryMessage {
  return typeOf(message) !== undefined && PRIMARY_TYPES.has(typeOf(message)!)
}

function typeOf(message: unknown): string | undefined {
  if (typeof message !== 'object' || message === null) return undefined
  const type = (message as { type?: unknown }).type
  return typeof type === 'string' ? type : undefined
}
