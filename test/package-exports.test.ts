import { describe, expect, test } from '@jest/globals'
import { existsSync, readFileSync } from 'node:fs'

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

  test('the bin is the built CLI', () => {
    expect(pkg.bin.vibegate).toBe('dist/cli.js')
    expect(
      readFileSync(new URL('../dist/cli.js', import.meta.url), 'utf8').startsWith(
        '#!/usr/bin/env node',
      ),
    ).toBe(true)
  })
})
