import type { OurSongErrorCode } from '../errors/error-codes.js'
import { VibegateError } from '../errors/vibegate-error.js'

/** What went wrong talking to OurSong, with the endpoint it happened on. */
export class OurSongError extends VibegateError<OurSongErrorCode> {
  /** The endpoint as a path template, e.g. `GET /api/open-api/vibe/{vibe_id}/profile`. */
  readonly endpoint: string
  /** The HTTP status OurSong answered with, when it answered at all. */
  readonly upstreamStatus: number | undefined

  constructor(
    code: OurSongErrorCode,
    endpoint: string,
    options: { detail?: string; cause?: unknown; upstreamStatus?: number } = {},
  ) {
    super(code, {
      detail: options.detail ? `${endpoint}: ${options.detail}` : endpoint,
      cause: options.cause,
    })
    this.name = 'OurSongError'
    this.endpoint = endpoint
    this.upstreamStatus = options.upstreamStatus
  }
}

/** True when `value` is an {@link OurSongError}, optionally with one of the given codes. */
export function isOurSongError(
  value: unknown,
  ...codes: OurSongErrorCode[]
): value is OurSongError {
  return value instanceof OurSongError && (codes.length === 0 || codes.includes(value.code))
}

/**
 * The codes that say OurSong is unwell (down, slow, garbled, rate-limiting this app), not
 * that its answer is "no": what circuit breakers count and what never ends a session.
 */
export const UPSTREAM_FAILURE_CODES = [
  'oursong_unavailable',
  'oursong_timeout',
  'oursong_bad_response',
  'oursong_rate_limited',
] as const satisfies readonly OurSongErrorCode[]
