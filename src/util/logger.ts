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

/**
 * A JSON logger on stdout (or `destination`), at `level` (default `info`), with
 * {@link REDACTED_FIELDS} redacted.
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
