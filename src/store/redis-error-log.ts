import type { Clock } from '../util/clock.js'
import { createLogThrottle } from '../util/log-throttle.js'
import type { Logger } from '../util/logger.js'

// Connection errors whose cure is the operator's: said in the log line itself.
const REDIS_ERROR_HINTS: Record<string, string> = {
  SELF_SIGNED_CERT_IN_CHAIN: 'trust the CA that signed the Redis certificate: NODE_EXTRA_CA_CERTS',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    'trust the CA that signed the Redis certificate: NODE_EXTRA_CA_CERTS',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'trust the Redis certificate: NODE_EXTRA_CA_CERTS',
  ERR_TLS_CERT_ALTNAME_INVALID:
    "the host in REDIS_URL is not in the Redis certificate's subjectAltName",
}

/**
 * Logs the Redis client's connection errors, at most one line per kind a minute, saying
 * what to fix where it is known (a certificate, the password in REDIS_URL). The messages
 * come from ioredis and Node, which never quote the password.
 */
export function redisErrorLog(logger: Logger, clock: Clock): (err: Error) => void {
  const throttle = createLogThrottle({ maxPerWindow: 1, windowMs: 60_000, now: () => clock.now() })
  return (err) => {
    const code = (err as NodeJS.ErrnoException).code ?? err.name
    const suppressed = throttle.admit(code)
    if (suppressed === undefined) return
    const hint =
      REDIS_ERROR_HINTS[code] ??
      (/WRONGPASS|NOAUTH/.test(err.message) ? 'check the password in REDIS_URL' : undefined)
    logger.warn(
      {
        code,
        err: err.message,
        ...(hint ? { fix: hint } : {}),
        ...(suppressed ? { suppressed } : {}),
      },
      'Redis connection error (REDIS_URL)',
    )
  }
}
