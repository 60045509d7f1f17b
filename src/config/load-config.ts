import { randomBytes } from 'node:crypto'
import { existsSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { ACCENT_PATTERN } from '../http/fan-pages.js'
import { availableParallelism } from 'node:os'
import { MIN_SECRET_LENGTH } from '../identity/sealer.js'
import { MIN_ADMIN_TOKEN_LENGTH } from '../http/admin-router.js'
import { parseTrustedProxies } from '../http/trusted-proxies.js'
import { parseDuration } from '../rules/duration.js'
import { parseOperatorList, type OperatorList } from '../console/operator-list.js'
import { parseClusterSetting, parseRedisTarget, RedisTargetError } from '../store/redis-target.js'
import { parsePassSecrets, splitPassSecrets } from '../pass/pass-secrets.js'
import type { LogLevel } from '../util/logger.js'

/** The configuration of `vibegate serve` (contract section 2), validated. */
export interface GateConfig {
  port: number
  host: string
  publicUrl: URL
  rulesFile: string
  /** Undefined: an ephemeral key is generated (and a warning logged). */
  keysFile: string | undefined
  sessionSecret: string
  trustedProxies: string
  allowedRedirectHosts: string[]
  redisUrl: string | undefined
  oursong: { baseUrl: string; apiKey: string; apiSecret: string }
  logLevel: LogLevel
  /** Not in the contract: enables `/admin/*` (cache purge); at least 32 characters. */
  adminToken: string | undefined
  /** VIBEGATE_METRICS_PORT: when set, `/metrics` is served only on this port. */
  metricsPort: number | undefined
  /** VIBEGATE_MAX_CONNECTIONS: the connection cap; undefined: from the open-file limit. */
  maxConnections: number | undefined
  /**
   * VIBEGATE_AUTH_REQUEST_HOST: where `/authz/auth-request` reads the host from:
   * `x-forwarded-host` (the contract's default: X-Forwarded-Host, else Host) or `host`.
   */
  authRequestHost: 'x-forwarded-host' | 'host'
  /** VIBEGATE_SESSION_REVALIDATE: how often a session re-checks its OurSong token, ms; 0 = never. */
  sessionRevalidateMs: number
  /**
   * VIBEGATE_WORKERS: worker processes sharing the port (node:cluster), 1 to {@link MAX_WORKERS};
   * default 1 (no cluster); `auto` = the CPU cores (`os.availableParallelism()`, at most
   * {@link MAX_WORKERS}). More than 1 needs `redisUrl`.
   */
  workers: number
  /**
   * VIBEGATE_OPERATORS: who may use `/console` (OurSong user ids, uuids, 0x wallet
   * addresses); undefined (unset): the console is off and `/console` answers 404.
   */
  operators: OperatorList | undefined
  /**
   * True in a process that `serve`'s primary forked as one of its workers: it marks them with
   * {@link CLUSTER_WORKER_VARIABLE} (an operator never sets it), so a process that another
   * cluster manager forked (pm2 cluster mode) is not taken for one.
   */
  clusterWorker: boolean
  /** VIBEGATE_BRAND_NAME, VIBEGATE_BRAND_LOGO_URL, VIBEGATE_BRAND_ACCENT: the fan pages' branding. */
  branding: { name?: string; logoUrl?: string; accent?: string }
  /** VIBEGATE_TEMPLATES: a directory of fan page templates (`locked.html`, `not-found.html`). */
  templatesDir: string | undefined
  /** VIBEGATE_DECISION_LOG: one JSON log line per decision; default false. */
  decisionLog: boolean
  /**
   * VIBEGATE_PASS_SECRET: the edge pass secrets (comma-separated, each at least 32
   * characters; the first signs, every one verifies); empty (unset): passes are off.
   */
  passSecrets: string[]
  /**
   * VIBEGATE_PASS_EPOCH_FILE: the file the gate mirrors the pass epoch and revocations into
   * for the edge (docs/edge-pass.md); undefined: none.
   */
  passEpochFile: string | undefined
  /** What the operator should hear about at start-up (ephemeral keys, random secret). */
  warnings: string[]
}

/** A configuration that cannot run; `problems` names every variable at fault at once. */
export class ConfigError extends Error {
  override name = 'ConfigError'
  constructor(readonly problems: readonly string[]) {
    super(
      `vibegate: the configuration cannot be used:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    )
  }
}

/** Most worker processes VIBEGATE_WORKERS may ask for. */
export const MAX_WORKERS = 64

/** Set by `serve`'s primary on the workers it forks; see {@link GateConfig.clusterWorker}. */
export const CLUSTER_WORKER_VARIABLE = 'VIBEGATE_CLUSTER_WORKER'

const LEVELS: readonly LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']

/**
 * Reads and checks the environment: the only place in vibegate that reads `process.env`
 * (it is passed in, so tests give their own). Collects every problem before failing.
 */
export function loadConfig(env: NodeJS.ProcessEnv): GateConfig {
  const problems: string[] = []
  const warnings: string[] = []
  const value = (name: string): string | undefined => {
    const v = env[name]
    return v === undefined || v.trim() === '' ? undefined : v.trim()
  }

  const portText = value('PORT') ?? '8080'
  const port = Number(portText)
  if (!/^\d+$/.test(portText) || port < 1 || port > 65535)
    problems.push(`PORT must be a TCP port from 1 to 65535, got "${portText}"`)

  let publicUrl = new URL(`http://localhost:${problems.length === 0 ? portText : '8080'}`)
  const publicText = value('VIBEGATE_PUBLIC_URL')
  if (publicText !== undefined) {
    try {
      publicUrl = new URL(publicText)
      if (
        !/^https?:$/.test(publicUrl.protocol) ||
        publicUrl.pathname !== '/' ||
        publicUrl.search ||
        publicUrl.hash ||
        publicUrl.username
      ) {
        problems.push(
          `VIBEGATE_PUBLIC_URL must be an origin such as https://gate.example.com (no path, query or credentials), got "${publicText}"`,
        )
      }
    } catch {
      problems.push(`VIBEGATE_PUBLIC_URL is not a URL: "${publicText}"`)
    }
  }

  let sessionSecret = value('VIBEGATE_SESSION_SECRET')
  if (sessionSecret === undefined) {
    sessionSecret = randomBytes(32).toString('base64url')
    warnings.push(
      'VIBEGATE_SESSION_SECRET is unset: a random one is used, so sessions end at every restart and cannot be shared between replicas',
    )
  } else if (sessionSecret.length < MIN_SECRET_LENGTH) {
    problems.push(
      `VIBEGATE_SESSION_SECRET must be at least ${MIN_SECRET_LENGTH} characters (generate one with: openssl rand -base64 48)`,
    )
  }

  const trustedProxies = value('VIBEGATE_TRUSTED_PROXIES') ?? '127.0.0.1/8,::1/128'
  try {
    parseTrustedProxies(trustedProxies)
  } catch (err) {
    problems.push(`VIBEGATE_TRUSTED_PROXIES: ${(err as Error).message}`)
  }

  const allowedRedirectHosts = (value('VIBEGATE_ALLOWED_REDIRECT_HOSTS') ?? publicUrl.host)
    .split(',')
    .map((h) => h.trim().toLowerCase())
    .filter(Boolean)
  for (const host of allowedRedirectHosts) {
    if (!/^((\*\.)?[a-z0-9.-]+|\[[0-9a-f:.]+\])(:\d{1,5})?$/.test(host)) {
      problems.push(
        `VIBEGATE_ALLOWED_REDIRECT_HOSTS: "${host}" is not a host such as fans.example.com or *.example.com`,
      )
    }
  }

  const redisUrl = readRedis(value, problems)
  const workersText = (value('VIBEGATE_WORKERS') ?? '1').toLowerCase()
  const workers =
    workersText === 'auto'
      ? Math.min(MAX_WORKERS, availableParallelism())
      : /^\d+$/.test(workersText)
        ? Number(workersText)
        : NaN
  if (!(workers >= 1 && workers <= MAX_WORKERS))
    problems.push(
      `VIBEGATE_WORKERS must be a whole number from 1 to ${MAX_WORKERS}, or auto (one per CPU core), got "${workersText}"`,
    )
  else if (workers > 1 && redisUrl === undefined)
    problems.push(
      `VIBEGATE_WORKERS=${workersText}${workersText === 'auto' ? ` (${workers} cores)` : ''} needs REDIS_URL: workers share sessions, sign-in nonces and caches through Redis. Set REDIS_URL=redis://host:6379, or VIBEGATE_WORKERS=1`,
    )
  if (redisUrl === undefined && workers === 1)
    warnings.push(
      'REDIS_URL is unset: sessions and caches live in this process, so run a single instance',
    )

  const oursong = readOurSong(value, problems)

  const logLevel = (value('LOG_LEVEL') ?? 'info') as LogLevel
  if (!LEVELS.includes(logLevel))
    problems.push(`LOG_LEVEL must be one of ${LEVELS.join(', ')}, got "${logLevel}"`)

  const decisionLogText = value('VIBEGATE_DECISION_LOG') ?? '0'
  const decisionLog = decisionLogText === '1' || decisionLogText.toLowerCase() === 'true'
  if (!decisionLog && decisionLogText !== '0' && decisionLogText.toLowerCase() !== 'false')
    problems.push(
      `VIBEGATE_DECISION_LOG must be 1 (one JSON log line per decision) or 0, got "${decisionLogText}"`,
    )
  if (decisionLog && LEVELS.indexOf(logLevel) > LEVELS.indexOf('info'))
    warnings.push(
      `VIBEGATE_DECISION_LOG=1 logs at level info, which LOG_LEVEL=${logLevel} hides; set LOG_LEVEL=info`,
    )

  const keysFile = value('VIBEGATE_KEYS')
  if (keysFile === undefined)
    warnings.push(
      'VIBEGATE_KEYS is unset: an ephemeral signing key is used; tokens stop verifying at every restart',
    )

  const adminToken = value('VIBEGATE_ADMIN_TOKEN')
  if (adminToken !== undefined && adminToken.length < MIN_ADMIN_TOKEN_LENGTH)
    problems.push(
      `VIBEGATE_ADMIN_TOKEN must be at least ${MIN_ADMIN_TOKEN_LENGTH} characters (generate one with: openssl rand -base64 48)`,
    )
  if (adminToken !== undefined && !/^[\x21-\x7e]+$/.test(adminToken))
    problems.push(
      'VIBEGATE_ADMIN_TOKEN must be printable ASCII without spaces (it travels in an Authorization header)',
    )

  const metricsText = value('VIBEGATE_METRICS_PORT')
  const metricsPort = metricsText === undefined ? undefined : Number(metricsText)
  if (metricsText !== undefined) {
    if (!/^\d+$/.test(metricsText) || metricsPort! < 1 || metricsPort! > 65535)
      problems.push(
        `VIBEGATE_METRICS_PORT must be a TCP port from 1 to 65535, got "${metricsText}"`,
      )
    else if (metricsPort === port)
      problems.push(
        `VIBEGATE_METRICS_PORT must differ from PORT (${port}): /metrics moves off the public listener`,
      )
  }

  const capText = value('VIBEGATE_MAX_CONNECTIONS')
  const maxConnections = capText === undefined ? undefined : Number(capText)
  if (capText !== undefined && (!/^\d+$/.test(capText) || maxConnections! < 1))
    problems.push(
      `VIBEGATE_MAX_CONNECTIONS must be a whole number of connections of at least 1, got "${capText}"`,
    )

  const hostSource = (value('VIBEGATE_AUTH_REQUEST_HOST') ?? 'x-forwarded-host').toLowerCase()
  if (hostSource !== 'x-forwarded-host' && hostSource !== 'host')
    problems.push(
      `VIBEGATE_AUTH_REQUEST_HOST must be x-forwarded-host (read X-Forwarded-Host, else Host) or host (read Host only), got "${hostSource}"`,
    )

  const revalidateText = value('VIBEGATE_SESSION_REVALIDATE') ?? '5m'
  const revalidate = /^(\d+)(ms|s|m|h)?$/.exec(revalidateText)
  const sessionRevalidateMs = revalidate
    ? parseDuration(revalidate[2] ? revalidateText : Number(revalidate[1]))
    : 0
  if (!revalidate || sessionRevalidateMs > 86_400_000)
    problems.push(
      `VIBEGATE_SESSION_REVALIDATE must be a duration such as 5m, 300s or 300 (seconds), at most 24h, or 0 for never; got "${revalidateText}"`,
    )

  const operatorsText = value('VIBEGATE_OPERATORS')
  const operators =
    operatorsText === undefined ? undefined : parseOperatorList(operatorsText, 'VIBEGATE_OPERATORS')
  if (operators?.problems.length) problems.push(...operators.problems)

  const brandName = value('VIBEGATE_BRAND_NAME')
  if (brandName !== undefined && brandName.length > 80)
    problems.push('VIBEGATE_BRAND_NAME must be at most 80 characters')
  const logoUrl = value('VIBEGATE_BRAND_LOGO_URL')
  if (logoUrl !== undefined && !isHttpUrl(logoUrl))
    problems.push(
      `VIBEGATE_BRAND_LOGO_URL must be an http(s) URL such as https://fans.example.com/logo.svg, got "${logoUrl}"`,
    )
  const accent = value('VIBEGATE_BRAND_ACCENT')
  if (accent !== undefined && !ACCENT_PATTERN.test(accent))
    problems.push(
      `VIBEGATE_BRAND_ACCENT must be a CSS colour written #rrggbb (or #rgb), such as #6b3fd4, got "${accent}"`,
    )
  const templatesDir = value('VIBEGATE_TEMPLATES')
  if (templatesDir !== undefined) {
    if (!existsSync(templatesDir) || !statSync(templatesDir).isDirectory())
      problems.push(`VIBEGATE_TEMPLATES: "${templatesDir}" is not a directory`)
    else if (!existsSync(join(templatesDir, 'locked.html')))
      problems.push(
        `VIBEGATE_TEMPLATES: "${templatesDir}" has no locked.html (the page of every denial)`,
      )
  }

  const passText = value('VIBEGATE_PASS_SECRET')
  const passSecrets = passText === undefined ? [] : splitPassSecrets(passText)
  if (passText !== undefined) {
    const parsed = parsePassSecrets(passSecrets)
    if ('problem' in parsed) problems.push(parsed.problem)
  }
  const passEpochFile = value('VIBEGATE_PASS_EPOCH_FILE')
  if (passEpochFile !== undefined) {
    const dir = dirname(passEpochFile)
    if (!existsSync(dir) || !statSync(dir).isDirectory())
      problems.push(
        `VIBEGATE_PASS_EPOCH_FILE: the directory "${dir}" of "${passEpochFile}" does not exist; create it (a volume the edge reads) or unset the variable`,
      )
    else if (passText === undefined)
      warnings.push(
        'VIBEGATE_PASS_EPOCH_FILE is set but VIBEGATE_PASS_SECRET is not: passes are off and the file is not written',
      )
  }

  if (problems.length > 0) throw new ConfigError(problems)
  return {
    port,
    host: value('HOST') ?? '0.0.0.0',
    publicUrl,
    rulesFile: value('VIBEGATE_RULES') ?? 'rules/rules.yaml',
    keysFile,
    sessionSecret,
    trustedProxies,
    allowedRedirectHosts,
    redisUrl,
    oursong,
    decisionLog,
    logLevel,
    adminToken,
    metricsPort,
    maxConnections,
    authRequestHost: hostSource as GateConfig['authRequestHost'],
    sessionRevalidateMs,
    workers,
    operators: operators?.list,
    clusterWorker: value(CLUSTER_WORKER_VARIABLE) === '1',
    branding: {
      ...(brandName !== undefined ? { name: brandName } : {}),
      ...(logoUrl !== undefined ? { logoUrl } : {}),
      ...(accent !== undefined ? { accent } : {}),
    },
    templatesDir,
    passSecrets,
    passEpochFile,
    warnings,
  }
}

function isHttpUrl(text: string): boolean {
  try {
    return /^https?:$/.test(new URL(text).protocol)
  } catch {
    return false
  }
}

/** The OurSong app credentials and origin (`OURSONG_*`), as `serve` reads them. */
export type OurSongConfig = GateConfig['oursong']

/**
 * Only the `OURSONG_*` variables, for commands that call OurSong without serving
 * (`rules explain --user`). Throws a {@link ConfigError} naming every variable at fault.
 */
export function loadOurSongConfig(env: NodeJS.ProcessEnv): OurSongConfig {
  const problems: string[] = []
  const oursong = readOurSong((name) => env[name]?.trim() || undefined, problems)
  if (problems.length > 0) throw new ConfigError(problems)
  return oursong
}

/** {@link loadOurSongConfig} of this process's environment. */
export function loadOurSongConfigFromProcess(): OurSongConfig {
  return loadOurSongConfig(process.env)
}

function readOurSong(
  value: (name: string) => string | undefined,
  problems: string[],
): OurSongConfig {
  const baseUrl = value('OURSONG_BASE_URL') ?? 'https://www.oursong.com'
  if (!/^https?:\/\/[^/]+\/?$/.test(baseUrl))
    problems.push(
      `OURSONG_BASE_URL must be an origin such as https://www.oursong.com, got "${baseUrl}"`,
    )
  const apiKey = value('OURSONG_API_KEY')
  const apiSecret = value('OURSONG_API_SECRET')
  if (apiKey === undefined)
    problems.push('OURSONG_API_KEY is required: the API key OurSong issued to this app')
  if (apiSecret === undefined)
    problems.push('OURSONG_API_SECRET is required: the API secret OurSong issued to this app')
  return { baseUrl: baseUrl.replace(/\/$/, ''), apiKey: apiKey ?? '', apiSecret: apiSecret ?? '' }
}

/**
 * REDIS_URL (`redis://`, `rediss://`, `redis+sentinel://`, `redis-cluster://`) or
 * VIBEGATE_REDIS_CLUSTER (seed nodes, or a `redis-cluster://` URL), checked; the text the
 * gate parses again (src/store/redis-target.ts), undefined when neither is set.
 */
function readRedis(
  value: (name: string) => string | undefined,
  problems: string[],
): string | undefined {
  const url = value('REDIS_URL')
  const cluster = value('VIBEGATE_REDIS_CLUSTER')
  if (url !== undefined && cluster !== undefined) {
    problems.push(
      'REDIS_URL and VIBEGATE_REDIS_CLUSTER are both set: set one (a cluster can also be REDIS_URL=redis-cluster://host:port,host:port)',
    )
    return undefined
  }
  try {
    if (cluster !== undefined) {
      parseClusterSetting(cluster)
      return /^rediss?-cluster:\/\//.test(cluster) ? cluster : `redis-cluster://${cluster}`
    }
    if (url !== undefined) parseRedisTarget(url)
  } catch (err) {
    if (!(err instanceof RedisTargetError)) throw err
    problems.push(err.message)
    return undefined
  }
  return url
}

/** What the nginx edge needs of the gate's pass settings (examples/nginx-edge). */
export interface PassEdgeConfig {
  /** VIBEGATE_PASS_SECRET, as a list. */
  secrets: string[]
  /** VIBEGATE_PASS_EPOCH_FILE; undefined when unset. */
  epochFile: string | undefined
}

/**
 * Only VIBEGATE_PASS_SECRET (required, checked as `serve` checks it) and
 * VIBEGATE_PASS_EPOCH_FILE, for `keys edge-config`. Throws a {@link ConfigError}.
 */
export function loadPassEdgeConfig(env: NodeJS.ProcessEnv): PassEdgeConfig {
  const text = env.VIBEGATE_PASS_SECRET?.trim() || undefined
  if (text === undefined)
    throw new ConfigError([
      'VIBEGATE_PASS_SECRET is required: the pass secrets the gate signs with (the same list as for vibegate serve)',
    ])
  const secrets = splitPassSecrets(text)
  const parsed = parsePassSecrets(secrets)
  if ('problem' in parsed) throw new ConfigError([parsed.problem])
  return { secrets, epochFile: env.VIBEGATE_PASS_EPOCH_FILE?.trim() || undefined }
}

/** {@link loadPassEdgeConfig} of this process's environment. */
export function loadPassEdgeConfigFromProcess(): PassEdgeConfig {
  return loadPassEdgeConfig(process.env)
}

/** {@link loadConfig} of this process's environment. */
export function loadConfigFromProcess(): GateConfig {
  return loadConfig(process.env)
}
