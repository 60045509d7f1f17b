import { describe, expect, test } from '@jest/globals'
import { runSteps, type Answers } from '../../src/decision/run-steps.js'
import { NOT_NOW } from '../../src/util/not-now.js'

/** Asks for `a` and `b`, returns their sum; a failed answer becomes -1 (as a try/await would). */
function* sum(): Generator<string, number, unknown> {
  let a: number
  try {
    a = (yield 'a') as number
  } catch {
    return -1
  }
  const b = (yield 'b') as number
  return a + b
}

const answering = (
  now: Record<string, number | typeof NOT_NOW | Error>,
  later: Record<string, number | Error> = {},
): Answers<string> & { asked: string[] } => {
  const asked: string[] = []
  return {
    asked,
    now(need) {
      const v = now[need]
      if (v instanceof Error) throw v
      return v ?? NOT_NOW
    },
    later(need) {
      asked.push(need)
      const v = later[need]
      return v instanceof Error ? Promise.reject(v) : Promise.resolve(v)
    },
  }
}

describe('runSteps', () => {
  test('returns the result itself, not a promise, when every need is answered now', () => {
    expect(runSteps(sum(), answering({ a: 1, b: 2 }))).toBe(3)
  })

  test('goes on asynchronously from the first need that is not answered now', async () => {
    const answers = answering({ a: 1 }, { b: 5 })
    const result = runSteps(sum(), answers)
    expect(result).toBeInstanceOf(Promise)
    expect(await result).toBe(6)
    expect(answers.asked).toEqual(['b'])
  })

  test('answers later needs now again when it can, after one went asynchronous', async () => {
    const answers = answering({ b: 2 }, { a: 10 })
    expect(await runSteps(sum(), answers)).toBe(12)
    expect(answers.asked).toEqual(['a'])
  })

  test('a failed answer is thrown into the generator at its yield, now or later', async () => {
    expect(runSteps(sum(), answering({ a: new Error('now') }))).toBe(-1)
    expect(await runSteps(sum(), answering({}, { a: new Error('later') }))).toBe(-1)
  })

  test('what the generator does not catch rejects (or throws) the run', async () => {
    expect(() => runSteps(sum(), answering({ a: 1, b: new Error('b now') }))).toThrow('b now')
    await expect(runSteps(sum(), answering({ a: 1 }, { b: new Error('b later') }))).rejects.toThrow(
      'b later',
    )
  })
})
