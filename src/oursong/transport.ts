import { createHash } from 'node:crypto'
import { performance } from 'node:perf_hooks'
import { errors as undiciErrors, type Dispatcher, type FormData } from 'undici'
import type { ZodType } from 'zod'
import type { OurSongErrorCode } from '../errors/error-codes.js'
import type { Logger } from '../util/logger.js'
import { OurSongError } from './oursong-error.js'

/** One upstream attempt, reported to {@link TransportOptions.onCall} (for metrics). */
export interface UpstreamCallEvent {
  /** `METHOD /path/template`, never the concrete path (no ids, no query). */
  endpoint: string
  /** The HTTP status, when OurSong answered. */
  status: number | undefined
  /** `ok`, or the error code the attempt ended with. */
  outcome: 'ok' | OurSongErrorCode
  /** Wall time of the attempt in milliseconds. */
  durationMs: number
  /** 0 for the first attempt, 1 for the first retry, ... */
  attempt: number
}

/** How the transport sends requests; see `createOurSongClient` for the defaults. */
export interface TransportOptions {
  /** Upstream origin, optionally with a path prefix; no trailing slash. */
  baseUrl: string
  dispatcher: Dispatcher
  /** Deadline of one attempt in milliseconds, from sending to the last body byte. */
  timeoutMs: number
  /** Deadline of a GET with all its retries, milliseconds; no retry starts past it. */
  totalTimeoutMs: number
  /** How many times a GET is retried after a network error or a 5xx. */
  retries: number
  /** Full-jitter backoff: a retry waits random() * min(max, base * 2^attempt) ms. */
  retryBaseDelayMs: number
  retryMaxDelayMs: number
  /** Larger response bodies are refused as `oursong_bad_response`. */
  maxResponseBytes: number
  /** Values that must never appear in an error detail or a log line (the api secret). */
  secrets: readonly string[]
  logger: Logger
  random: () => number
  onCall?: ((event: UpstreamCallEvent) => void) | undefined
}

/** One call to the upstream. */
export interface CallSpec<T> {
  method: 'GET' | 'POST'
  /** The documented path with placeholders, e.g. `/api/open-api/vibe/{vibe_id}/profile`. */
  template: string
  /** The concrete path, every segment already encoded. */
  path: string
  query?: Record<string, string | number | undefined>
  /** Sent as application/x-www-form-urlencoded. */
  form?: Record<string, string | undefined>
  /** Sent as multipart/form-data (uploads). */
  multipart?: FormData
  /** The user's OurSong access token, sent as `Authorization: Bearer`. */
  accessToken?: string | undefined
  /** Values of this call to keep out of errors and logs (signatures, codes). */
  secrets?: readonly (string | undefined)[]
  schema: ZodType<T>
  /** The caller's own deadline or cancellation. */
  signal?: AbortSignal | undefined
  /** Overrides {@link TransportOptions.timeoutMs} for this call (uploads). */
  timeoutMs?: number
}

/** Sends validated, bounded, retried (GET only) and coalesced (GET only) upstream calls. */
export interface Transport {
  call<T>(spec: CallSpec<T>): Promise<T>
}

const RETRYABLE: ReadonlySet<OurSongErrorCode> = new Set(['oursong_unavailable'])
const TIMEOUT = Symbol('timeout')

/**
 * Creates the transport under the OurSong client. Identical concurrent GETs (same URL, same
 * token) share one upstream request; each caller keeps its own `signal`. Results are shared
 * between those callers and must be treated as read-only.
 */
