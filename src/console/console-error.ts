import type { ConsoleErrorCode } from '../errors/error-codes.js'
import { VibegateError } from '../errors/vibegate-error.js'

export type { ConsoleErrorCode }

/**
 * A refusal of a console request: a {@link VibegateError} with a `console_*` code (status and
 * public message from the one registry, `docs/errors.md`), whose `problems` (for
 * `console_rules_invalid`: the `FILE:LINE:COL: message` lines of `vibegate rules check`; for
 * `console_bad_request`: what is wrong with the operator's request) go back to the operator.
 */
export class ConsoleError extends VibegateError<ConsoleErrorCode> {
  /** For `console_rules_invalid`: the problem lines; for `console_bad_request`: what is wrong. */
  readonly problems: readonly string[] | undefined
  constructor(code: ConsoleErrorCode, detail?: string, problems?: readonly string[]) {
    super(code, detail === undefined ? {} : { detail })
    this.name = 'ConsoleError'
    // The operator's own request at fault: the detail names the field, and is theirs to see.
    this.problems =
      code === 'console_bad_request' && problems === undefined && detail ? [detail] : problems
  }

  /** The JSON body of the refusal; never the private detail. */
  override toJSON(): { error: ConsoleErrorCode; message: string; problems?: readonly string[] } {
    return {
      error: this.code,
      message: this.publicMessage,
      ...(this.problems ? { problems: this.problems } : {}),
    }
  }
}

/** `body[field]` when it is a string; `console_bad_request` naming the field otherwise. */
export function stringField(body: unknown, field: string): string {
  const value = (body as Record<string, unknown> | undefined)?.[field]
  if (typeof value !== 'string')
    throw new ConsoleError('console_bad_request', `"${field}" must be a string`)
  return value
}
