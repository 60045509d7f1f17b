import { describe, expect, test } from '@jest/globals'
import { createServer, type AddressInfo, type Server } from 'node:net'
import { runCliCaptured } from '../helpers/run-cli.js'

describe('vibegate demo', () => {
  test('a busy port: exit 1 saying so, and how to pick another', async () => {
    const holder: Server = createServer()
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve))
    const port = (holder.address() as AddressInfo).port
    try {
      const { code, stdout, stderr } = await runCliCaptured(['demo', '--port', String(port)])
      expect(code).toBe(1)
      expect(stdout).toBe('')
      expect(stderr).toBe(
        `vibegate demo: port ${port} is already in use (another demo or server is listening there); stop it, or pick a free port with --port N, e.g. --port ${port + 1}\n`,
      )
    } finally {
      holder.close()
    }
  })
})
