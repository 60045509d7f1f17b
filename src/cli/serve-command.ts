import cluster from 'node:cluster'
import { ConfigError, loadConfigFromProcess, type GateConfig } from '../config/load-config.js'
import { createLogger } from '../util/logger.js'
import type { Command } from './cli-io.js'
import { parseCommandArgs } from './parse-command-args.js'
import { runServeCluster } from './serve-cluster.js'
import { startGateProcess } from './serve-gate.js'
import { clusterWorkerChannel, runServeWorker } from './serve-worker.js'

/** `vibegate serve`: the gateway, configured from the environment (contract section 2). */
export const serveCommand: Command = {
  name: 'serve',
  summary: 'run the gateway, configured from the environment',
  usage: `Usage: vibegate serve

Runs the gateway. Configuration comes from the environment:
  PORT (8080), HOST (0.0.0.0), VIBEGATE_PUBLIC_URL, VIBEGATE_RULES (rules/rules.yaml),
  VIBEGATE_KEYS, VIBEGATE_SESSION_SECRET, VIBEGATE_TRUSTED_PROXIES, VIBEGATE_ALLOWED_REDIRECT_HOSTS,
  REDIS_URL, OURSONG_BASE_URL, OURSONG_API_KEY, OURSONG_API_SECRET, LOG_LEVEL, VIBEGATE_ADMIN_TOKEN,
  VIBEGATE_METRICS_PORT, VIBEGATE_MAX_CONNECTIONS, VIBEGATE_AUTH_REQUEST_HOST,
  VIBEGATE_SESSION_REVALIDATE, VIBEGATE_WORKERS (1; a number up to 64, or auto = one per
  CPU core; more than 1 needs REDIS_URL).
A bad configuration exits 1 before listening, naming every problem. SIGTERM or SIGINT
drains requests in flight, then exits.`,

  async run(args, io) {
    parseCommandArgs('serve', args, {})
    let config: GateConfig
    try {
      config = loadConfigFromProcess()
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err
      io.stderr.write(`${err.message}\n`)
      return 1
    }
    if (config.clusterWorker && cluster.isWorker)
      return runServeWorker({ config, io, channel: clusterWorkerChannel() })
    const logger = createLogger({ level: config.logLevel, destination: io.stdout })
    if (config.workers > 1) {
      // Under another cluster manager (pm2 cluster mode) this process cannot fork workers.
      if (!cluster.isPrimary) {
        io.stderr.write(
          `vibegate serve: VIBEGATE_WORKERS=${config.workers} cannot be used in a process that is itself a cluster worker (pm2 cluster mode, for instance); let that manager run the instances and set VIBEGATE_WORKERS=1\n`,
        )
        return 1
      }
      return runServeCluster({ config, io, logger, cluster })
    }
    for (const warning of config.warnings) logger.warn({}, warning)
    const started = await startGateProcess(config, { logger })
    if (!started.ok) {
      io.stderr.write(`${started.message}\n`)
      return 1
    }
    logger.info(
      {
        url: config.publicUrl.origin,
        port: config.port,
        ...(config.metricsPort === undefined ? {} : { metrics_port: config.metricsPort }),
        rules: config.rulesFile,
      },
      'vibegate listening',
    )
    await io.stopRequested
    logger.info({}, 'shutting down: draining requests in flight')
    await started.process.stop()
    return 0
  },
}