export function createTransport(options: TransportOptions): Transport {
  const inflight = new Map<string, Promise<unknown>>()
  const headersBase = { accept: 'application/json', 'user-agent': 'vibegate' }

  async function call<T>(spec: CallSpec<T>): Promise<T> {
    const endpoint = `${spec.method} ${spec.template}`
    const url = buildUrl(options.baseUrl, spec)
    if (spec.method !== 'GET') return attempt(spec, endpoint, url, 0, spec.signal)

    if (spec.signal?.aborted) throw callerAborted(endpoint)
    const key = `${url}\n${spec.accessToken ? sha256(spec.accessToken) : ''}`
    let shared = inflight.get(key) as Promise<T> | undefined
    if (!shared) {
      shared = withRetries(spec, endpoint, url).finally(() => inflight.delete(key))
      // Every caller may give up (its own signal); the shared failure must still be handled.
      shared.catch(() => undefined)
      inflight.set(key, shared)
    }
    return spec.signal ? abortable(shared, spec.signal, endpoint) : shared
  }

  async function withRetries<T>(spec: CallSpec<T>, endpoint: string, url: string): Promise<T> {
    const deadline = performance.now() + options.totalTimeoutMs
    for (let n = 0; ; n++) {
      try {
        const remaining = Math.max(1, Math.floor(deadline - performance.now()))
        return await attempt(
          { ...spec, timeoutMs: Math.min(spec.timeoutMs ?? options.timeoutMs, remaining) },
          endpoint,
          url,
          n,
          undefined,
        )
      } catch (err) {
        if (!(err instanceof OurSongError) || !RETRYABLE.has(err.code) || n >= options.retries) {
          throw err
        }
        const ceiling = Math.min(options.retryMaxDelayMs, options.retryBaseDelayMs * 2 ** n)
        const delay = Math.floor(options.random() * ceiling)
        if (performance.now() + delay >= deadline) throw err
        options.logger.warn({ endpoint, attempt: n, delayMs: delay, code: err.code }, 'retrying')
        await new Promise((resolve) => setTimeout(resolve, delay))
      }
    }
  }

  async function attempt<T>(
    spec: CallSpec<T>,
    endpoint: string,
    url: string,
    n: number,
    signal: AbortSignal | undefined,
  ): Promise<T> {
    const controller = new AbortController()
    const timer = setTimeout(() => controller.abort(TIMEOUT), spec.timeoutMs ?? options.timeoutMs)
    const onCallerAbort = (): void => controller.abort(signal?.reason)
    if (signal?.aborted) onCallerAbort()
    else signal?.addEventListener('abort', onCallerAbort, { once: true })
    const started = performance.now()
    let status: number | undefined
    let outcome: UpstreamCallEvent['outcome'] = 'ok'
    try {
      const response = await options.dispatcher.request({
        ...requestTarget(url),
        method: spec.method,
        headers: requestHeaders(spec),
        body: requestBody(spec),
        signal: controller.signal,
      })
      status = response.statusCode
      const text = await readBounded(response.body, options.maxResponseBytes, endpoint)
      return interpret(spec, endpoint, status, text)
    } catch (err) {
      const translated = translate(err, endpoint, controller.signal)
      outcome = translated.code
      throw translated
    } finally {
      clearTimeout(timer)
      signal?.removeEventListener('abort', onCallerAbort)
      const durationMs = performance.now() - started
      options.logger.debug({ endpoint, status, outcome, durationMs, attempt: n }, 'oursong call')
      options.onCall?.({ endpoint, status, outcome, durationMs, attempt: n })
    }
  }

  function requestHeaders(spec: CallSpec<unknown>): Record<string, string> {
    const headers: Record<string, string> = { ...headersBase }
    if (spec.accessToken !== undefined) headers.authorization = `Bearer ${spec.accessToken}`
    if (spec.form) headers['content-type'] = 'application/x-www-form-urlencoded'
    return headers
  }

  function interpret<T>(spec: CallSpec<T>, endpoint: string, status: number, text: string): T {
    const secrets = [...options.secrets, spec.accessToken, ...(spec.secrets ?? [])]
    const body = parseJson(text)
    if (status < 200 || status >= 300) {
      const upstream = upstreamMessage(body, secrets)
      throw new OurSongError(codeForStatus(status), endpoint, {
        upstreamStatus: status,
        detail: `HTTP ${status}${upstream ? `: ${upstream}` : ''}`,
      })
    }
    if (body === undefined) {
      throw new OurSongError('oursong_bad_response', endpoint, {
        upstreamStatus: status,
        detail: 'the body is not JSON',
      })
    }
    if (isObject(body) && 'status' in body && body.status !== 'success') {
      const upstream = upstreamMessage(body, secrets)
      throw new OurSongError('oursong_rejected', endpoint, {
        upstreamStatus: status,
        detail: `status is not "success"${upstream ? `: ${upstream}` : ''}`,
      })
    }
    const parsed = spec.schema.safeParse(body)
    if (!parsed.success) {
      const issues = parsed.error.issues
        .slice(0, 5)
        .map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`)
      throw new OurSongError('oursong_bad_response', endpoint, {
        upstreamStatus: status,
        detail: `unexpected body: ${issues.join('; ')}`,
      })
    }
    // Coalesced callers share this object: frozen, so none can change what others see.
    return deepFreeze(parsed.data)
  }

  return { call }
}

function translate(err: unknown, endpoint: string, signal: AbortSignal): OurSongError {
  if (err instanceof OurSongError) return err
  if (signal.aborted) {
    const detail =
      signal.reason === TIMEOUT ? 'no complete answer within the deadline' : 'aborted by the caller'
    return new OurSongError('oursong_timeout', endpoint, { detail })
  }
  if (err instanceof undiciErrors.InvalidArgumentError) {
    // Our own request was unsendable (e.g. a token with characters a header cannot carry).
    return new OurSongError('oursong_rejected', endpoint, {
      detail: 'the request could not be sent as given',
      cause: err,
    })
  }
  if (
    err instanceof undiciErrors.ConnectTimeoutError ||
    err instanceof undiciErrors.HeadersTimeoutError ||
    err instanceof undiciErrors.BodyTimeoutError
  ) {
    return new OurSongError('oursong_timeout', endpoint, { detail: err.code, cause: err })
  }
  // Only the error code goes into the detail: messages of lower layers may quote the URL.
  const code = (err as { code?: unknown } | null)?.code
  return new OurSongError('oursong_unavailable', endpoint, {
    detail: `network error${typeof code === 'string' ? ` ${code}` : ''}`,
    cause: err,
  })
}

function codeForStatus(status: number): OurSongErrorCode {
  if (status === 401) return 'oursong_unauthorized'
  if (status === 403) return 'oursong_forbidden'
  if (status === 404) return 'oursong_not_found'
  if (status === 413) return 'upload_too_large'
  if (status === 415) return 'upload_unsupported_type'
  if (status === 429) return 'oursong_rate_limited'
  if (status >= 500) return 'oursong_unavailable'
  if (status >= 400) return 'oursong_rejected'
  // 1xx and 3xx: redirects are not followed, and nothing else is expected.
  return 'oursong_bad_response'
}

function buildUrl(baseUrl: string, spec: CallSpec<unknown>): string {
  const query = new URLSearchParams()
  for (const [name, value] of Object.entries(spec.query ?? {})) {
    if (value !== undefined) query.set(name, String(value))
  }
  const search = query.size > 0 ? `?${query.toString()}` : ''
  return `${baseUrl}${spec.path}${search}`
}

function requestTarget(url: string): { origin: string; path: string } {
  const parsed = new URL(url)
  return { origin: parsed.origin, path: `${parsed.pathname}${parsed.search}` }
}

function requestBody(spec: CallSpec<unknown>): string | FormData | undefined {
  if (spec.multipart) return spec.multipart
  if (!spec.form) return undefined
  const form = new URLSearchParams()
  for (const [name, value] of Object.entries(spec.form)) {
    if (value !== undefined) form.set(name, value)
  }
  return form.toString()
}

async function readBounded(
  body: Dispatcher.ResponseData['body'],
  limit: number,
  endpoint: string,
): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of body) {
    size += (chunk as Buffer).length
    if (size > limit) {
      body.destroy()
      throw new OurSongError('oursong_bad_response', endpoint, {
        detail: `the body is larger than ${limit} bytes`,
      })
    }
    chunks.push(chunk as Buffer)
  }
  return Buffer.concat(chunks).toString('utf8')
}

function callerAborted(endpoint: string): OurSongError {
  return new OurSongError('oursong_timeout', endpoint, { detail: 'aborted by the caller' })
}

function abortable<T>(promise: Promise<T>, signal: AbortSignal, endpoint: string): Promise<T> {
  const aborted = (): OurSongError => callerAborted(endpoint)
  if (signal.aborted) return Promise.reject(aborted())
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(aborted())
    signal.addEventListener('abort', onAbort, { once: true })
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort)
        resolve(value)
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort)
        reject(err)
      },
    )
  })
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown
  } catch {
    return undefined
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** The upstream's `message`, secrets redacted before it is cut, control characters removed. */
function upstreamMessage(
  body: unknown,
  secrets: readonly (string | undefined)[],
): string | undefined {
  if (!isObject(body) || typeof body.message !== 'string') return undefined
  let out = body.message
  // Upstreams echo requests in many encodings; the longest form first, so a secret that
  // contains another is not left half-shown.
  const forms = secrets
    .filter((secret): secret is string => typeof secret === 'string' && secret.length >= 4)
    .flatMap((secret) => [
      secret,
      encodeURIComponent(secret),
      new URLSearchParams({ s: secret }).toString().slice(2),
    ])
    .sort((a, b) => b.length - a.length)
  for (const form of forms) out = out.split(form).join('[redacted]')
  // eslint-disable-next-line no-control-regex
  return out.replace(/[\u0000-\u001f\u007f]/g, ' ').slice(0, 200)
}

function sha256(value: string): string {
  return createHash('sha256').update(value).digest('base64url')
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const child of Object.values(value)) deepFreeze(child)
  }
  return value
}
