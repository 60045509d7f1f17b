import type { Server } from 'node:http'
import { ConfigError, loadConfigFromProcess, type GateConfig } from '../config/load-config.js'
import { createGate, type Gate } from '../gate/create-gate.js'
import { createGateServer } from '../http/gate-server.js'
import { formatProblem, RulesFileError } from '../rules/load-rules.js'
import { KeySetError } from '../tokens/key-set.js'
import { createLogger } from '../util/logger.js'
import type { Command } from './cli-io.js'
import { parseCommandArgs } from './parse-command-args.js'

/** How long a shutdown waits for requests in flight, ms. */
const DRAIN_MS = 10_000

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
  VIBEGATE_SESSION_REVALIDATE.
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
    const logger = createLogger({ level: config.logLevel, destination: io.stdout })
    for (const warning of config.warnings) logger.warn({}, warning)
    let gate: Gate
    try {
      gate = await createGate({
        rules: config.rulesFile,
        publicUrl: config.publicUrl.origin,
        oursong: config.oursong,
        ...(config.redisUrl ? { redis: config.redisUrl } : {}),
        ...(config.keysFile ? { keys: config.keysFile } : {}),
        sessionSecret: config.sessionSecret,
        trustedProxies: config.trustedProxies,
        allowedRedirectHosts: config.allowedRedirectHosts,
        ...(config.adminToken ? { adminToken: config.adminToken } : {}),
        authRequestHost: config.authRequestHost,
        sessionRevalidateMs: config.sessionRevalidateMs,
        metricsOnHandler: config.metricsPort === undefined,
        logger,
      })
    } catch (err) {
      if (err instanceof RulesFileError)
        io.stderr.write(`${err.problems.map(formatProblem).join('\n')}\n`)
      else if (err instanceof KeySetError) io.stderr.write(`${err.message}\n`)
      else if ((err as NodeJS.ErrnoException).code === 'ENOENT')
        io.stderr.write(`vibegate serve: ${(err as Error).message}\n`)
      else throw err
      return 1
    }
    const limits = config.maxConnections ? { maxConnections: config.maxConnections } : {}
    const servers: [Server, number][] = [[createGateServer(gate.handler, limits), config.port]]
    if (config.metricsPort !== undefined)
      // A scraper needs a few connections: a small cap keeps the descriptors for the gate.
      servers.push([
        createGateServer(gate.metricsHandler, { maxConnections: 64 }),
        config.metricsPort,
      ])
    for (const [server, port] of servers) {
      try {
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject)
          server.listen(port, config.host, resolve)
        })
      } catch (err) {
        io.stderr.write(
          `vibegate serve: cannot listen on ${config.host}:${port}: ${(err as Error).message}\n`,
        )
        for (const [other] of servers) if (other.listening) other.close()
        await gate.close()
        return 1
      }
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
    await Promise.all(servers.map(([server]) => drain(server)))
    await gate.close()
    return 0
  },
}

/** Stops accepting, lets requests in flight finish (at most DRAIN_MS), then resolves. */
async function drain(server: Server): Promise<void> {
  const drained = new Promise<void>((resolve) => server.close(() => resolve()))
  server.closeIdleConnections()
  const timer = setTimeout(() => server.closeAllConnections(), DRAIN_MS)
  await drained
  clearTimeout(timer)
}
