import { connect } from 'node:net'

/** What became of one request sent by {@link hammerPort}. */
export type HammerOutcome =
  | { answered: true; status: number; retryAfter: string | undefined; ms: number }
  | { answered: false; ms: number }

/** A running {@link hammerPort}: stop it to get every request's outcome. */
export interface Hammer {
  /** Outcomes so far (requests still waiting are not in it). */
  outcomes: HammerOutcome[]
  /** Stops sending, waits for the requests in flight (each at most `answerWithinMs`). */
  stop(): Promise<HammerOutcome[]>
}

/**
 * Sends `GET path` to 127.0.0.1:`port` from `clients` loops from the first instant: a
 * refused connection is retried after 2 ms, the next request follows an answer after 5 ms,
 * and each connected request waits at most `answerWithinMs` for a status line (then it counts as
 * unanswered and its socket is destroyed). One request per connection (`Connection:
 * close`), so every request is a new connection that may arrive at any moment of a start.
 */
export function hammerPort(
  port: number,
  { path = '/healthz', clients = 4, answerWithinMs = 2000 } = {},
): Hammer {
  const outcomes: HammerOutcome[] = []
  let stopped = false
  const one = (): Promise<'refused' | 'done'> =>
    new Promise((resolve) => {
      const socket = connect(port, '127.0.0.1')
      let connectedAt = 0
      let head = ''
      let timer: NodeJS.Timeout | undefined
      let settled = false
      const finish = (outcome: HammerOutcome | undefined): void => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        socket.destroy()
        if (outcome) outcomes.push(outcome)
        resolve(outcome ? 'done' : 'refused')
      }
      socket.once('connect', () => {
        connectedAt = Date.now()
        socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`)
        timer = setTimeout(
          () => finish({ answered: false, ms: Date.now() - connectedAt }),
          answerWithinMs,
        )
      })
      socket.on('data', (chunk: Buffer) => {
        head += chunk.toString('latin1')
        const end = head.indexOf('\r\n\r\n')
        if (end < 0) return
        const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0)
        const retryAfter = /\r\nretry-after: *([^\r]*)/i.exec(head.slice(0, end))?.[1]
        finish({ answered: true, status, retryAfter, ms: Date.now() - connectedAt })
      })
      // Refused before connecting: not a request. Reset after connecting: unanswered.
      socket.once('error', () =>
        finish(connectedAt ? { answered: false, ms: Date.now() - connectedAt } : undefined),
      )
      socket.once('close', () => {
        // Closed by the server without a status line: unanswered.
        if (connectedAt) finish({ answered: false, ms: Date.now() - connectedAt })
      })
    })
  const loops = Array.from({ length: clients }, async () => {
    while (!stopped) {
      // Refused: the port is not open yet, try again at once (nearly). Answered: a short
      // pause, so the hammer does not take the CPU the starting server needs.
      const pause = (await one()) === 'refused' ? 2 : 5
      await new Promise((r) => setTimeout(r, pause))
    }
  })
  return {
    outcomes,
    async stop() {
      stopped = true
      await Promise.all(loops)
      return outcomes
    },
  }
}
