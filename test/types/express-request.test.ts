import { describe, expect, test } from '@jest/globals'
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

const run = promisify(execFile)
const root = fileURLToPath(new URL('../../', import.meta.url))

describe('published types', () => {
  // Against dist (npm run build first), through package.json `exports`, as a consumer compiles.
  test('req.vibegate is typed in Express handlers of a program that imports vibegate', async () => {
    const tsc = fileURLToPath(new URL('../../node_modules/typescript/bin/tsc', import.meta.url))
    const result = await run(
      process.execPath,
      [tsc, '-p', 'test/types/express-request/tsconfig.json'],
      { cwd: root },
    ).then(
      () => ({ code: 0, stdout: '' }),
      (error: { code: number; stdout: string }) => error,
    )
    expect(result.stdout).toBe('')
    expect(result.code).toBe(0)
  }, 60_000)
})
