import { pino } from 'pino'

/** The structured logger every component takes: a subset of pino's interface. */
export interface Logger {
  debug(obj: object, msg?: string): void
  info(obj: object, msg?: string): void
  warn(obj: object, msg?: string): void
  error(obj: object, msg?: string): void
  child(bindings: Record<string, unknown>): Logger
}

/** Log levels, lowest first. */
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent'

/**
 * Field names whose values are replaced by "[redacted]" wherever they appear (two levels
 * deep), as a second line of defence: code must not log secrets in the first place.
 */
export const REDACTED_FIELDS = [
  'authorization',
  'cookie',
  'access_token',
  'accessToken',
  'refresh_token',
  'api_secret',
  'apiSecret',
  'client_secret',
  'password',
  'sign_encoded',
  'signature',
  'sessionSecret',
  'token',
] as const

/** Longest string a log field keeps, in characters: hosts, paths, problems. */
export const MAX_LOG_FIELD_LENGTH = 256
/** Longest error text (`err`, a stack) a log line keeps, in characters. */
export const MAX_LOG_ERROR_LENGTH = 4096

/**
 * Clips the string fields of a log object (and of objects one level down): much of what is
 * logged is chosen by whoever sent the request (paths, hosts, header values), and a line
 * per request must not grow with it. The clipped part is counted, never kept.
 */
export function clipLogFields(obj: Record<string, unknown>, depth = 0): Record<string, unknown> {
  let out: Record<string, unknown> | undefined
  for (const key of Object.keys(obj)) {
    const value = obj[key]
    let clipped: unknown = value
    if (typeof value === 'string') {
      const max = key === 'err' || key === 'stack' ? MAX_LOG_ERROR_LENGTH : MAX_LOG_FIELD_LENGTH
      if (value.length > max) clipped = `${value.slice(0, max)}…[${value.length - max} more]`
    } else if (depth === 0 && value && typeof value === 'object' && !Array.isArray(value)) {
      const inner = clipLogFields(value as Record<string, unknown>, 1)
      if (inner !== value) clipped = inner
    }
    if (clipped !== value) (out ??= { ...obj })[key] = clipped
  }
  return out ?? obj
}

/**
 * A JSON logger on stdout (or `destination`), at `level` (default `info`), with
 * {@link REDACTED_FIELDS} redacted and string fields clipped ({@link clipLogFields}).
 */
export function createLogger(
  options: { level?: LogLevel; destination?: NodeJS.WritableStream } = {},
): Logger {
  const paths = REDACTED_FIELDS.flatMap((f) => [f, `*.${f}`, `*.*.${f}`])
  return pino(
    {
      level: options.level ?? 'info',
      base: undefined,
      redact: { paths, censor: '[redacted]' },
      formatters: { log: (obj) => clipLogFields(obj) },
    },
    options.destination ?? process.stdout,
  )
}

/** A logger that drops everything; the default where none is injected. */
export function silentLogger(): Logger {
  const logger: Logger = {
    debug: () => undefined,
    info: () => undefined,
    warn: () => undefined,
    error: () => undefined,
    child: () => logger,
  }
  return logger
}
