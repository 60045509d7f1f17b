import type { Server } from 'node:http'
import { resolve } from 'node:path'
import type { GateConfig } from '../config/load-config.js'
import { createGate, type Gate } from '../gate/create-gate.js'
import { createGateServer } from '../http/gate-server.js'
import { formatProblem, RulesFileError } from '../rules/load-rules.js'
import { KeySetError, type KeySet } from '../tokens/key-set.js'
import type { Logger } from '../util/logger.js'

/** How long a shutdown waits for requests in flight, ms. */
export const DRAIN_MS = 10_000

/** Options of {@link startGateProcess}, beyond the configuration. */
export interface GateProcessOptions {
  logger: Logger
  /** Signs instead of `config.keysFile` or an ephemeral key: the key set a process group shares. */
  keys?: KeySet
  /** See `GateOptions.metricsText`: a process group's sum of metrics; default this gate's own. */
  metricsText?: () => Promise<string>
  /**
   * Whether this process opens the `VIBEGATE_METRICS_PORT` listener; default true. A cluster
   * worker leaves it to its primary, which serves the whole group's metrics there.
   */
  metricsListener?: boolean
}

/** A gate listening on its port(s). */
export interface GateProcess {
  gate: Gate
  /** Stops accepting, drains requests in flight (at most {@link DRAIN_MS}), closes the gate. */
  stop(): Promise<void>
}

/**
 * Builds the gate of `vibegate serve` and listens. A start-up failure the operator can fix
 * (a broken rules file, a bad key file, a missing file, a port in use) resolves to the text
 * `serve` prints on stderr before it exits 1, with everything already opened closed again;
 * anything else rejects.
 */
export async function startGateProcess(
  config: GateConfig,
  options: GateProcessOptions,
): Promise<{ ok: true; process: GateProcess } | { ok: false; message: string }> {
  const keys = options.keys ?? config.keysFile
  const metricsListener = config.metricsPort !== undefined && options.metricsListener !== false
  let gate: Gate
  try {
    gate = await createGate({
      rules: config.rulesFile,
      publicUrl: config.publicUrl.origin,
      oursong: config.oursong,
      ...(config.redisUrl ? { redis: config.redisUrl } : {}),
      ...(keys ? { keys } : {}),
      sessionSecret: config.sessionSecret,
      trustedProxies: config.trustedProxies,
      allowedRedirectHosts: config.allowedRedirectHosts,
      ...(config.adminToken ? { adminToken: config.adminToken } : {}),
      ...(config.operators ? { operators: config.operators } : {}),
      authRequestHost: config.authRequestHost,
      sessionRevalidateMs: config.sessionRevalidateMs,
      branding: config.branding,
      ...(config.templatesDir !== undefined ? { templates: config.templatesDir } : {}),
      decisionLog: config.decisionLog,
      ...(config.passSecrets.length > 0 ? { passSecrets: config.passSecrets } : {}),
      ...(config.passEpochFile !== undefined ? { passEpochFile: config.passEpochFile } : {}),
      metricsOnHandler: config.metricsPort === undefined,
      ...(options.metricsText ? { metricsText: options.metricsText } : {}),
      logger: options.logger,
    })
  } catch (err) {
    if (err instanceof RulesFileError)
      return { ok: false, message: err.problems.map(formatProblem).join('\n') }
    if (err instanceof KeySetError) return { ok: false, message: err.message }
    // A template with an unknown {{variable}} (the directory itself was checked with the config).
    if (err instanceof TypeError && err.message.startsWith('templates:'))
      return { ok: false, message: `vibegate serve: VIBEGATE_TEMPLATES ${err.message.slice(10)}` }
    if ((err as NodeJS.ErrnoException).code === 'ENOENT')
      return { ok: false, message: missingFileMessage(err as NodeJS.ErrnoException, config, keys) }
    throw err
  }
  const limits = config.maxConnections ? { maxConnections: config.maxConnections } : {}
  const servers: [Server, number][] = [[createGateServer(gate.handler, limits), config.port]]
  if (metricsListener)
    // A scraper needs a few connections: a small cap keeps the descriptors for the gate.
    servers.push([
      createGateServer(gate.metricsHandler, { maxConnections: 64 }),
      config.metricsPort!,
    ])
  for (const [server, port] of servers) {
    const problem = await listen(server, port, config.host)
    if (problem !== undefined) {
      for (const [other] of servers) if (other.listening) other.close()
      await gate.close()
      return { ok: false, message: problem }
    }
  }
  return {
    ok: true,
    process: {
      gate,
      async stop() {
        await Promise.all(servers.map(([server]) => drain(server)))
        await gate.close()
      },
    },
  }
}

