import { describe, expect, test } from '@jest/globals'
import { performance } from 'node:perf_hooks'
import {
  checkRulesInWorker,
  resolveRulesWorkerOptions,
  rulesWorkerUrl,
  type RulesWorkerOptions,
} from '../../src/rules/check-rules-in-worker.js'
import { parseRules, RulesFileError, type RulesProblem } from '../../src/rules/load-rules.js'
import { resolveRulesLimits } from '../../src/rules/rules-limits.js'
import { largeRulesText } from '../helpers/large-rules.js'

const GOOD = `version: 1
rules:
  - { id: all, match: { paths: ["/**"] }, access: public }
  - { id: shadowed, match: { paths: [/a] }, access: authenticated }
`
const BROKEN = 'version: 1\nrules:\n  - { id: a, match: { paths: [x] }, access: publik }\n'

const check = (text: string, options: RulesWorkerOptions = {}, signal?: AbortSignal) =>
  checkRulesInWorker(
    { bytes: Buffer.from(text), file: 'rules.yaml', limits: resolveRulesLimits(), signal },
    resolveRulesWorkerOptions(options),
  )

/** The problems of a check that must fail. */
async function problemsOf(checking: Promise<unknown>): Promise<readonly RulesProblem[]> {
  const error = await checking.catch((e: unknown) => e)
  expect(error).toBeInstanceOf(RulesFileError)
  return (error as RulesFileError).problems
}

/** A worker module given as a data: URL, standing in for one that misbehaves. */
const workerOf = (code: string): URL => new URL(`data:text/javascript,${encodeURIComponent(code)}`)

describe('checkRulesInWorker', () => {
  test('sends back the validated rules and the warnings of a good file', async () => {
    const payload = await check(GOOD)
    const parsed = parseRules(GOOD, 'rules.yaml')
    expect(payload).toMatchObject({
      file: 'rules.yaml',
      hash: parsed.rules.hash,
      default: 'deny',
      warnings: parsed.warnings,
    })
    expect(payload.warnings).toHaveLength(1)
    expect(payload.slices.map((s) => JSON.parse(s) as unknown).flat()).toEqual([
      [parsed.inputs[0], 3, 5],
      [parsed.inputs[1], 4, 5],
    ])
  })

  test('rejects with every problem of a broken file, as parseRules reports them', async () => {
    const expected = await problemsOf(
      Promise.resolve().then(() => parseRules(BROKEN, 'rules.yaml')),
    )
    expect(await problemsOf(check(BROKEN))).toEqual(expected)
    expect(expected).toHaveLength(2)
  })

  test('applies the limits in the worker', async () => {
    const problems = await problemsOf(check(`version: 1\nrules: ${'['.repeat(100)}`))
    expect(problems).toMatchObject([{ code: 'too_deep', line: 2, column: 71 }])
  })

  test('a worker that runs out of memory is stopped and reported', async () => {
    const problems = await problemsOf(check(largeRulesText(10_000), { maxMemoryMb: 32 }))
    expect(problems).toEqual([
      expect.objectContaining({
        code: 'check_out_of_memory',
        line: 1,
        column: 1,
        message:
          'not loaded: checking the file needed more than 32 MiB of memory (maxMemoryMb) and was stopped: reduce the file',
      }),
    ])
  })

  test('a worker that hangs is stopped after timeoutMs and reported', async () => {
    const started = performance.now()
    const problems = await problemsOf(
      check(GOOD, { timeoutMs: 300, entry: workerOf('setInterval(() => {}, 1000)') }),
    )
    expect(performance.now() - started).toBeLessThan(3000)
    expect(problems).toEqual([
      expect.objectContaining({
        code: 'check_timed_out',
        message: expect.stringMatching(/^not loaded: checking the file took longer than 300 ms/),
      }),
    ])
  })

  test.each([
    ['throws', 'throw new Error("boom")', 'not loaded: checking the file failed: boom'],
    ['exits without a reply', 'process.exit(3)', 'not loaded: the rules worker exited with code 3'],
  ])('a worker that %s is reported', async (_, code, message) => {
    const problems = await problemsOf(check(GOOD, { entry: workerOf(code) }))
    expect(problems).toEqual([expect.objectContaining({ code: 'check_failed', message })])
  })

  test('an abort stops the worker and rejects with the reason', async () => {
    const controller = new AbortController()
    const checking = check(
      GOOD,
      { entry: workerOf('setInterval(() => {}, 1000)') },
      controller.signal,
    )
    const reason = new Error('closed')
    setTimeout(() => controller.abort(reason), 50)
    await expect(checking).rejects.toBe(reason)
    await expect(check(GOOD, {}, AbortSignal.abort(reason))).rejects.toBe(reason)
  })
})

describe('rules worker options', () => {
  test('defaults: 30 s, 512 MiB, the compiled worker', () => {
    expect(resolveRulesWorkerOptions()).toEqual({
      timeoutMs: 30_000,
      maxMemoryMb: 512,
      entry: new URL('../../dist/rules/rules-worker.js', import.meta.url),
    })
  })

  test.each([
    ['timeoutMs', { timeoutMs: 0 }],
    ['maxMemoryMb', { maxMemoryMb: 8 }],
  ])('a bad %s is a TypeError naming it', (name, options) => {
    expect(() => resolveRulesWorkerOptions(options)).toThrow(new RegExp(name))
  })

  test('the worker is the module next to the compiled code, or the build of the sources', () => {
    expect(rulesWorkerUrl('file:///app/dist/rules/check-rules-in-worker.js').href).toBe(
      'file:///app/dist/rules/rules-worker.js',
    )
    expect(() => rulesWorkerUrl('file:///nowhere/src/rules/check-rules-in-worker.ts')).toThrow(
      /nowhere\/dist\/rules\/rules-worker\.js is missing; run npm run build/,
    )
  })
})
