import { afterEach, describe, expect, test } from '@jest/globals'
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { resolveRule } from '../../src/rules/resolve-rule.js'
import { RulesFileError } from '../../src/rules/load-rules.js'
import { watchRules, type RulesSource, type RulesStatus } from '../../src/rules/watch-rules.js'
import { recordingLogger } from '../helpers/recording-logger.js'

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
})
