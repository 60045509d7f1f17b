import type { IncomingMessage } from 'node:http'
import { headerOnce, pathOf } from './request-headers.js'

/** The three decision endpoints (contract 3.1). */
export type DecisionEndpoint = 'auth-request' | 'forward-auth' | 'ext-authz'

/** The request a proxy asks about, as read from its subrequest. */
export interface OriginalRequest {
  method: string
  /** Path and query as the client sent them. */
  target: string
  host: string | undefined
  /** `http` or `https` when the proxy said (forward-auth), for the login redirect. */
  proto: string | undefined
}

/** The prefix of the Envoy endpoint; the original path follows it. */
export const EXT_AUTHZ_PREFIX = '/authz/ext-authz'

/**
 * Which decision endpoint a request URL addresses, or undefined. The path must be exact; a
 * query is ignored (Caddy's forward_auth appends the client's query to the endpoint URL).
 */
export function decisionEndpointOf(url: string): DecisionEndpoint | undefined {
  const path = pathOf(url)
  if (path === '/authz/auth-request') return 'auth-request'
  if (path === '/authz/forward-auth') return 'forward-auth'
  if (path === EXT_AUTHZ_PREFIX || path.startsWith(`${EXT_AUTHZ_PREFIX}/`)) return 'ext-authz'
  return undefined
}

/**
 * Where `/authz/auth-request` reads the original host: `x-forwarded-host` (the contract's
 * default: X-Forwarded-Host, else Host) or `host` (Host only, for an nginx that passes the
 * client's own X-Forwarded-Host through and sets `proxy_set_header Host $host`).
 */
export type AuthRequestHostSource = 'x-forwarded-host' | 'host'

/**
 * Reads the original request from the headers each proxy sends. A missing, duplicated or
 * malformed header is a problem (the caller denies with `bad_request`), never a default of
 * `GET /`.
 */
export function readOriginalRequest(
  endpoint: DecisionEndpoint,
  req: IncomingMessage,
  authRequestHost: AuthRequestHostSource = 'x-forwarded-host',
): OriginalRequest | { problem: string } {
  const one = (name: string): string | undefined | null => headerOnce(req, name)
  if (endpoint === 'ext-authz') {
    const host = one('host')
    if (host === null) return { problem: 'Host was sent more than once' }
    const rest = (req.url ?? '').slice(EXT_AUTHZ_PREFIX.length)
    return {
      method: req.method ?? '',
      target: rest === '' || rest.startsWith('?') ? `/${rest}` : rest,
      host,
      proto: undefined,
    }
  }
  const [methodHeader, uriHeader] =
    endpoint === 'auth-request'
      ? ['x-original-method', 'x-original-uri']
      : ['x-forwarded-method', 'x-forwarded-uri']
  const method = one(methodHeader)
  const target = one(uriHeader)
  const ignoreForwardedHost = endpoint === 'auth-request' && authRequestHost === 'host'
  const forwardedHost = ignoreForwardedHost ? undefined : one('x-forwarded-host')
  if (method === null || target === null || forwardedHost === null) {
    return {
      problem: `one of ${methodHeader}, ${uriHeader}${ignoreForwardedHost ? '' : ', X-Forwarded-Host'} was sent more than once`,
    }
  }
  if (!method) return { problem: `${methodHeader} is missing` }
  if (!target) return { problem: `${uriHeader} is missing` }
  if (endpoint === 'auth-request') {
    const host = forwardedHost ?? one('host')
    if (host === null) return { problem: 'Host was sent more than once' }
    return { method, target, host, proto: undefined }
  }
  const proto = one('x-forwarded-proto')
  if (proto === null || (proto !== undefined && proto !== 'http' && proto !== 'https')) {
    return { problem: 'X-Forwarded-Proto must be sent once, as http or https' }
  }
  if (!forwardedHost) return { problem: 'X-Forwarded-Host is missing' }
  return { method, target, host: forwardedHost, proto }
}
