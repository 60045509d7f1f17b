import type { IncomingMessage } from 'node:http'
import type { DecisionEvent } from '../http/decision-handler.js'
import { requestIdOf } from '../http/request-id.js'
import type { Logger } from '../util/logger.js'

/**
 * `VIBEGATE_DECISION_LOG=1`: one JSON line per decision of the decision endpoints and of the
 * `gate.protect()`/`gate.require()` middleware (endpoint `middleware`), at level
 * `info`, message `decision`:
 * `{ request_id, endpoint, outcome: "allow"|"deny", status, reason, rule, user }`.
 * `reason` is as in `X-Vibegate-Reason` (null on allow), except `rate_limited` where the
 * client saw `upstream_unavailable` (as in `/metrics`); `user`
 * is the OurSong uuid when known; `request_id` is the proxy's `X-Request-Id`, else a new
 * one. Tokens, cookies and paths are never logged. Built only when enabled: with the log
 * off the decision path calls nothing and allocates nothing for it.
 */
export function createDecisionLog(
  logger: Logger,
): (event: DecisionEvent, req: IncomingMessage) => void {
  return (event, req) =>
    logger.info(
      {
        request_id: requestIdOf(req),
        endpoint: event.endpoint,
        outcome: event.status === 200 ? 'allow' : 'deny',
        status: event.status,
        reason: event.reason ?? null,
        rule: event.rule ?? null,
        user: event.user ?? null,
      },
      'decision',
    )
}
