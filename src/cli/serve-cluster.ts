import type { Cluster, Worker } from 'node:cluster'
import { fileURLToPath } from 'node:url'
import { Counter, Gauge, Registry } from 'prom-client'
import { CLUSTER_WORKER_VARIABLE, type GateConfig } from '../config/load-config.js'
import { createGateServer } from '../http/gate-server.js'
import { generateKeySet } from '../tokens/key-set.js'
import type { Logger } from '../util/logger.js'
import type { CliIo, ExitCode } from './cli-io.js'
import { isWorkerMessage, type PrimaryMessage, type WorkerMessage } from './cluster-messages.js'
import { createClusterMetrics } from './cluster-metrics.js'
import { createRestartBackoff, type RestartBackoff } from './restart-backoff.js'
import { DRAIN_MS, drain, listen } from './serve-gate.js'

/** How long every worker has to start listening, ms (a rules file at the limits takes ~10 s). */
const START_MS = 60_000
/** How long a stop waits for workers past their own drain, before SIGKILL, ms. */
const STOP_GRACE_MS = 5000

/** Options of {@link runServeCluster}. */
export interface ServeClusterOptions {
  /** Validated, with `workers` > 1 (and so a Redis URL). */
  config: GateConfig
  io: CliIo
  logger: Logger
  /** node:cluster, in the primary. */
  cluster: Cluster
  /** The script workers run; default the package's `dist/cli.js`, with `serve`. */
  exec?: string
  /** Delays before a crashed worker's replacement; default {@link createRestartBackoff}'s. */
  backoff?: RestartBackoff
}

interface Member {
  worker: Worker
  slot: number
  listening: boolean
  exited: Promise<void>
}

/**
 * `serve` with VIBEGATE_WORKERS > 1: the primary. It forks the workers (one gate each, on
 * the shared port, connections handed out round-robin), gives them the secrets they must
 * share, and logs 'vibegate listening' once all of them listen. If one cannot start, it
 * prints that worker's message, stops the others and exits 1. Afterwards a worker that
 * dies is replaced (with backoff); SIGTERM or SIGINT drains every worker, then exits 0.
 * `/metrics` (the public port's, through the workers, or VIBEGATE_METRICS_PORT's, served
 * here) is the whole group's sum.
 */
