import { afterEach, describe, expect, test } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { closeSync, constants, openSync, writeSync } from 'node:fs'
import {
  link,
  mkdir,
  mkdtemp,
  rename,
  rm,
  symlink,
  truncate,
  utimes,
  writeFile,
} from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { FileTooLargeError } from '../../src/util/read-limited.js'
import { watchFile, type ReloadEvent, type WatchedFile } from '../../src/util/watched-file.js'
import type { Logger } from '../../src/util/logger.js'

interface Rules {
  version: number
}

let parseCalls = 0
function parseRules(text: string): Rules {
  parseCalls += 1
  const value: unknown = JSON.parse(text)
  if (typeof value !== 'object' || value === null || 'bad' in value) throw new Error('bad rules')
  if (!('version' in value) || typeof value.version !== 'number') throw new Error('no version')
  return { version: value.version }
}

const rules = (version: number): string => JSON.stringify({ version })
const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex')
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))
// Long enough for many polls and debounces at the short intervals the tests use.
const QUIET_MS = 400

/** Collects onReload events; `next` resolves on the first (past or future) match. */
function recorder() {
  const events: ReloadEvent[] = []
  const waiters: { match: (e: ReloadEvent) => boolean; resolve: (e: ReloadEvent) => void }[] = []
  return {
    events,
    onReload(event: ReloadEvent): void {
      events.push(event)
      for (const waiter of waiters.filter((w) => w.match(event))) {
        waiters.splice(waiters.indexOf(waiter), 1)
        waiter.resolve(event)
      }
    },
    next(match: (e: ReloadEvent) => boolean): Promise<ReloadEvent> {
      const seen = events.find(match)
      if (seen !== undefined) return Promise.resolve(seen)
      return new Promise((resolve) => waiters.push({ match, resolve }))
    },
  }
}
const applied = (text: string) => (e: ReloadEvent) => e.ok && e.hash === sha256(text)
const failed = (e: ReloadEvent) => !e.ok

const open: WatchedFile<Rules>[] = []
const dirs: string[] = []
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'vibegate-watched-file-'))
  dirs.push(dir)
  return dir
}
async function start(
  file: string,
  options: { debounceMs?: number; pollIntervalMs?: number; logger?: Logger } = {},
) {
  const events = recorder()
  const watched = await watchFile({
    file,
    parse: parseRules,
    debounceMs: 10,
    pollIntervalMs: 50,
    ...options,
    onReload: (e) => events.onReload(e),
  })
  open.push(watched)
  return { watched, events }
}
async function writeAtomically(file: string, text: string): Promise<void> {
  const temp = `${file}.tmp-${process.pid}`
  await writeFile(temp, text)
  await rename(temp, file)
}

/** Writes to a FIFO if a reader has it open (true), without ever blocking. */
function tryWrite(fifo: string, text: string): boolean {
  let fd: number
  try {
    fd = openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK)
  } catch (error) {
    if (typeof error === 'object' && error !== null && 'code' in error && error.code === 'ENXIO') {
      return false
    }
    throw error
  }
  try {
    writeSync(fd, text)
  } finally {
    closeSync(fd)
  }
  return true
}
async function writeToReader(fifo: string, text: string): Promise<void> {
  for (let i = 0; i < 200; i += 1) {
    if (tryWrite(fifo, text)) return
    await sleep(10)
  }
  throw new Error('no reader opened the FIFO')
}

afterEach(async () => {
  await Promise.all(open.splice(0).map((w) => w.close()))
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })))
})

