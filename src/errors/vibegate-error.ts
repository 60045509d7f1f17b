import { ERROR_CODES, type ErrorCode } from './error-codes.js'

/** Options shared by every vibegate error. */
export interface VibegateErrorOptions {
  /**
   * Private detail for logs and operators: what exactly went wrong. Never contains
   * secrets or tokens, and is never sent to an end user.
   */
  detail?: string
  /** The underlying error, when one was translated at a boundary. */
  cause?: unknown
}

/**
 * The base of every runtime error vibegate raises. `code` is stable and typed, `status` is
 * the HTTP status vibegate would answer with, `publicMessage` is safe to show to anyone,
 * and `detail` is kept apart for logs.
 *
 * Misuse of an API (a bad option) throws a plain `TypeError` instead, when the object is built.
 */
export class VibegateError<C extends ErrorCode = ErrorCode> extends Error {
  /** Stable machine-readable code; see `docs/errors.md`. */
  readonly code: C
  /** HTTP status associated with the code. */
  readonly status: number
  /** A message safe to show to an end user. */
  readonly publicMessage: string
  /** Private detail for logs; never shown to end users. */
  readonly detail: string | undefined

  constructor(code: C, options: VibegateErrorOptions = {}) {
    const entry = ERROR_CODES[code]
    super(
      options.detail ? `${entry.message} (${options.detail})` : entry.message,
      options.cause === undefined ? undefined : { cause: options.cause },
    )
    this.name = 'VibegateError'
    this.code = code
    this.status = entry.status
    this.publicMessage = entry.message
    this.detail = options.detail
  }

  /** The JSON body vibegate's HTTP endpoints send for this error: never the private detail. */
  toJSON(): { error: C; message: string } {
    return { error: this.code, message: this.publicMessage }
  }
}

/** True when `value` is a {@link VibegateError}, optionally with one of the given codes. */
export function isVibegateError<C extends ErrorCode>(
  value: unknown,
  ...codes: C[]
): value is VibegateError<C> {
  return value instanceof VibegateError && (codes.length === 0 || codes.includes(value.code as C))
}
