/** The stable codes of the console's errors, with their HTTP status and public message. */
export const CONSOLE_ERRORS = {
  console_signed_out: { status: 401, message: 'Sign in to use the operator console.' },
  console_forbidden: {
    status: 403,
    message:
      'This account is not an operator of this gate. Operators are listed in VIBEGATE_OPERATORS (OurSong user ids, uuids or wallet addresses).',
  },
  console_cross_origin: {
    status: 403,
    message:
      'The Origin header is missing or names another site; console changes must come from the console page itself.',
  },
  console_csrf: {
    status: 403,
    message:
      'The X-CSRF-Token header is missing or does not belong to this session; reload the console page and try again.',
  },
  console_bad_request: { status: 400, message: 'The request body is not what the console sends.' },
  console_too_large: {
    status: 413,
    message: 'The request body is larger than the console accepts (2 MiB).',
  },
  console_rules_invalid: {
    status: 422,
    message: 'The rules do not pass `vibegate rules check`; the rules in force are unchanged.',
  },
  console_rules_conflict: {
    status: 409,
    message:
      'The rules file changed on disk since this page loaded it; reload the console to see the new version, then edit again.',
  },
  console_version_not_found: {
    status: 404,
    message: 'No saved version of the rules file has that id; reload the history.',
  },
  console_not_a_file: {
    status: 409,
    message: 'The gate was given its rules inline, not as a file; the console cannot save them.',
  },
} as const

/** A console error code; see {@link CONSOLE_ERRORS}. */
export type ConsoleErrorCode = keyof typeof CONSOLE_ERRORS

/**
 * A refusal of a console request: `code` is stable, `status` the HTTP status, `publicMessage`
 * safe to show to the operator; `detail` (logs only) and `problems` (for `console_rules_invalid`:
 * the `FILE:LINE:COL: message` lines of `vibegate rules check`) say more.
 */
export class ConsoleError extends Error {
  override name = 'ConsoleError'
  readonly status: number
  readonly publicMessage: string
  /** For `console_rules_invalid`: the problem lines; for `console_bad_request`: what is wrong. */
  readonly problems: readonly string[] | undefined
  constructor(
    readonly code: ConsoleErrorCode,
    readonly detail?: string,
    problems?: readonly string[],
  ) {
    // The operator's own request at fault: the detail names the field, and is theirs to see.
    if (code === 'console_bad_request' && problems === undefined && detail) problems = [detail]
    super(detail ? `${CONSOLE_ERRORS[code].message} (${detail})` : CONSOLE_ERRORS[code].message)
    this.problems = problems
    this.status = CONSOLE_ERRORS[code].status
    this.publicMessage = CONSOLE_ERRORS[code].message
  }

  /** The JSON body of the refusal; never the private detail. */
  toJSON(): { error: ConsoleErrorCode; message: string; problems?: readonly string[] } {
    return {
      error: this.code,
      message: this.publicMessage,
      ...(this.problems ? { problems: this.problems } : {}),
    }
  }
}