describe('watchFile', () => {
  test('loads the file before resolving', async () => {
    const file = join(await tempDir(), 'rules.json')
    await writeFile(file, rules(1))
    const { watched, events } = await start(file)
    expect(watched.current()).toEqual({ version: 1 })
    expect(watched.hash).toBe(sha256(rules(1)))
    expect(events.events).toEqual([])
  })

  test('rejects when the file is missing at start', async () => {
    const file = join(await tempDir(), 'missing.json')
    await expect(watchFile({ file, parse: parseRules })).rejects.toMatchObject({ code: 'ENOENT' })
  })

  test('rejects with the parse error when the file is invalid at start', async () => {
    const file = join(await tempDir(), 'rules.json')
    await writeFile(file, '{"bad": true}')
    await expect(watchFile({ file, parse: parseRules })).rejects.toThrow('bad rules')
  })

  test.each([
    ['debounceMs', { debounceMs: -1 }],
    ['pollIntervalMs', { pollIntervalMs: 0 }],
    ['pollIntervalMs', { pollIntervalMs: Number.NaN }],
  ])('rejects a bad %s with a TypeError naming it', async (option, bad) => {
    const file = join(await tempDir(), 'rules.json')
    await writeFile(file, rules(1))
    const result = watchFile({ file, parse: parseRules, ...bad })
    await expect(result).rejects.toThrow(TypeError)
    await expect(result).rejects.toThrow(option)
  })

  // Polling is effectively off in these, so they prove the directory watch (and its filter).
  describe('applies a change seen by the directory watch', () => {
    const watchOnly = { pollIntervalMs: 60_000 }

    test('a plain in-place write', async () => {
      const file = join(await tempDir(), 'rules.json')
      await writeFile(file, rules(1))
      const { watched, events } = await start(file, watchOnly)
      await writeFile(file, rules(2))
      await events.next(applied(rules(2)))
      expect(watched.current()).toEqual({ version: 2 })
      expect(watched.hash).toBe(sha256(rules(2)))
    })

    test('an atomic replace (temp file renamed over)', async () => {
      const file = join(await tempDir(), 'rules.json')
      await writeFile(file, rules(1))
      const { watched, events } = await start(file, watchOnly)
      await writeAtomically(file, rules(2))
      await events.next(applied(rules(2)))
      expect(watched.current()).toEqual({ version: 2 })
    })

    test('a Kubernetes ConfigMap symlink swap', async () => {
      const dir = await tempDir()
      await mkdir(join(dir, '..2026_a'))
      await writeFile(join(dir, '..2026_a', 'rules.json'), rules(1))
      await symlink('..2026_a', join(dir, '..data'))
      await symlink(join('..data', 'rules.json'), join(dir, 'rules.json'))
      const { watched, events } = await start(join(dir, 'rules.json'), watchOnly)
      expect(watched.current()).toEqual({ version: 1 })

      await mkdir(join(dir, '..2026_b'))
      await writeFile(join(dir, '..2026_b', 'rules.json'), rules(2))
      await symlink('..2026_b', join(dir, '..data_tmp'))
      await rename(join(dir, '..data_tmp'), join(dir, '..data'))
      await rm(join(dir, '..2026_a'), { recursive: true })
      await events.next(applied(rules(2)))
      expect(watched.current()).toEqual({ version: 2 })
    })
  })

  test('the poll applies a change the watch cannot see (symlink to another directory)', async () => {
    const target = join(await tempDir(), 'real.json')
    await writeFile(target, rules(1))
    const file = join(await tempDir(), 'rules.json')
    await symlink(target, file)
    const { watched, events } = await start(file, { pollIntervalMs: 30 })
    await writeFile(target, rules(2))
    await events.next(applied(rules(2)))
    expect(watched.current()).toEqual({ version: 2 })
  })

  test('with the default intervals a change applies promptly', async () => {
    const file = join(await tempDir(), 'rules.json')
    await writeFile(file, rules(1))
    const events = recorder()
    const watched = await watchFile({
      file,
      parse: parseRules,
      onReload: (e) => events.onReload(e),
    })
    open.push(watched)
    await writeAtomically(file, rules(2))
    await events.next(applied(rules(2)))
    expect(watched.current()).toEqual({ version: 2 })
  }, 10_000)

  test('a broken file keeps the previous value, is reported once, and a fix applies', async () => {
    const file = join(await tempDir(), 'rules.json')
    await writeFile(file, rules(1))
    const logged: { level: string; obj: object; msg: string | undefined }[] = []
    const logger: Logger = {
      debug: (obj, msg) => logged.push({ level: 'debug', obj, msg }),
      info: (obj, msg) => logged.push({ level: 'info', obj, msg }),
      warn: (obj, msg) => logged.push({ level: 'warn', obj, msg }),
      error: (obj, msg) => logged.push({ level: 'error', obj, msg }),
      child: () => logger,
    }
    const { watched, events } = await start(file, { logger })

    await writeAtomically(file, '{"bad": true}')
    const failure = await events.next(failed)
    expect(failure).toMatchObject({ ok: false, file, error: new Error('bad rules') })
    expect(watched.current()).toEqual({ version: 1 })
    expect(watched.hash).toBe(sha256(rules(1)))
    expect(logged).toContainEqual(
      expect.objectContaining({ level: 'error', obj: { file, error: 'bad rules' } }),
    )
    expect(JSON.stringify(logged)).not.toContain('"bad": true')

    // Still broken: polls and explicit reloads do not report it again.
    await utimes(file, new Date(), new Date(Date.now() + 60_000))
    await sleep(QUIET_MS)
    expect(await watched.reload()).toMatchObject({ ok: false })
    expect(events.events.filter(failed)).toHaveLength(1)

    await writeAtomically(file, rules(3))
    await events.next(applied(rules(3)))
    expect(watched.current()).toEqual({ version: 3 })
  })

  test('restoring the content in force after a failure reports recovery', async () => {
    const file = join(await tempDir(), 'rules.json')
    await writeFile(file, rules(1))
    const { watched, events } = await start(file)
    await writeAtomically(file, '{"bad": true}')
    await events.next(failed)
    await writeAtomically(file, rules(1))
    await events.next(applied(rules(1)))
    expect(watched.current()).toEqual({ version: 1 })
  })

  test('a missing file is reported, and its return applies', async () => {
    const file = join(await tempDir(), 'rules.json')
    await writeFile(file, rules(1))
    const { watched, events } = await start(file)
    await rm(file)
    expect(await events.next(failed)).toMatchObject({ error: { code: 'ENOENT' } })
    expect(watched.current()).toEqual({ version: 1 })
    expect(await watched.reload()).toMatchObject({ ok: false, error: { code: 'ENOENT' } })
    expect(events.events.filter(failed)).toHaveLength(1)
    await writeFile(file, rules(2))
    await events.next(applied(rules(2)))
    expect(watched.current()).toEqual({ version: 2 })
  })

  test('survives its directory being removed and picks up the recreated file', async () => {
    const dir = join(await tempDir(), 'config')
    const file = join(dir, 'rules.json')
    await mkdir(dir)
    await writeFile(file, rules(1))
    const { watched, events } = await start(file, { pollIntervalMs: 30 })
    await rm(dir, { recursive: true })
    await events.next(failed)
    await mkdir(dir)
    await writeFile(file, rules(2))
    await events.next(applied(rules(2)))
    expect(watched.current()).toEqual({ version: 2 })
  })

  test('unchanged content (touch) is not an event', async () => {
    const file = join(await tempDir(), 'rules.json')
    await writeFile(file, rules(1))
    const { watched, events } = await start(file)
    parseCalls = 0
    await utimes(file, new Date(), new Date(Date.now() + 60_000))
    await writeAtomically(file, rules(1))
    await sleep(QUIET_MS)
    expect(await watched.reload()).toEqual({ ok: true, file, hash: sha256(rules(1)) })
    expect(events.events).toEqual([])
    expect(parseCalls).toBe(0)
  })

  test('close() stops further reloads and is idempotent', async () => {
    const file = join(await tempDir(), 'rules.json')
    await writeFile(file, rules(1))
    const { watched, events } = await start(file)
    await watched.close()
    await writeAtomically(file, rules(2))
    await sleep(QUIET_MS)
    expect(await watched.reload()).toEqual({ ok: true, file, hash: sha256(rules(1)) })
    expect(watched.current()).toEqual({ version: 1 })
    expect(events.events).toEqual([])
    await expect(watched.close()).resolves.toBeUndefined()
  })

  describe('serializes reloads', () => {
    const explicitOnly = { debounceMs: 60_000, pollIntervalMs: 60_000 }

    test('concurrent reload() calls never parse concurrently and share one follow-up', async () => {
      const file = join(await tempDir(), 'rules.json')
      await writeFile(file, rules(1))
      let active = 0
      let maxActive = 0
      let calls = 0
      const watched = await watchFile({
        file,
        ...explicitOnly,
        parse: (text) => {
          active += 1
          calls += 1
          maxActive = Math.max(maxActive, active)
          try {
            return parseRules(text)
          } finally {
            active -= 1
          }
        },
      })
      open.push(watched)
      await writeAtomically(file, rules(2))
      const results = await Promise.all(Array.from({ length: 10 }, () => watched.reload()))
      expect(results.every((r) => r.ok && r.hash === sha256(rules(2)))).toBe(true)
      expect(maxActive).toBe(1)
      // The first load and one for the change; the follow-up found the same hash.
      expect(calls).toBe(2)
    })

    // A FIFO makes each read wait until the test writes, so reads that overlapped would split
    // one write between them (one sees an empty file). The test never blocks on the FIFO:
    // it writes only once a reader is waiting, and in the end releases any reader left.
    const fifoTest = process.platform === 'win32' ? test.skip : test
    fifoTest('a reload requested while one reads waits for it, then reads afresh', async () => {
      const dir = await tempDir()
      const file = join(dir, 'rules.json')
      const fifo = join(dir, 'fifo')
      await writeFile(file, rules(1))
      const { watched, events } = await start(file, explicitOnly)
      execFileSync('mkfifo', [fifo])
      await rm(file)
      await link(fifo, file)
      try {
        const first = watched.reload()
        const second = watched.reload()
        expect(watched.reload()).toBe(second)
        await writeToReader(fifo, rules(2))
        expect(await first).toEqual({ ok: true, file, hash: sha256(rules(2)) })
        await writeToReader(fifo, rules(3))
        expect(await second).toEqual({ ok: true, file, hash: sha256(rules(3)) })
        expect(watched.current()).toEqual({ version: 3 })
        expect(events.events.filter(failed)).toEqual([])
      } finally {
        await writeAtomically(file, rules(0))
        for (let i = 0; i < 20; i += 1) {
          if (!tryWrite(fifo, '')) await sleep(10)
        }
      }
    })

    test('the last write wins when writes and reloads interleave', async () => {
      const file = join(await tempDir(), 'rules.json')
      await writeFile(file, rules(0))
      const { watched } = await start(file, explicitOnly)
      const pending: Promise<ReloadEvent>[] = []
      for (let version = 1; version <= 5; version += 1) {
        await writeAtomically(file, rules(version))
        pending.push(watched.reload())
      }
      await Promise.all(pending)
      expect(watched.current()).toEqual({ version: 5 })
    })
  })

  describe('with an asynchronous parser and a size limit', () => {
    /** An asynchronous parser whose calls wait until `release()` is called. */
    function gatedParser() {
      const waiting: (() => void)[] = []
      return {
        parseBytes: async (bytes: Buffer): Promise<Rules> => {
          await new Promise<void>((resolve) => waiting.push(resolve))
          return parseRules(bytes.toString('utf8'))
        },
        release: () => waiting.splice(0).forEach((resolve) => resolve()),
        pending: () => waiting.length,
      }
    }

    test('parseBytes gets the bytes and its value applies once it resolves', async () => {
      const file = join(await tempDir(), 'rules.json')
      await writeFile(file, rules(1))
      const parser = gatedParser()
      const started = watchFile({ file, parseBytes: parser.parseBytes, pollIntervalMs: 50 })
      while (parser.pending() === 0) await sleep(5)
      parser.release()
      const watched = await started
      open.push(watched)
      expect(watched.current()).toEqual({ version: 1 })
      await writeAtomically(file, rules(2))
      const reloading = watched.reload()
      while (parser.pending() === 0) await sleep(5)
      // Until the parse resolves, the previous value stays in force.
      expect(watched.current()).toEqual({ version: 1 })
      parser.release()
      expect(await reloading).toEqual({ ok: true, file, hash: sha256(rules(2)) })
      expect(watched.current()).toEqual({ version: 2 })
    })

    test('a rejected parseBytes keeps the previous value and is reported', async () => {
      const file = join(await tempDir(), 'rules.json')
      await writeFile(file, rules(1))
      const events = recorder()
      const watched = await watchFile({
        file,
        parseBytes: async (bytes) => parseRules(bytes.toString('utf8')),
        onReload: (e) => events.onReload(e),
      })
      open.push(watched)
      await writeAtomically(file, '{"bad": true}')
      expect(await watched.reload()).toMatchObject({ ok: false, error: { message: 'bad rules' } })
      expect(watched.current()).toEqual({ version: 1 })
      expect(events.events.filter(failed)).toHaveLength(1)
    })

    test('close() while a parse runs reports nothing and keeps the value', async () => {
      const file = join(await tempDir(), 'rules.json')
      await writeFile(file, rules(1))
      const events = recorder()
      const parser = gatedParser()
      const started = watchFile({
        file,
        parseBytes: parser.parseBytes,
        onReload: (e) => events.onReload(e),
      })
      while (parser.pending() === 0) await sleep(5)
      parser.release()
      const watched = await started
      await writeAtomically(file, rules(2))
      const reloading = watched.reload()
      while (parser.pending() === 0) await sleep(5)
      const closing = watched.close()
      parser.release()
      await closing
      expect(await reloading).toEqual({ ok: true, file, hash: sha256(rules(1)) })
      expect(watched.current()).toEqual({ version: 1 })
      expect(events.events).toEqual([])
    })

    test('a retryable failure is reported once, and the same content is parsed again', async () => {
      const file = join(await tempDir(), 'rules.json')
      await writeFile(file, rules(1))
      const events = recorder()
      let failing = true
      const watched = await watchFile({
        file,
        parseBytes: async (bytes) => {
          const value = parseRules(bytes.toString('utf8'))
          if (failing && value.version === 2) {
            throw Object.assign(new Error('the parser timed out'), { retryable: true })
          }
          return value
        },
        onReload: (e) => events.onReload(e),
      })
      open.push(watched)
      await writeAtomically(file, rules(2))
      expect(await watched.reload()).toMatchObject({ ok: false })
      expect(await watched.reload()).toMatchObject({ ok: false })
      expect(events.events.filter(failed)).toHaveLength(1)
      failing = false
      expect(await watched.reload()).toEqual({ ok: true, file, hash: sha256(rules(2)) })
      expect(watched.current()).toEqual({ version: 2 })
    })

    test.each([
      ['both', { parse: parseRules, parseBytes: async () => ({ version: 1 }) }],
      ['neither', {}],
    ])('%s of parse and parseBytes is a TypeError', async (_, parsers) => {
      const file = join(await tempDir(), 'rules.json')
      await writeFile(file, rules(1))
      await expect(watchFile({ file, ...parsers })).rejects.toThrow(TypeError)
    })

    // Sparse: the size is on record, the bytes are not; reading them would take minutes.
    const HUGE = 64 * 1024 ** 3

    test('a file beyond maxBytes at start is refused without being read', async () => {
      const file = join(await tempDir(), 'rules.json')
      await writeFile(file, '')
      await truncate(file, HUGE)
      const error = await watchFile({ file, parse: parseRules, maxBytes: 1024 }).catch(
        (e: unknown) => e,
      )
      expect(error).toBeInstanceOf(FileTooLargeError)
      expect(error).toMatchObject({ code: 'file_too_large', size: HUGE, maxBytes: 1024, file })
    })

    test('a reload beyond maxBytes keeps the value and is reported once', async () => {
      const file = join(await tempDir(), 'rules.json')
      await writeFile(file, rules(1))
      const events = recorder()
      const watched = await watchFile({
        file,
        parse: parseRules,
        maxBytes: 1024,
        debounceMs: 10,
        pollIntervalMs: 50,
        onReload: (e) => events.onReload(e),
      })
      open.push(watched)
      const big = join(dirname(file), 'big.json')
      await writeFile(big, '')
      await truncate(big, HUGE)
      await rename(big, file)
      const event = await events.next(failed)
      expect(event).toMatchObject({ ok: false, error: { code: 'file_too_large', size: HUGE } })
      expect(watched.current()).toEqual({ version: 1 })
      await sleep(QUIET_MS)
      expect(events.events.filter(failed)).toHaveLength(1)
    })

    test('maxBytes must be a non-negative integer', async () => {
      const file = join(await tempDir(), 'rules.json')
      await writeFile(file, rules(1))
      await expect(watchFile({ file, parse: parseRules, maxBytes: -1 })).rejects.toThrow(/maxBytes/)
    })
  })
})
