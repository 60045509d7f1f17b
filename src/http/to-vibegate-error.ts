import { VibegateError } from '../errors/vibegate-error.js'

/**
 * Any error thrown in a route, as a {@link VibegateError}: ours pass through; body-parser's
 * (malformed JSON, a body too large) carry a 4xx status and become `bad_request`; anything
 * else is a bug, `internal_error`, with the stack kept as private detail for the log.
 */
export function toVibegateError(err: unknown): VibegateError {
  if (err instanceof VibegateError) return err
  const status = (err as { status?: unknown } | null)?.status
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new VibegateError('bad_request', { detail: (err as Error).message })
  }
  return new VibegateError('internal_error', {
    detail: String((err as Error)?.stack ?? err),
    cause: err,
  })
}
