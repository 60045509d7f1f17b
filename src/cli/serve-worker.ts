import cluster from 'node:cluster'
import type { GateConfig } from '../config/load-config.js'
import type { Gate } from '../gate/create-gate.js'
import { parseKeySet } from '../tokens/key-set.js'
import { createLogger } from '../util/logger.js'
import type { CliIo, ExitCode } from './cli-io.js'
import {
  isPrimaryMessage,
  type MetricsSnapshot,
  type PrimaryMessage,
  type WorkerMessage,
} from './cluster-messages.js'
import { startGateProcess } from './serve-gate.js'

/** How long a worker waits for its primary's answer to a `/metrics` scrape, ms. */
const METRICS_ANSWER_MS = 5000

/** A worker's line to its primary: the cluster IPC channel, injected for tests. */
export interface WorkerChannel {
  /** The worker's id (cluster's, from 1), for its log lines. */
  id: number
  send(message: WorkerMessage): void
  onMessage(listener: (message: PrimaryMessage) => void): void
  /** Closes the channel once the worker is done, so the process can exit. */
  disconnect(): void
}

/** The {@link WorkerChannel} of this process, a node:cluster worker. */
export function clusterWorkerChannel(): WorkerChannel {
  const worker = cluster.worker!
  return {
    id: worker.id,
    send(message) {
      // Gone only when the primary is: then node:cluster ends this process anyway.
      if (worker.isConnected()) worker.send(message)
    },
    onMessage(listener) {
      process.on('message', (message: unknown) => {
        if (isPrimaryMessage(message)) listener(message)
      })
    },
    disconnect() {
      if (worker.isConnected()) worker.disconnect()
    },
  }
}

/**
 * One worker of `serve` with VIBEGATE_WORKERS > 1: takes the group's secrets from its
 * primary, runs the gate on the shared port, reports how its start-up went, answers the
 * primary's metrics collections, and drains on SIGTERM/SIGINT (which the primary sends).
 * The primary has already logged the configuration's warnings.
 */
export async function runServeWorker(options: {
  config: GateConfig
  io: CliIo
  channel: WorkerChannel
}): Promise<ExitCode> {
  const { config, io, channel } = options
  const logger = createLogger({ level: config.logLevel, destination: io.stdout }).child({
    worker: channel.id,
  })
  // Set once listening: a collection that arrives earlier gets an empty answer.
  let gate: Gate | undefined = undefined
  let asked = 0
  const answers = new Map<number, (answer: { text?: string; error?: string }) => void>()
  const secrets = new Promise<Extract<PrimaryMessage, { type: 'vibegate:secrets' }>>((resolve) => {
    channel.onMessage((message) => {
      if (message.type === 'vibegate:secrets') resolve(message)
      else if (message.type === 'vibegate:metrics') answers.get(message.id)?.(message)
      else if (message.type === 'vibegate:metrics-snapshot-request')
        void snapshot().then((metrics) =>
          channel.send({ type: 'vibegate:metrics-snapshot', id: message.id, metrics }),
        )
    })
  })
  const snapshot = async (): Promise<MetricsSnapshot> =>
    gate ? gate.metrics.registry.getMetricsAsJSON() : []
  // A scrape on the public port: the group's sum, which only the primary can make.
  const groupMetrics = (): Promise<string> =>
    new Promise((resolve, reject) => {
      const id = ++asked
      const timer = setTimeout(() => {
        answers.delete(id)
        reject(new Error(`the primary did not send the metrics within ${METRICS_ANSWER_MS} ms`))
      }, METRICS_ANSWER_MS)
      answers.set(id, (answer) => {
        clearTimeout(timer)
        answers.delete(id)
        if (answer.text !== undefined) resolve(answer.text)
        else reject(new Error(`the primary could not collect the metrics: ${answer.error}`))
      })
      channel.send({ type: 'vibegate:metrics-request', id })
    })

  channel.send({ type: 'vibegate:hello' })
  const given = await Promise.race([secrets, io.stopRequested.then(() => undefined)])
  if (given === undefined) return done(0)
  const started = await startGateProcess(
    { ...config, sessionSecret: given.sessionSecret },
    {
      logger,
      ...(given.keys ? { keys: parseKeySet(JSON.stringify(given.keys), '(ephemeral key)') } : {}),
      ...(config.metricsPort === undefined ? { metricsText: groupMetrics } : {}),
      metricsListener: false,
    },
  )
  if (!started.ok) {
    channel.send({ type: 'vibegate:failed', message: started.message })
    return done(1)
  }
  gate = started.process.gate
  // Logged first, so that the primary's 'vibegate listening' comes after every worker's line.
  logger.info({ pid: process.pid, port: config.port }, 'worker listening')
  channel.send({ type: 'vibegate:listening', pid: process.pid })
  await io.stopRequested
  logger.info({ pid: process.pid }, 'worker shutting down: draining requests in flight')
  await started.process.stop()
  return done(0)

  function done(code: ExitCode): ExitCode {
    channel.disconnect()
    return code
  }
}
