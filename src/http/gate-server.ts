import { readFileSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { Socket } from 'node:net'

/** Limits of {@link createGateServer}: what idle, slow or many clients may cost the gate. */
export interface ServerLimits {
  /**
   * Most open client connections. Past it, a new connection closes the connection that has
   * been idle longest (no request in flight: never sent one, or between keep-alive
   * requests); only when every connection is busy is the new one refused. So idle sockets,
   * however many, cannot keep a proxy out. Default {@link defaultMaxConnections}; never more
   * than the open-file limit less 512.
   */
  maxConnections?: number
  /** Time a client has to send a request's headers, ms; default 10000 (Node: 60000). */
  headersTimeoutMs?: number
  /** Time a client has to send a whole request, ms; default 30000 (Node: 300000). */
  requestTimeoutMs?: number
  /**
   * A connection on which nothing moves for this long is closed, whatever the state of its
   * request, ms; default 60000 (nginx's proxy_read_timeout). The backstop that frees a
   * socket even if a handler never answers.
   */
  idleTimeoutMs?: number
  /** Keep-alive between requests, ms; default 65000 (longer than proxies' 60 s). */
  keepAliveTimeoutMs?: number
}

/** A node:http server with {@link ServerLimits} applied, and its connection counts. */
export interface GateServer extends Server {
  /** Connections open now, and how many were closed to make room for new ones. */
  connectionStats(): { open: number; evicted: number; refused: number }
}

/**
 * Creates the node:http server the gate listens with (`serve`, `demo`): tight header and
 * request timeouts against slow clients, an inactivity backstop, and a connection cap that
 * evicts idle connections first (see {@link ServerLimits.maxConnections}).
 */
export function createGateServer(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  limits: ServerLimits = {},
): GateServer {
  const requested = limits.maxConnections ?? defaultMaxConnections()
  if (!Number.isInteger(requested) || requested < 1)
    throw new TypeError(`maxConnections must be a positive integer, got ${String(requested)}`)
  // Never more than the descriptors the process has, less those kept for its own I/O.
  const fileLimit = openFileLimit()
  const max =
    fileLimit === undefined ? requested : Math.min(requested, Math.max(64, fileLimit - 512))
  const server = createServer(
    {
      headersTimeout: limits.headersTimeoutMs ?? 10_000,
      requestTimeout: limits.requestTimeoutMs ?? 30_000,
      keepAliveTimeout: limits.keepAliveTimeoutMs ?? 65_000,
      // How often the two timeouts above are enforced; Node's default is 30 s.
      connectionsCheckingInterval: 1000,
    },
    // One listener: the bookkeeping, then the handler (a second 'request' listener would
    // cost every request the emitter's slower path).
    (req: IncomingMessage, res: ServerResponse) => {
      track(req, res)
      handler(req, res)
    },
  ) as GateServer
  const idleTimeoutMs = limits.idleTimeoutMs ?? 60_000
  const headersTimeoutMs = limits.headersTimeoutMs ?? 10_000
  server.timeout = idleTimeoutMs

  // Idle connections in the order they became idle: the first is the one to evict. Busy
  // ones are counted apart; a socket's requests in flight are a property of its own, so
  // the per-request bookkeeping is a property, a map delete and a shared listener.
  const idle = new Map<Socket, true>()
  let busyCount = 0
  let evicted = 0
  let refused = 0

  let listened = false
  server.once('listening', () => (listened = true))
  server.on('connection', (socket: Socket) => {
    socket.once('close', () => {
      // Its responses may close before or after it; once it is destroyed, they count nothing.
      if ((socket as TrackedSocket)[IN_FLIGHT]) {
        busyCount--
        ;(socket as TrackedSocket)[IN_FLIGHT] = 0
      }
      idle.delete(socket)
    })
    if (idle.size + busyCount >= max) {
      const oldest = idle.keys().next().value
      if (oldest === undefined) {
        refused++
        socket.destroy()
        return
      }
      idle.delete(oldest)
      oldest.destroy()
      evicted++
    }
    idle.set(socket, true)
    // Node's headersTimeout starts with the first byte; a socket that never sends one gets
    // the same time, not the 60 s inactivity backstop.
    socket.setTimeout(Math.min(headersTimeoutMs, idleTimeoutMs))
  })
  const onResponseClose = function (this: ServerResponse): void {
    const socket = (this as TrackedResponse)[SOCKET]!
    if (socket.destroyed) return
    const left = --socket[IN_FLIGHT]!
    if (left > 0) return
    busyCount--
    idle.set(socket, true)
  }
  // Before the handler, so a connection counts as busy before any work starts.
  function track(req: IncomingMessage, res: ServerResponse): void {
    const socket = req.socket as TrackedSocket
    const inFlight = socket[IN_FLIGHT] ?? 0
    if (inFlight === 0) {
      // The first request ends the short wait for headers; after it, the idle backstop.
      if (socket.timeout !== idleTimeoutMs) socket.setTimeout(idleTimeoutMs)
      idle.delete(socket)
      busyCount++
    }
    socket[IN_FLIGHT] = inFlight + 1
    ;(res as TrackedResponse)[SOCKET] = socket
    res.on('close', onResponseClose)
    // Closed (draining): answer with `Connection: close`, so a keep-alive proxy stops
    // sending here and the connection ends with this response. (A server that never
    // listened, fed connections by hand, is not draining.)
    if (listened && !server.listening) res.shouldKeepAlive = false
  }
  server.connectionStats = () => ({ open: idle.size + busyCount, evicted, refused })
  return server
}

const IN_FLIGHT = Symbol('requests in flight')
const SOCKET = Symbol('socket')
/** A socket with the bookkeeping of {@link createGateServer}: its requests in flight. */
type TrackedSocket = Socket & { [IN_FLIGHT]?: number }
/** A response that knows its socket after it was detached from it. */
type TrackedResponse = ServerResponse & { [SOCKET]?: TrackedSocket }

/**
 * The default connection cap: the process's open-file limit less 512 descriptors kept for
 * Redis, OurSong, files and logs, at most 16384; 8192 where the limit cannot be read.
 */
export function defaultMaxConnections(): number {
  const limit = openFileLimit()
  if (limit === undefined) return 8192
  return Math.max(64, Math.min(16_384, limit - 512))
}

/** The process's open-file limit (Linux), or undefined where it cannot be read. */
function openFileLimit(): number | undefined {
  try {
    const line = /^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'))
    return line ? Number(line[1]) : undefined
  } catch {
    return undefined
  }
}
