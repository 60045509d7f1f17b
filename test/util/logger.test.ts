import { describe, expect, test } from '@jest/globals'
import { Writable } from 'node:stream'
import { createLogger, MAX_LOG_FIELD_LENGTH } from '../../src/util/logger.js'

function capture(): { stream: Writable; lines: () => Record<string, unknown>[] } {
  let text = ''
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString()
      done()
    },
  })
  return {
    stream,
    lines: () =>
      text
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  }
}

describe('createLogger', () => {
  test('clips attacker-chosen text: a 20,000-character path or host costs 256 characters', () => {
    const out = capture()
    const logger = createLogger({ destination: out.stream })
    const long = '/a'.repeat(10_000)
    logger.info({ path: long, host: 'h'.repeat(20_000), nested: { problem: long } }, 'request')
    const [line] = out.lines()
    expect(JSON.stringify(line).length).toBeLessThan(1200)
    expect(line!.path).toBe(`${long.slice(0, MAX_LOG_FIELD_LENGTH)}…[${20_000 - 256} more]`)
    expect((line!.host as string).length).toBeLessThan(300)
    expect(((line!.nested as Record<string, string>).problem as string).length).toBeLessThan(300)
  })

  test('short fields pass untouched, and secrets are still redacted', () => {
    const out = capture()
    const logger = createLogger({ destination: out.stream })
    logger.info({ path: '/videos/1.ts', authorization: 'Bearer secret-token' }, 'request')
    expect(out.lines()[0]).toMatchObject({ path: '/videos/1.ts', authorization: '[redacted]' })
  })
})
