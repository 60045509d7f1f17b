import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createSimulator, type CreateSimulatorOptions, type Simulator } from './create-simulator.js'

/** Options of {@link startSimulator}. */
export interface StartSimulatorOptions extends CreateSimulatorOptions {
  /** TCP port; default 0 (an ephemeral port). */
  port?: number
  /** Listening address; default 127.0.0.1. */
  host?: string
}

/** A listening simulator. */
export interface RunningSimulator {
  /** `http://host:port`, no trailing slash. */
  url: string
  /** The simulator behind the server, for direct access to its controls. */
  simulator: Simulator
  /** Stops listening and closes every connection, keep-alive ones included. Idempotent. */
  close(): Promise<void>
}

/**
 * Starts the simulator on node:http. `publicUrl` defaults to the listening URL, so
 * generated links (uploads, token-spec end points) point back at this simulator.
 */
export async function startSimulator(options: StartSimulatorOptions): Promise<RunningSimulator> {
  const host = options.host ?? '127.0.0.1'
  const server = createServer()
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  let closing: Promise<void> | undefined
  const closeServer = (): Promise<void> =>
    (closing ??= new Promise<void>((resolve) => {
      server.close(() => resolve())
      server.closeAllConnections()
    }))
  const { port } = server.address() as AddressInfo
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`
  let simulator: Simulator
  try {
    simulator = createSimulator({ ...options, publicUrl: options.publicUrl ?? url })
  } catch (error) {
    await closeServer()
    throw error
  }
  // Attached before any connection can be served: 'request' events start on a later tick.
  server.on('request', simulator.handler)
  return { url, simulator, close: closeServer }
}
