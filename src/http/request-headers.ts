import type { IncomingMessage } from 'node:http'
import { isIP } from 'node:net'

/** The path of a request target: everything before the first `?`. */
export function pathOf(url: string | undefined): string {
  if (url === undefined) return ''
  const q = url.indexOf('?')
  return q === -1 ? url : url.slice(0, q)
}

/**
 * A header as the gate reads it, in one scan of the raw headers: its value when sent exactly
 * once, undefined when absent, null when sent more than once (duplicates are ambiguous: a
 * proxy and the backend may each read another one).
 */
export function headerOnce(req: IncomingMessage, name: string): string | undefined | null {
  const lower = name.toLowerCase()
  let found: string | undefined
  const raw = req.rawHeaders
  for (let i = 0; i < raw.length; i += 2) {
    const key = raw[i]!
    // The length first: most names differ in it, and comparing it allocates nothing.
    if (key.length !== lower.length || key.toLowerCase() !== lower) continue
    if (found !== undefined) return null
    found = raw[i + 1]!
  }
  return found
}

/** The value of a header sent exactly once; undefined when absent or duplicated. */
export function singleHeader(req: IncomingMessage, name: string): string | undefined {
  return headerOnce(req, name) ?? undefined
}

/**
 * The value of a cookie set exactly once across all Cookie headers; undefined when absent
 * or duplicated (a sibling subdomain can plant a second cookie of the same name).
 */
export function singleCookie(req: IncomingMessage, name: string): string | undefined {
  let found: string | undefined
  const raw = req.rawHeaders
  for (let i = 0; i < raw.length; i += 2) {
    const key = raw[i]!
    if (key.length !== 6 || key.toLowerCase() !== 'cookie') continue
    // Pair by pair, without splitting the header: it is read on every session decision.
    const header = raw[i + 1]!
    for (let start = 0; start <= header.length;) {
      let end = header.indexOf(';', start)
      if (end === -1) end = header.length
      const eq = header.indexOf('=', start)
      if (eq !== -1 && eq < end && header.slice(start, eq).trim() === name) {
        if (found !== undefined) return undefined
        found = header.slice(eq + 1, end).trim()
      }
      start = end + 1
    }
  }
  return found
}

/**
 * The client's address: the socket peer, or, when the peer is a trusted proxy, what it
 * says in X-Forwarded-For (the right-most hop that is not a trusted proxy) or else in
 * X-Real-IP. A duplicated header or a hop that is not an IP address is ambiguous: the
 * peer is answered, so a client cannot pick the address it is counted under.
 */
export function clientAddress(
  req: IncomingMessage,
  trusts: (address: string | undefined) => boolean,
): string {
  const peer = req.socket.remoteAddress ?? 'unknown'
  if (!trusts(peer)) return peer
  const forwarded = headerOnce(req, 'x-forwarded-for')
  if (forwarded === null) return peer
  if (forwarded === undefined) {
    const real = headerOnce(req, 'x-real-ip')?.trim()
    return real && isIP(real) ? real : peer
  }
  // Right to left: the first hop that is not one of our proxies is the client.
  const hops = forwarded.split(',').map((h) => h.trim())
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i]!
    if (!isIP(hop)) return peer
    if (!trusts(hop)) return hop
  }
  return hops[0]!
}
