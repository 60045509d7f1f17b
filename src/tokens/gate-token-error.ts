import type { GateTokenErrorCode } from '../errors/error-codes.js'
import { VibegateError, type VibegateErrorOptions } from '../errors/vibegate-error.js'

export type { GateTokenErrorCode }

/**
 * Why a gate token was refused. `code` is stable (switch on it); `status` is 401 for a token
 * problem, 403 for a good token that does not cover the request's path (`token_wrong_path`),
 * and 503 when the gate's keys could not be fetched (`jwks_unavailable`), which is not the
 * client's fault. `detail` says exactly what failed, for logs; it never contains the
 * token.
 *
 * | code                   | status | when                                                    |
 * | ---------------------- | ------ | ------------------------------------------------------- |
 * | `token_missing`        | 401    | no token                                                |
 * | `token_invalid`        | 401    | malformed, bad signature, unknown kid, refused header   |
 * | `token_expired`        | 401    | past `exp` (beyond the tolerance), or `iat` too old     |
 * | `token_wrong_audience` | 401    | `aud` is not the one expected                           |
 * | `token_wrong_issuer`   | 401    | `iss` is not the gate expected                          |
 * | `token_wrong_rule`     | 401    | `rule` not taken (options `rule`, `pathPrefixes`)       |
 * | `token_wrong_path`     | 403    | the rule's `pathPrefixes` do not cover the request path |
 * | `jwks_unavailable`     | 503    | the JWKS could not be fetched or parsed                 |
 *
 * @example
 * try {
 *   await verifyGateToken(token, options)
 * } catch (error) {
 *   if (error instanceof GateTokenError && error.code === 'token_expired') refresh()
 *   else throw error
 * }
 */
export class GateTokenError extends VibegateError<GateTokenErrorCode> {
  constructor(code: GateTokenErrorCode, options: VibegateErrorOptions = {}) {
    super(code, options)
    this.name = 'GateTokenError'
  }
}

/**
 * True when `value` is a {@link GateTokenError}, optionally with one of the given codes.
 *
 * @example
 * if (isGateTokenError(error, 'jwks_unavailable')) res.status(503)
 */
export function isGateTokenError(
  value: unknown,
  ...codes: GateTokenErrorCode[]
): value is GateTokenError {
  return value instanceof GateTokenError && (codes.length === 0 || codes.includes(value.code))
}
