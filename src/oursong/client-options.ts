import type { Dispatcher } from 'undici'
import type { Logger } from '../util/logger.js'
import type { UpstreamCallEvent } from './transport.js'

/** Options of {@link createOurSongClient}. Checked once when the client is built. */
export interface OurSongClientOptions {
  /** Upstream origin, e.g. `https://www.oursong.com` (or the simulator's URL). http(s) only. */
  baseUrl: string
  /** The app's OurSong API key (also its OAuth `client_id`). */
  apiKey: string
  /** The app's OurSong API secret. Never logged, never put in a URL. */
  apiSecret: string
  /**
   * undici dispatcher for every call. Default: a keep-alive `Agent` owned by the client
   * (closed by `close()`); inject a `MockAgent` or a shared pool in tests and servers.
   */
  dispatcher?: Dispatcher
  /** Deadline of one attempt in milliseconds, first byte sent to last byte read. Default 5000. */
  timeoutMs?: number
  /**
   * Deadline of a GET including its retries, milliseconds; no retry starts past it and each
   * attempt gets at most what remains. Default 10000.
   */
  totalTimeoutMs?: number
  /** Deadline of an upload in milliseconds. Default 600000 (10 minutes). */
  uploadTimeoutMs?: number
  /** Retries of a GET after a network error or a 5xx; POSTs are never retried. Default 2. */
  retries?: number
  /** Base of the full-jitter exponential backoff in milliseconds. Default 100. */
  retryBaseDelayMs?: number
  /** Ceiling of one backoff in milliseconds. Default 1000. */
  retryMaxDelayMs?: number
  /** Larger response bodies are refused as `oursong_bad_response`. Default 1048576 (1 MiB). */
  maxResponseBytes?: number
  /** Structured logger (debug: one line per upstream attempt). Default: silent. */
  logger?: Logger
  /** Source of jitter in [0, 1). Default `Math.random`. */
  random?: () => number
  /** Called after every upstream attempt, e.g. to feed metrics. */
  onCall?: (event: UpstreamCallEvent) => void
}

/** {@link OurSongClientOptions} with every default applied. */
export type ResolvedClientOptions = Required<
  Omit<OurSongClientOptions, 'dispatcher' | 'logger' | 'onCall'>
> &
  Pick<OurSongClientOptions, 'dispatcher' | 'logger' | 'onCall'>

/**
 * Applies defaults and checks every option, throwing one `TypeError` that names each bad
 * option and how to fix it.
 */
export function resolveClientOptions(options: OurSongClientOptions): ResolvedClientOptions {
  const problems: string[] = []
  const resolved: ResolvedClientOptions = {
    ...options,
    baseUrl: (options.baseUrl ?? '').replace(/\/+$/, ''),
    timeoutMs: options.timeoutMs ?? 5000,
    totalTimeoutMs: options.totalTimeoutMs ?? 10_000,
    uploadTimeoutMs: options.uploadTimeoutMs ?? 600_000,
    retries: options.retries ?? 2,
    retryBaseDelayMs: options.retryBaseDelayMs ?? 100,
    retryMaxDelayMs: options.retryMaxDelayMs ?? 1000,
    maxResponseBytes: options.maxResponseBytes ?? 1024 * 1024,
    random: options.random ?? Math.random,
  }
  let url: URL | undefined
  try {
    url = new URL(resolved.baseUrl)
  } catch {
    problems.push('baseUrl must be an absolute http(s) URL, e.g. https://www.oursong.com')
  }
  if (url && (!/^https?:$/.test(url.protocol) || url.search || url.hash || url.username)) {
    problems.push('baseUrl must be an http(s) URL without credentials, query or fragment')
  }
  if (typeof options.apiKey !== 'string' || options.apiKey.trim() === '') {
    problems.push('apiKey must be the non-empty API key OurSong issued to the app')
  }
  if (typeof options.apiSecret !== 'string' || options.apiSecret.trim() === '') {
    problems.push('apiSecret must be the non-empty API secret OurSong issued to the app')
  }
  const positive = ['timeoutMs', 'totalTimeoutMs', 'uploadTimeoutMs', 'maxResponseBytes'] as const
  for (const name of positive) {
    if (!Number.isFinite(resolved[name]) || resolved[name] <= 0) {
      problems.push(`${name} must be a positive number`)
    }
  }
  const nonNegative = ['retries', 'retryBaseDelayMs', 'retryMaxDelayMs'] as const
  for (const name of nonNegative) {
    if (!Number.isInteger(resolved[name]) || resolved[name] < 0) {
      problems.push(`${name} must be a non-negative integer`)
    }
  }
  if (resolved.retries > 10) problems.push('retries must be at most 10')
  if (problems.length > 0) {
    throw new TypeError(`createOurSongClient: ${problems.join('; ')}`)
  }
  return Object.freeze(resolved)
}
