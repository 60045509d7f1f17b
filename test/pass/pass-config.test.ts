import { describe, expect, test } from '@jest/globals'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Redis } from 'ioredis'
import { loadConfig } from '../../src/config/load-config.js'
import { createPassEpoch } from '../../src/pass/pass-epoch.js'
import { fakeClock } from '../helpers/fake-clock.js'
import { runCliCaptured } from '../helpers/run-cli.js'

const minimal = { OURSONG_API_KEY: 'k', OURSONG_API_SECRET: 's' }

describe('VIBEGATE_PASS_SECRET and VIBEGATE_PASS_EPOCH_FILE', () => {
  test('unset: passes off, no file', () => {
    expect(loadConfig(minimal)).toMatchObject({ passSecrets: [], passEpochFile: undefined })
  })

  test('comma-separated secrets, trimmed; the first signs', () => {
    const a = 'a'.repeat(32)
    const b = 'b'.repeat(40)
    expect(loadConfig({ ...minimal, VIBEGATE_PASS_SECRET: ` ${a} , ${b}` }).passSecrets).toEqual([
      a,
      b,
    ])
  })

  test('a short secret is a problem naming the variable, never the secret', () => {
    const short = 'tooshort-secret'
    let message = ''
    try {
      loadConfig({ ...minimal, VIBEGATE_PASS_SECRET: `${'a'.repeat(32)},${short}` })
    } catch (err) {
      message = (err as Error).message
    }
    expect(message).toContain(
      'VIBEGATE_PASS_SECRET: secret 2 of 2 is 15 characters; each must be at least 32',
    )
    expect(message).not.toContain(short)
  })

  test('the epoch file must be in an existing directory', () => {
    expect(() =>
      loadConfig({
        ...minimal,
        VIBEGATE_PASS_SECRET: 'a'.repeat(32),
        VIBEGATE_PASS_EPOCH_FILE: '/nonexistent-dir/epoch',
      }),
    ).toThrow(/VIBEGATE_PASS_EPOCH_FILE: the directory "\/nonexistent-dir" of/)
    const config = loadConfig({ ...minimal, VIBEGATE_PASS_EPOCH_FILE: join(tmpdir(), 'epoch') })
    expect(config.warnings.join('\n')).toContain('VIBEGATE_PASS_EPOCH_FILE is set but')
  })
})

describe('pass epoch while Redis cannot be read', () => {
  test('issues nothing and removes the file after 3 s; restores both when Redis answers', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pass-stale-'))
    const file = join(dir, 'epoch')
    const clock = fakeClock()
    let down = false
    const redis = {
      eval: async (script: string) => {
        if (down) throw new Error('connection refused')
        return script.includes('ZRANGE') ? ['100', ['u-1', '1767225600']] : 0
      },
    } as unknown as Redis
    const epoch = createPassEpoch({ redis, file, clock, refreshMs: 5 })
    await epoch.start('f')
    expect(epoch.current()).toBe(100)
    expect(await readFile(file, 'utf8')).toBe('100\nu-1 1767225600\n')
    down = true
    clock.advance(3000)
    expect(epoch.current()).toBe(100)
    clock.advance(1)
    expect(epoch.current()).toBeUndefined()
    for (let i = 0; i < 100 && existsSync(file); i++) await new Promise((r) => setTimeout(r, 5))
    expect(existsSync(file)).toBe(false)
    down = false
    for (let i = 0; i < 100 && !existsSync(file); i++) await new Promise((r) => setTimeout(r, 5))
    expect(epoch.current()).toBe(100)
    expect(await readFile(file, 'utf8')).toBe('100\nu-1 1767225600\n')
    await epoch.close()
  })
})

describe('pass epoch changes Redis did not take', () => {
  test('at start and after a failed move: unknown (no passes) until the retry records it', async () => {
    const clock = fakeClock()
    let down = true
    const scripts: string[] = []
    let value = 100
    const redis = {
      eval: async (script: string) => {
        if (down) throw new Error('connection refused')
        scripts.push(
          script.includes('ZRANGE')
            ? 'read'
            : script.includes("GET', KEYS[2]")
              ? 'settle'
              : 'advance',
        )
        if (script.includes('ZRANGE')) return [String(value), []]
        return ++value
      },
    } as unknown as Redis
    const epoch = createPassEpoch({ redis, clock, refreshMs: 5 })
    await epoch.start('f')
    expect(epoch.current()).toBeUndefined()
    down = false
    for (let i = 0; i < 100 && epoch.current() === undefined; i++)
      await new Promise((r) => setTimeout(r, 5))
    // The fingerprint is recorded before the state counts as known.
    expect(scripts.slice(0, 2)).toEqual(['settle', 'read'])
    expect(epoch.current()).toBe(101)
    down = true
    await expect(epoch.advance('operator purge')).rejects.toThrow(/pass epoch/)
    expect(epoch.current()).toBeUndefined()
    scripts.length = 0
    down = false
    for (let i = 0; i < 100 && epoch.current() === undefined; i++)
      await new Promise((r) => setTimeout(r, 5))
    expect(scripts.slice(0, 2)).toEqual(['advance', 'read'])
    expect(epoch.current()).toBe(102)
    await epoch.close()
  })
})

describe('vibegate rules check with passes', () => {
  test('shows each pass rule; a public pass rule is an error with its position', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pass-cli-'))
    const good = join(dir, 'good.yaml')
    await writeFile(
      good,
      'version: 1\nrules:\n  - id: a\n    match: { paths: [/a/**, /media/stream/admin/**] }\n    access: public\n  - id: stream\n    match: { paths: [/media/stream/**] }\n    require: { vibe: nxwyqqow }\n    pass: { ttl: 60s }\n',
    )
    const ok = await runCliCaptured(['rules', 'check', good])
    expect(ok.code).toBe(0)
    expect(ok.stdout).toContain(
      '  rule "stream": edge pass 60s, cookie Path=/media/stream/, p /media/stream/**, n 1 earlier pattern\n',
    )
    const bad = join(dir, 'bad.yaml')
    await writeFile(
      bad,
      'version: 1\nrules:\n  - id: a\n    match: { paths: [/a/**] }\n    access: public\n    pass: { ttl: 60s }\n',
    )
    const refused = await runCliCaptured(['rules', 'check', bad])
    expect(refused.code).toBe(1)
    expect(refused.stderr).toBe(
      `${bad}:6:11: rules[0].pass: rule "a" is public: a pass has no use there (anyone may read these paths); remove "pass"\n`,
    )
  })
})
