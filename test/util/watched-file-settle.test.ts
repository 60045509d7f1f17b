import { expect, test } from '@jest/globals'
import { createHash } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { watchFile, type ReloadEvent } from '../../src/util/watched-file.js'

test('a file caught mid-write by the poll is not applied until it settles', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'vibegate-settle-'))
  const file = join(dir, 'rules.json')
  await writeFile(file, JSON.stringify({ version: 1 }))
  const events: ReloadEvent[] = []
  const watched = await watchFile({
    file,
    parse: (text) => JSON.parse(text) as unknown,
    pollIntervalMs: 20,
    debounceMs: 400,
    onReload: (event) => events.push(event),
  })
  try {
    // A valid prefix of what is being written: it must never be in force.
    const partial = JSON.stringify({ version: 2 })
    await writeFile(file, partial)
    await sleep(150)
    const complete = JSON.stringify({ version: 2, rules: ['all of them'] })
    await writeFile(file, complete)
    while (events.length === 0) await sleep(20)
    const sha = (text: string): string => createHash('sha256').update(text).digest('hex')
    expect(events.map((e) => (e.ok ? e.hash : 'failed'))).toEqual([sha(complete)])
    expect(watched.current()).toEqual({ version: 2, rules: ['all of them'] })
  } finally {
    await watched.close()
    await rm(dir, { recursive: true, force: true })
  }
})
