import type { IncomingMessage, ServerResponse } from 'node:http'
import type { KeySet } from '../tokens/key-set.js'
import { pathOf } from './request-headers.js'

/** The path of the public key set (contract 3.2). */
export const JWKS_PATH = '/.well-known/jwks.json'

/**
 * Serves `GET /.well-known/jwks.json`: the public parts of every key in force (kid, use,
 * alg), so content servers verify tokens signed by any of them during a rotation. Cached
 * by clients for 5 minutes. A query is ignored; any other path (a trailing slash, another
 * case) is not this endpoint: returns false, and the caller answers it (404).
 */
export function createJwksHandler(
  keys: () => KeySet,
): (req: IncomingMessage, res: ServerResponse) => boolean {
  return (req, res) => {
    if (pathOf(req.url) !== JWKS_PATH) return false
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' }).end()
      return true
    }
    const body = JSON.stringify(keys().publicJwks)
    res.writeHead(200, {
      'Content-Type': 'application/jwk-set+json',
      'Cache-Control': 'public, max-age=300',
      'Content-Length': Buffer.byteLength(body),
    })
    res.end(req.method === 'HEAD' ? undefined : body)
    return true
  }
}
