import { createServer } from 'node:net'

/**
 * A TCP port that is free now, below the ephemeral range (32768-60999), whose ports collide
 * with the sockets nginx opens for subrequests; for a child process that must be told one.
 */
export async function freeLowPort(): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 12_000)
    const server = createServer()
    const free = await new Promise<boolean>((resolve) => {
      server.once('error', () => resolve(false))
      server.listen(port, '127.0.0.1', () => resolve(true))
    })
    if (free) {
      await new Promise((resolve) => server.close(resolve))
      return port
    }
  }
}
