import { afterEach, beforeEach, describe, expect, test } from '@jest/globals'
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createCsrfTokens } from '../../src/console/csrf-tokens.js'
import { createRulesEditor, writeAtomically } from '../../src/console/rules-editor.js'
import { createRulesHistory } from '../../src/console/rules-history.js'
import { fakeClock } from '../helpers/fake-clock.js'

const RULES = (id: string) =>
  `version: 1\nrules:\n  - id: ${id}\n    match: { paths: [/${id}/**] }\n    access: public\n`
const carol = { id: 'carol', name: 'Carol', uuid: 'u-carol' }
let dir: string
let file: string

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vibegate-history-'))
  file = join(dir, 'rules.yaml')
  await writeFile(file, RULES('first'), { mode: 0o640 })
})
afterEach(() => rm(dir, { recursive: true, force: true }))

describe('saving the rules file', () => {
  test('writes atomically: same directory, the file’s mode kept, no temporary file left', async () => {
    await writeAtomically(file, RULES('second'))
    expect(await readFile(file, 'utf8')).toBe(RULES('second'))
    expect((await stat(file)).mode & 0o777).toBe(0o640)
    expect(await readdir(dir)).toEqual(['rules.yaml'])
  })

  test('keeps at most maxVersions, oldest dropped, newest first, with who and when', async () => {
    const clock = fakeClock()
    const history = createRulesHistory({ file, maxVersions: 3, clock })
    const editor = createRulesEditor({ file, history })
    for (const id of ['a', 'b', 'c', 'd']) {
      clock.advance(1000)
      const base = (await editor.read()).hash
      await editor.save(RULES(id), base, carol)
    }
    const versions = await history.list()
    expect(versions.map((v) => v.action)).toEqual(['save', 'save', 'save'])
    expect(await history.read(versions[0]!.id)).toBe(RULES('d'))
    expect(await history.read(versions[2]!.id)).toBe(RULES('b'))
    expect(versions[0]!.who).toEqual(carol)
    expect(versions[0]!.at).toBe('2026-01-01T00:00:04.000Z')
    expect((await readdir(history.dir)).length).toBe(6)
  })

  test('the first save keeps the file as it was, so it can be rolled back', async () => {
    const history = createRulesHistory({ file })
    const editor = createRulesEditor({ file, history })
    await editor.save(RULES('second'), (await editor.read()).hash, carol)
    const [, original] = await history.list()
    expect(original!.action).toBe('original')
    await editor.rollback(original!.id, carol)
    expect(await readFile(file, 'utf8')).toBe(RULES('first'))
  })

  test('an invalid text is refused with the problems and the file is untouched', async () => {
    const editor = createRulesEditor({ file, history: createRulesHistory({ file }) })
    await expect(
      editor.save('version: 2\nrules: []\n', (await editor.read()).hash, carol),
    ).rejects.toMatchObject({
      code: 'console_rules_invalid',
      problems: [expect.stringMatching(/rules\.yaml:1:10: version/)],
    })
    expect(await readFile(file, 'utf8')).toBe(RULES('first'))
  })

  test('history ids cannot leave the history directory', async () => {
    const history = createRulesHistory({ file })
    for (const id of ['../rules.yaml', '..', '/etc/passwd', '0000000000000-abcdefgh'])
      expect(await history.read(id)).toBeUndefined()
  })
})

describe('CSRF tokens', () => {
  const tokens = createCsrfTokens('s'.repeat(40))
  test('bound to the session and the secret', () => {
    const token = tokens.issue('session-a')
    expect(tokens.verify('session-a', token)).toBe(true)
    expect(tokens.verify('session-b', token)).toBe(false)
    expect(createCsrfTokens('t'.repeat(40)).verify('session-a', token)).toBe(false)
    expect(tokens.verify('session-a', undefined)).toBe(false)
    expect(tokens.verify('session-a', `${token}x`)).toBe(false)
  })
})
