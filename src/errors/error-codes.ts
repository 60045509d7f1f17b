/**
 * The one registry of vibegate's error codes. Every {@link VibegateError} is created from an
 * entry here, so a code always has the same HTTP status and public message, and
 * `docs/errors.md` is checked against this table by a test.
 */
export const ERROR_CODES = {
  oursong_unauthorized: {
    status: 401,
    message: 'OurSong refused the credentials (API key, secret or access token).',
  },
  oursong_forbidden: {
    status: 403,
    message: 'OurSong refused the request for these credentials.',
  },
  oursong_not_found: {
    status: 404,
    message: 'OurSong does not know the requested user, vibe or resource.',
  },
  oursong_rejected: {
    status: 400,
    message: 'OurSong rejected the request as invalid.',
  },
  oursong_rate_limited: {
    status: 503,
    message: 'OurSong is rate-limiting this application; try again shortly.',
  },
  oursong_unavailable: {
    status: 503,
    message: 'OurSong could not be reached or answered with a server error.',
  },
  oursong_timeout: {
    status: 503,
    message: 'OurSong did not answer in time.',
  },
  oursong_bad_response: {
    status: 502,
    message: 'OurSong answered with a response vibegate could not understand.',
  },
  upload_too_large: {
    status: 413,
    message: 'The file is larger than OurSong accepts for this kind of upload.',
  },
  upload_unsupported_type: {
    status: 415,
    message: 'OurSong does not accept this file type for this kind of upload.',
  },
  store_unavailable: {
    status: 503,
    message: 'The session and cache store (Redis) did not answer; try again shortly.',
  },
  internal_error: {
    status: 500,
    message: 'Something went wrong inside the gate; the details were logged.',
  },
  bad_request: {
    status: 400,
    message: 'The request is malformed.',
  },
  rate_limited: {
    status: 429,
    message: 'Too many attempts; wait a minute and try again.',
  },
  cross_origin: {
    status: 403,
    message: 'This request must come from the gate’s own pages.',
  },
  admin_unauthorized: {
    status: 401,
    message: 'This endpoint needs the operator token (Authorization: Bearer VIBEGATE_ADMIN_TOKEN).',
  },
  no_session: {
    status: 401,
    message: 'You are not signed in.',
  },
  invalid_state: {
    status: 400,
    message:
      'The sign-in link expired or was already used, or it was started in another browser. Start again.',
  },
  oauth_denied: {
    status: 403,
    message: 'Sign-in was cancelled at OurSong.',
  },
  oauth_failed: {
    status: 502,
    message: 'OurSong did not complete the sign-in. Start again.',
  },
  wallet_message_invalid: {
    status: 400,
    message:
      'The signed message is not a valid sign-in message for this site. Request a new challenge.',
  },
  wallet_signature_invalid: {
    status: 401,
    message: 'The signature does not match the wallet in the message.',
  },
  wallet_nonce_invalid: {
    status: 401,
    message: 'The sign-in challenge expired or was already used. Request a new one.',
  },
  wallet_not_connected: {
    status: 403,
    message: 'This wallet is not connected to an OurSong account. Connect it at OurSong first.',
  },
  keys_invalid: {
    status: 500,
    message: 'The signing key file (VIBEGATE_KEYS) cannot be used.',
  },
  token_missing: {
    status: 401,
    message: 'A gate token is required: send it as Authorization: Bearer <token>.',
  },
  token_invalid: {
    status: 401,
    message: 'The gate token is invalid.',
  },
  token_expired: {
    status: 401,
    message: 'The gate token has expired.',
  },
  token_wrong_audience: {
    status: 401,
    message: 'The gate token was issued for another audience.',
  },
  token_wrong_issuer: {
    status: 401,
    message: 'The gate token was issued by another gate.',
  },
  token_wrong_rule: {
    status: 401,
    message: 'The gate token was issued for a rule this server does not serve.',
  },
  token_wrong_path: {
    status: 403,
    message: 'The gate token does not cover this path.',
  },
  jwks_unavailable: {
    status: 503,
    message: 'The gate’s signing keys could not be fetched; try again shortly.',
  },
  unknown_user: {
    status: 404,
    message: 'OurSong has no user with this id or uuid; give an OurSong user id or uuid.',
  },
  // The operator console's refusals (ConsoleError).
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
} as const satisfies Record<string, { status: number; message: string }>

/** A stable, machine-readable error code: switch on it, never on the message. */
export type ErrorCode = keyof typeof ERROR_CODES

/** The codes raised by the OurSong client ({@link OurSongError}). */
export type OurSongErrorCode = Extract<ErrorCode, `oursong_${string}` | `upload_${string}`>

/** The codes of the operator console's refusals ({@link ConsoleError}). */
export type ConsoleErrorCode = Extract<ErrorCode, `console_${string}`>

/** The codes raised by the gate-token verifier (`vibegate/verify`, {@link GateTokenError}). */
export type GateTokenErrorCode = Extract<
  ErrorCode,
  | 'token_missing'
  | 'token_invalid'
  | 'token_expired'
  | 'token_wrong_audience'
  | 'token_wrong_issuer'
  | 'token_wrong_rule'
  | 'token_wrong_path'
  | 'jwks_unavailable'
>
