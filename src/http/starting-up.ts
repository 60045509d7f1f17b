import type { ServerResponse } from 'node:http'

/**
 * The answer to a request that reaches a port before what stands behind it is built: 503
 * with `Retry-After: 1` (seconds), never cached, and the connection closed so that the
 * client's retry opens a fresh one. A listening socket must never hold a request that no
 * handler will answer.
 */
export function answerStartingUp(res: ServerResponse): void {
  res
    .writeHead(503, {
      'Content-Type': 'text/plain; charset=utf-8',
      'Cache-Control': 'no-store',
      'Retry-After': '1',
      Connection: 'close',
    })
    .end('vibegate is starting; retry in a second\n')
}
