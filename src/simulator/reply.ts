import type { ServerResponse } from 'node:http'

/** What a simulator handler answers; {@link sendReply} writes it. */
export type Reply =
  | { kind: 'json'; status: number; body: unknown; headers?: Record<string, string> }
  | { kind: 'html'; status: number; html: string }
  | { kind: 'redirect'; location: string }
  | { kind: 'raw'; status: number; contentType: string; body: string }

/** A JSON answer, status 200 unless given. */
export function json(body: unknown, status = 200, headers?: Record<string, string>): Reply {
  return headers ? { kind: 'json', status, body, headers } : { kind: 'json', status, body }
}

/** The upstream's error body `{ "status": "error", "message" }` with a non-2xx status. */
export function errorReply(
  status: number,
  message: string,
  headers?: Record<string, string>,
): Reply {
  return json({ status: 'error', message }, status, headers)
}

/** An HTML page. */
export function html(page: string, status = 200): Reply {
  return { kind: 'html', status, html: page }
}

/** A `302 Found` to `location`. */
export function redirect(location: string): Reply {
  return { kind: 'redirect', location }
}

/**
 * The headers of every HTML page: pages are self-contained (inline CSS only), never framed,
 * never cached. No `form-action`: browsers apply it to the redirect after the form, which
 * must be free to reach any registered redirect_uri.
 */
const HTML_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy':
    "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
}

/** Writes `reply` to `res` (every answer is `Cache-Control: no-store`). */
export function sendReply(
  res: ServerResponse,
  reply: Reply,
  extraHeaders: Record<string, string> = {},
): void {
  const headers: Record<string, string> = { 'cache-control': 'no-store', ...extraHeaders }
  let status: number
  let body: string
  switch (reply.kind) {
    case 'json':
      status = reply.status
      body = JSON.stringify(reply.body)
      Object.assign(headers, { 'content-type': 'application/json' }, reply.headers)
      break
    case 'html':
      status = reply.status
      body = reply.html
      Object.assign(headers, HTML_HEADERS)
      break
    case 'redirect':
      status = 302
      body = ''
      headers.location = reply.location
      break
    case 'raw':
      status = reply.status
      body = reply.body
      headers['content-type'] = reply.contentType
      break
  }
  headers['content-length'] = String(Buffer.byteLength(body))
  res.writeHead(status, headers)
  res.end(body)
}