/** Which variable named the missing file, and how to fix it. */
function missingFileMessage(
  err: NodeJS.ErrnoException,
  config: GateConfig,
  keys: string | KeySet | undefined,
): string {
  const missing = err.path === undefined ? undefined : resolve(err.path)
  if (missing === resolve(config.rulesFile)) {
    return `vibegate serve: the rules file ${missing} does not exist (VIBEGATE_RULES=${config.rulesFile}, relative to ${process.cwd()}; default rules/rules.yaml). Set VIBEGATE_RULES to your rules file; \`vibegate rules check FILE\` validates it`
  }
  if (typeof keys === 'string' && missing === resolve(keys)) {
    return `vibegate serve: the key set ${missing} does not exist (VIBEGATE_KEYS=${keys}). Create it with \`vibegate keys generate --out ${keys}\`, or unset VIBEGATE_KEYS for an ephemeral key`
  }
  return `vibegate serve: ${err.message}`
}

const LISTEN_ERRORS: Record<string, string> = {
  EADDRINUSE: 'address already in use',
  EADDRNOTAVAIL: 'address not available on this machine',
  EACCES: 'permission denied',
}

/**
 * Connections the kernel may hold for `accept`, where Node's default is 511: a proxy or a
 * crowd opening a thousand connections at once (a restart, a live premiere) had SYNs
 * dropped past it and clients retrying a second later. The kernel caps it at
 * net.core.somaxconn (4096 on current Linux).
 */
export const LISTEN_BACKLOG = 4096

/**
 * Listens on `host:port` (backlog {@link LISTEN_BACKLOG}); resolves to undefined once listening, or to the message `serve`
 * prints when it cannot (port in use, address not available).
 */
export async function listen(
  server: Server,
  port: number,
  host: string,
): Promise<string | undefined> {
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen({ port, host, backlog: LISTEN_BACKLOG }, () => {
        server.off('error', reject)
        resolve()
      })
    })
  } catch (err) {
    // Node words these differently in a cluster worker ("bind EADDRINUSE") than alone
    // ("listen EADDRINUSE: ..."): one wording, whichever process met the error.
    const code = (err as NodeJS.ErrnoException).code
    const known = code === undefined ? undefined : LISTEN_ERRORS[code]
    const reason = known === undefined ? (err as Error).message : `${known} (${code})`
    return `vibegate serve: cannot listen on ${host}:${port}: ${reason}`
  }
  return undefined
}

/** How often a drain closes the connections that have gone idle since it began, ms. */
const DRAIN_SWEEP_MS = 100

/**
 * Stops accepting, lets requests in flight finish (at most DRAIN_MS), then resolves. A
 * keep-alive connection is closed as soon as it is idle: at once, or after the response in
 * flight (requests that arrive meanwhile are answered with `Connection: close`, see
 * createGateServer). Without the sweep, a connection busy when the drain began stayed open
 * after its response, and a stop behind a keep-alive proxy always took the full DRAIN_MS.
 */
export async function drain(server: Server): Promise<void> {
  const drained = new Promise<void>((resolve) => server.close(() => resolve()))
  server.closeIdleConnections()
  const sweep = setInterval(() => server.closeIdleConnections(), DRAIN_SWEEP_MS)
  const timer = setTimeout(() => server.closeAllConnections(), DRAIN_MS)
  await drained
  clearInterval(sweep)
  clearTimeout(timer)
}
