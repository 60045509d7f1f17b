import { randomUUID } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import { singleHeader } from './request-headers.js'

const SAFE_ID = /^[A-Za-z0-9._:-]{1,128}$/

/**
 * The id a log line about this request carries: the proxy's `X-Request-Id` when it sent one
 * plain token (nginx `$request_id`, Envoy, Traefik), else a new UUID. Never trusted for
 * anything but correlation.
 */
export function requestIdOf(req: IncomingMessage): string {
  const given = singleHeader(req, 'x-request-id')
  return given !== undefined && SAFE_ID.test(given) ? given : randomUUID()
}
