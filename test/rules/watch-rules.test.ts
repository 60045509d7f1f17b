import { afterEach, describe, expect, test } from '@jest/globals'
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { resolveRule } from '../../src/rules/resolve-rule.js'
import { rulesWorkerUrl } from '../../src/rules/check-rules-in-worker.js'
import { RulesFileError } from '../../src/rules/load-rules.js'
import { watchRules, type RulesSource, type RulesStatus } from '../../src/rules/watch-rules.js'
import { largeRulesText } from '../helpers/large-rules.js'
import { recordingLogger, type LoggedLine } from '../helpers/recording-logger.js'

const rulesFor = (access: 'public' | 'authenticated'): string =>
  `version: 1\nrules:\n  - { id: home, match: { paths: ["/"] }, access: ${access} }\n`

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup()
})

async function setup(text: string): Promise<{ dir: string; file: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'vibegate-watch-rules-'))
  const file = join(dir, 'rules.yaml')
  await writeFile(file, text)
  cleanups.push(() => rm(dir, { recursive: true, force: true }))
  return { dir, file }
}

const accessOf = (source: RulesSource): string => {
  const r = resolveRule(source.current(), { method: 'GET', target: '/' })
  return r.kind === 'rule' ? r.rule.access : r.kind
}

/** Resolves with the next status reported through onReload. */
function nextStatus(): { onReload: (s: RulesStatus) => void; next: () => Promise<RulesStatus> } {
  let resolve: (s: RulesStatus) => void = () => undefined
  let pending = new Promise<RulesStatus>((r) => (resolve = r))
  return {
    onReload: (s) => {
      resolve(s)
      pending = new Promise<RulesStatus>((r) => (resolve = r))
    },
    next: () => pending,
  }
}