export async function runServeCluster(options: ServeClusterOptions): Promise<ExitCode> {
  const { config, io, logger, cluster } = options
  for (const warning of config.warnings) logger.warn({}, warning)
  const secrets: PrimaryMessage = {
    type: 'vibegate:secrets',
    sessionSecret: config.sessionSecret,
    ...(config.keysFile === undefined ? { keys: await generateKeySet() } : {}),
  }
  const backoff = options.backoff ?? createRestartBackoff()
  const members = new Map<number, Member>()
  const restarts = new Set<NodeJS.Timeout>()
  let phase: 'starting' | 'running' | 'stopping' = 'starting'
  let startupDone!: (failure?: string) => void
  const startup = new Promise<string | undefined>((resolve) => {
    startupDone = (failure) => resolve(failure)
  })

  const own = new Registry()
  const listeningGauge = new Gauge({
    name: 'vibegate_workers',
    help: 'Worker processes listening on the shared port.',
    registers: [own],
  })
  const restartCounter = new Counter({
    name: 'vibegate_worker_restarts_total',
    help: 'Workers started again after one exited unasked.',
    registers: [own],
  })
  const metrics = createClusterMetrics({
    peers: () => [...members.values()].filter((m) => m.listening).map(peerOf),
    own,
    logger,
  })

  // node:cluster's default policy on Linux, round-robin, is kept: the primary accepts and
  // hands connections out in turn, so a proxy's keep-alive pool is spread evenly (with
  // SCHED_NONE the kernel gave one of two workers 28 of 32 connections opened at once).
  // Node's own NODE_CLUSTER_SCHED_POLICY=none switches to SCHED_NONE.
  cluster.setupPrimary({
    exec: options.exec ?? fileURLToPath(new URL('../cli.js', import.meta.url)),
    args: ['serve'],
  })

  cluster.on('message', (worker: Worker, message: unknown) => {
    if (!isWorkerMessage(message)) return
    const member = members.get(worker.id)
    if (member) onMessage(member, message)
  })

  function fork(slot: number): void {
    const worker = cluster.fork({ [CLUSTER_WORKER_VARIABLE]: '1' })
    const exited = new Promise<void>((resolve) => {
      worker.once('exit', (code: number | null, signal: string | null) => {
        onExit(member, code, signal)
        resolve()
      })
    })
    // An IPC send to a worker that just died reports here; its 'exit' follows.
    worker.on('error', (err: Error) =>
      logger.warn({ worker: worker.id, err: err.message }, 'worker channel error'),
    )
    const member: Member = { worker, slot, listening: false, exited }
    members.set(worker.id, member)
    backoff.started(slot)
  }

  function onMessage(member: Member, message: WorkerMessage): void {
    const { worker } = member
    switch (message.type) {
      case 'vibegate:hello':
        return send(worker, secrets)
      case 'vibegate:listening':
        member.listening = true
        listeningGauge.set(countListening())
        if (phase === 'starting' && countListening() === config.workers) startupDone()
        return
      case 'vibegate:failed':
        if (phase === 'starting') return startupDone(message.message)
        // While stopping, the others' failures only repeat the message already printed.
        if (phase === 'running')
          logger.error(
            { worker: worker.id, problem: message.message },
            'a replacement worker could not start',
          )
        return
      case 'vibegate:metrics-request':
        return void metrics.collect().then(
          (text) => send(worker, { type: 'vibegate:metrics', id: message.id, text }),
          (err: Error) =>
            send(worker, { type: 'vibegate:metrics', id: message.id, error: err.message }),
        )
      case 'vibegate:metrics-snapshot':
        return metrics.received(worker.id, message.id, message.metrics)
    }
  }

  function onExit(member: Member, code: number | null, signal: string | null): void {
    const { worker, slot } = member
    members.delete(worker.id)
    metrics.gone(worker.id)
    listeningGauge.set(countListening())
    const how = signal ? `signal ${signal}` : `exit code ${code}`
    if (phase === 'starting')
      return startupDone(`vibegate serve: worker ${worker.id} exited during start-up (${how})`)
    if (phase === 'stopping') return
    const delayMs = backoff.exited(slot)
    logger.error(
      { worker: worker.id, pid: worker.process.pid, code, signal, restart_in_ms: delayMs },
      'worker exited; starting another',
    )
    const timer = setTimeout(() => {
      restarts.delete(timer)
      if (phase !== 'running') return
      restartCounter.inc()
      fork(slot)
    }, delayMs)
    restarts.add(timer)
  }

  async function stopAll(): Promise<void> {
    phase = 'stopping'
    for (const timer of restarts) clearTimeout(timer)
    restarts.clear()
    const left = [...members.values()]
    // A signal, not a message: one that arrives before the worker listens is not lost.
    for (const { worker } of left) worker.process.kill('SIGTERM')
    const all = Promise.all(left.map((m) => m.exited))
    let timer: NodeJS.Timeout | undefined
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), DRAIN_MS + STOP_GRACE_MS)
    })
    if ((await Promise.race([all, late])) === 'late') {
      for (const { worker } of members.values()) worker.process.kill('SIGKILL')
      await all
    }
    clearTimeout(timer)
  }

  const countListening = (): number => [...members.values()].filter((m) => m.listening).length

  for (let slot = 0; slot < config.workers; slot++) fork(slot)
  const startTimer = setTimeout(
    () => startupDone(`vibegate serve: the workers did not all listen within ${START_MS} ms`),
    START_MS,
  )
  const stopped = io.stopRequested.then(() => 'stop' as const)
  const outcome = await Promise.race([startup, stopped])
  clearTimeout(startTimer)
  if (outcome === 'stop') {
    await stopAll()
    return 0
  }
  if (outcome !== undefined) {
    io.stderr.write(`${outcome}\n`)
    await stopAll()
    return 1
  }

  const metricsServer =
    config.metricsPort === undefined
      ? undefined
      : createGateServer(metrics.handler, { maxConnections: 64 })
  if (metricsServer) {
    const problem = await listen(metricsServer, config.metricsPort!, config.host)
    if (problem !== undefined) {
      io.stderr.write(`${problem}\n`)
      await stopAll()
      return 1
    }
  }
  phase = 'running'
  logger.info(
    {
      url: config.publicUrl.origin,
      port: config.port,
      workers: config.workers,
      ...(config.metricsPort === undefined ? {} : { metrics_port: config.metricsPort }),
      rules: config.rulesFile,
    },
    'vibegate listening',
  )
  await stopped
  logger.info({ workers: members.size }, 'shutting down: draining requests in flight')
  await Promise.all([stopAll(), metricsServer ? drain(metricsServer) : undefined])
  return 0
}

function send(worker: Worker, message: PrimaryMessage): void {
  // A worker that is gone has nothing to receive; its exit is handled on its own.
  if (worker.isConnected()) worker.send(message)
}

function peerOf(member: Member): { id: number; send(message: PrimaryMessage): void } {
  return { id: member.worker.id, send: (message) => send(member.worker, message) }
}
