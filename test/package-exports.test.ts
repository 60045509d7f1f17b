import { describe, expect, test } from '@jest/globals'
import { execFile } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { posix } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

const run = promisify(execFile)

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  bin: Record<string, string>
  exports: Record<string, string | { types: string; default: string }>
}

describe('package.json', () => {
  test.each(Object.entries(pkg.exports).filter(([, target]) => typeof target !== 'string'))(
    'export %s points at built files',
    async (name, target) => {
      const { types, default: entry } = target as { types: string; default: string }
      expect(existsSync(new URL(`../${types}`, import.meta.url))).toBe(true)
      expect(existsSync(new URL(`../${entry}`, import.meta.url))).toBe(true)
      const module = (await import(new URL(`../${entry}`, import.meta.url).href)) as Record<
        string,
        unknown
      >
      const expected: Record<string, string> = {
        '.': 'createGate',
        './verify': 'requireGateToken',
        './oursong': 'createOurSongClient',
        './simulator': 'startSimulator',
      }
      expect(typeof module[expected[name]!]).toBe('function')
    },
  )

  test('the main entry exports createLogger', async () => {
    const main = (await import(new URL('../dist/index.js', import.meta.url).href)) as Record<
      string,
      unknown
    >
    expect(typeof main.createLogger).toBe('function')
  })

  test('every source map in dist is published with the sources it points to', async () => {
    const { stdout } = await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
    })
    const [packed] = JSON.parse(stdout) as [{ files: { path: string }[] }]
    const published = new Set(packed.files.map((f) => f.path))
    const maps = [...published].filter((p) => p.startsWith('dist/') && p.endsWith('.js.map'))
    expect(maps.length).toBeGreaterThan(10)
    const missing: string[] = []
    for (const map of maps) {
      const { sources } = JSON.parse(
        readFileSync(new URL(`../${map}`, import.meta.url), 'utf8'),
      ) as { sources: string[] }
      for (const source of sources) {
        const target = posix.normalize(posix.join(posix.dirname(map), source))
        if (!published.has(target)) missing.push(`${map} -> ${target}`)
      }
    }
    expect(missing).toEqual([])
    for (const js of [...published].filter((p) => p.startsWith('dist/') && p.endsWith('.js'))) {
      const text = readFileSync(new URL(`../${js}`, import.meta.url), 'utf8')
      if (text.includes('//# sourceMappingURL=')) expect(published.has(`${js}.map`)).toBe(true)
    }
  }, 60_000)

  test('the bin is the built CLI', () => {
    expect(pkg.bin.vibegate).toBe('dist/cli.js')
    expect(
      readFileSync(new URL('../dist/cli.js', import.meta.url), 'utf8').startsWith(
        '#!/usr/bin/env node',
      ),
    ).toBe(true)
  })
})