describe('watchRules', () => {
  test('a broken file at start is refused with every problem', async () => {
    const { file } = await setup(
      'version: 1\nrules:\n  - { id: a, match: { paths: [x] }, access: publik }\n',
    )
    const error = await watchRules({ file }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(RulesFileError)
    expect((error as RulesFileError).problems).toHaveLength(2)
  })

  test('a good change applies within 2 seconds, with the default timings', async () => {
    const { file } = await setup(rulesFor('public'))
    const events = nextStatus()
    const source = await watchRules({ file, onReload: events.onReload })
    cleanups.push(() => source.close())
    expect(accessOf(source)).toBe('public')
    const next = events.next()
    await writeFile(file, rulesFor('authenticated'))
    const status = await next
    expect(status).toMatchObject({ reloads: 1, failures: 0, lastReloadOk: true })
    expect(accessOf(source)).toBe('authenticated')
  }, 5000)

  test('a broken change keeps the previous rules, logs each problem and counts the failure', async () => {
    const { file } = await setup(rulesFor('public'))
    const logger = recordingLogger()
    const events = nextStatus()
    const source = await watchRules({ file, logger, onReload: events.onReload, pollIntervalMs: 50 })
    cleanups.push(() => source.close())
    const next = events.next()
    await writeFile(
      file,
      'version: 1\nrules:\n  - { id: a, match: { paths: [x] }, access: publik }\n',
    )
    expect(await next).toMatchObject({ failures: 1, lastReloadOk: false, rules: 1 })
    expect(accessOf(source)).toBe('public')
    const problems = logger.lines
      .filter((l) => l.level === 'error' && 'problem' in l.obj)
      .map((l) => (l.obj as { problem: string }).problem)
    expect(problems).toEqual([
      expect.stringMatching(
        /rules\.yaml:3:31: rules\[0\]\.match\.paths\[0\]: "x" must start with "\/"/,
      ),
      expect.stringMatching(/rules\.yaml:3:45: rules\[0\]\.access: .*did you mean "public"/),
    ])
  })

  test('an atomic rename over the file applies', async () => {
    const { dir, file } = await setup(rulesFor('public'))
    const events = nextStatus()
    const source = await watchRules({ file, onReload: events.onReload, pollIntervalMs: 50 })
    cleanups.push(() => source.close())
    const next = events.next()
    const temp = join(dir, '.rules.yaml.tmp')
    await writeFile(temp, rulesFor('authenticated'))
    await rename(temp, file)
    expect(await next).toMatchObject({ lastReloadOk: true, reloads: 1 })
    expect(accessOf(source)).toBe('authenticated')
  })

  test('warnings of a good file are logged', async () => {
    const { file } = await setup(rulesFor('public'))
    const logger = recordingLogger()
    const source = await watchRules({ file, logger })
    cleanups.push(() => source.close())
    await writeFile(
      file,
      'version: 1\nrules:\n  - { id: a, match: { paths: ["/**"] }, access: public }\n  - { id: b, match: { paths: ["/b"] }, access: public }\n',
    )
    await source.reload()
    expect(
      logger.lines.some((l) => l.level === 'warn' && /never reached/.test(JSON.stringify(l.obj))),
    ).toBe(true)
  })

  describe('in a worker thread', () => {
    const problemsLogged = (lines: LoggedLine[]): string[] =>
      lines
        .filter((l) => l.level === 'error' && 'problem' in l.obj)
        .map((l) => (l.obj as { problem: string }).problem)

    /**
     * The real worker, except that a file containing `# hang` never answers and one
     * containing `# crash` throws: stands in for a worker that hangs or crashes.
     */
    const misbehaving = new URL(
      `data:text/javascript,${encodeURIComponent(`
        import { workerData } from 'node:worker_threads'
        const text = Buffer.from(workerData.bytes).toString('utf8')
        if (text.includes('# hang')) setInterval(() => {}, 1000)
        else if (text.includes('# crash')) throw new Error('boom')
        else await import(${JSON.stringify(rulesWorkerUrl(import.meta.url).href)})
      `)}`,
    )

    test.each([
      // The first load runs the real worker under the same limit: 2 s leaves a loaded CI
      // machine time to start a worker thread (500 ms was missed once under the full suite).
      ['hangs', '# hang', { timeoutMs: 2000 }, /took longer than 2000 ms \(timeoutMs\)/],
      ['crashes', '# crash', {}, /checking the file failed: boom/],
    ])(
      'a reload whose worker %s keeps the previous rules and is reported',
      async (_, marker, worker, message) => {
        const { file } = await setup(rulesFor('public'))
        const logger = recordingLogger()
        const source = await watchRules({
          file,
          logger,
          worker: { ...worker, entry: misbehaving },
        })
        cleanups.push(() => source.close())
        await writeFile(file, `${rulesFor('authenticated')}${marker}\n`)
        await source.reload()
        expect(source.status()).toMatchObject({ failures: 1, lastReloadOk: false, reloads: 0 })
        expect(accessOf(source)).toBe('public')
        expect(problemsLogged(logger.lines)).toEqual([expect.stringMatching(message)])
      },
    )

    test('a reload that timed out is tried again by the next reload', async () => {
      const { dir, file } = await setup(rulesFor('public'))
      const busy = join(dir, 'busy')
      // Hangs while the file `busy` exists, as a worker starved of CPU would time out.
      const entry = new URL(
        `data:text/javascript,${encodeURIComponent(`
          import { existsSync } from 'node:fs'
          if (existsSync(${JSON.stringify(busy)})) setInterval(() => {}, 1000)
          else await import(${JSON.stringify(rulesWorkerUrl(import.meta.url).href)})
        `)}`,
      )
      const source = await watchRules({ file, worker: { timeoutMs: 2000, entry } })
      cleanups.push(() => source.close())
      await writeFile(busy, '')
      await writeFile(file, rulesFor('authenticated'))
      await source.reload()
      expect(source.status()).toMatchObject({ failures: 1, lastReloadOk: false })
      await rm(busy)
      await source.reload()
      expect(source.status()).toMatchObject({ failures: 1, lastReloadOk: true, reloads: 1 })
      expect(accessOf(source)).toBe('authenticated')
    })

    test('a reload whose worker runs out of memory keeps the previous rules and is reported', async () => {
      const { file } = await setup(rulesFor('public'))
      const logger = recordingLogger()
      const source = await watchRules({ file, logger, worker: { maxMemoryMb: 32 } })
      cleanups.push(() => source.close())
      await writeFile(file, largeRulesText(10_000))
      await source.reload()
      expect(source.status()).toMatchObject({ failures: 1, lastReloadOk: false })
      expect(accessOf(source)).toBe('public')
      expect(problemsLogged(logger.lines)).toEqual([
        `${file}:1:1: not loaded: checking the file needed more than 32 MiB of memory (maxMemoryMb) and was stopped: reduce the file`,
      ])
    })

    test('a file beyond maxBytes is refused at start and on reload, with the problem', async () => {
      const big = `${rulesFor('authenticated')}${'#'.repeat(2000)}\n`
      const { file } = await setup(big)
      const error = await watchRules({ file, limits: { maxBytes: 1024 } }).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(RulesFileError)
      expect((error as RulesFileError).problems).toMatchObject([
        { code: 'file_too_large', line: 1, column: 1 },
      ])

      await writeFile(file, rulesFor('public'))
      const logger = recordingLogger()
      const source = await watchRules({ file, logger, limits: { maxBytes: 1024 } })
      cleanups.push(() => source.close())
      await writeFile(file, big)
      await source.reload()
      expect(source.status()).toMatchObject({ failures: 1, lastReloadOk: false })
      expect(accessOf(source)).toBe('public')
      expect(problemsLogged(logger.lines)).toEqual([
        expect.stringMatching(
          /rules\.yaml:1:1: the file is 2\.\d KiB; rules files are limited to 1 KiB \(maxBytes\)/,
        ),
      ])
    })

    test('close() during a reload stops the worker and reports nothing', async () => {
      const { file } = await setup(rulesFor('public'))
      const events = nextStatus()
      const source = await watchRules({
        file,
        onReload: events.onReload,
        worker: { entry: misbehaving },
      })
      await writeFile(file, `${rulesFor('authenticated')}# hang\n`)
      const reloading = source.reload()
      await new Promise((resolve) => setTimeout(resolve, 100))
      const started = Date.now()
      await source.close()
      await reloading
      expect(Date.now() - started).toBeLessThan(1000)
      expect(source.status()).toMatchObject({ failures: 0, reloads: 0, lastReloadOk: true })
    })
  })
})
