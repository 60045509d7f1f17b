import { afterEach, describe, expect, test } from '@jest/globals'
import { chmod, mkdtemp, rename, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateKeySet, KeySetError, type PrivateJwk } from '../../src/tokens/key-set.js'
import { watchKeys, type KeysReloadEvent } from '../../src/tokens/watch-keys.js'
import { recordingLogger } from '../helpers/recording-logger.js'

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup()
})

async function setup(keys: PrivateJwk[]): Promise<{ dir: string; file: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'vibegate-watch-keys-'))
  cleanups.push(() => rm(dir, { recursive: true, force: true }))
  const file = join(dir, 'keys.json')
  await writeFile(file, JSON.stringify({ keys }), { mode: 0o600 })
  await chmod(file, 0o600)
  return { dir, file }
}

async function key(kid: string): Promise<PrivateJwk> {
  return (await generateKeySet({ kid })).keys[0]!
}

/** Replaces the file atomically, so the watcher never reads half of it. */
async function replace(file: string, text: string): Promise<void> {
  const temp = `${file}.${Math.random().toString(36).slice(2)}.tmp`
  await writeFile(temp, text, { mode: 0o600 })
  await rename(temp, file)
}

function nextEvent(): {
  onReload: (e: KeysReloadEvent) => void
  next: () => Promise<KeysReloadEvent>
} {
  let resolve: (e: KeysReloadEvent) => void = () => undefined
  let pending = new Promise<KeysReloadEvent>((r) => (resolve = r))
  return {
    onReload: (e) => {
      resolve(e)
      pending = new Promise<KeysReloadEvent>((r) => (resolve = r))
    },
    next: () => pending,
  }
}

describe('watchKeys', () => {
  test('a rotated file (atomic rename) applies without a restart', async () => {
    const a = await key('a')
    const { file } = await setup([a])
    const events = nextEvent()
    const keys = await watchKeys({ file, onReload: events.onReload, pollIntervalMs: 50 })
    cleanups.push(() => keys.close())
    expect(keys.current().signing.kid).toBe('a')

    const b = await key('b')
    const next = events.next()
    await replace(file, JSON.stringify({ keys: [b, a] }))
    expect(await next).toEqual({ ok: true, file, signingKid: 'b', kids: ['b', 'a'] })
    expect(keys.current().signing.kid).toBe('b')
    expect(keys.current().publicJwks.keys.map((k) => k.kid)).toEqual(['b', 'a'])
  })

  test('a broken file keeps the previous keys and is logged without key material', async () => {
    const a = await key('a')
    const { file } = await setup([a])
    const logger = recordingLogger()
    const events = nextEvent()
    const keys = await watchKeys({ file, logger, onReload: events.onReload, pollIntervalMs: 50 })
    cleanups.push(() => keys.close())

    const b = await key('b')
    const next = events.next()
    // Two problems, one of them a syntax error that V8 would describe by quoting the text.
    await replace(file, `{"keys": [{"d": "${b.d}" "x": "${b.x}", "kid": "b"}]}`)
    const event = await next
    expect(event.ok).toBe(false)
    expect(event.ok === false && event.error).toBeInstanceOf(KeySetError)
    expect(keys.current().signing.kid).toBe('a')

    const next2 = events.next()
    await replace(file, JSON.stringify({ keys: [{ ...b, alg: 'ES256' }, a] }))
    const event2 = await next2
    expect(event2.ok === false && event2.error.problems).toEqual([
      expect.stringMatching(/keys\.json: keys\[0\]\.kty: must be "EC"/),
      expect.stringMatching(/keys\[0\]\.crv: must be "P-256"/),
      expect.stringMatching(/keys\[0\]\.y: missing/),
    ])
    expect(keys.current().signing.kid).toBe('a')

    const logged = JSON.stringify(logger.lines)
    expect(logged).toMatch(/keys\[0\]\.crv/)
    for (const secret of [a.d, a.x, b.d, b.x]) expect(logged).not.toContain(secret)
  })

  test('a broken or missing file at start is refused with a KeySetError', async () => {
    const { file } = await setup([])
    await expect(watchKeys({ file })).rejects.toThrow(KeySetError)
    const missing = join(file, '..', 'missing.json')
    const error = await watchKeys({ file: missing }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(KeySetError)
    expect((error as KeySetError).problems).toEqual([`${missing}: cannot read the file (ENOENT)`])
  })

  test('warns when the file is readable by others', async () => {
    const { file } = await setup([await key('a')])
    await chmod(file, 0o644)
    const logger = recordingLogger()
    const keys = await watchKeys({ file, logger })
    cleanups.push(() => keys.close())
    expect(logger.lines.some((l) => l.level === 'warn' && /mode 0644/.test(l.msg ?? ''))).toBe(true)
  })
})
