import { describe, expect, test } from '@jest/globals'
import { mkdtemp, rm, truncate, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import {
  formatProblem,
  loadRulesFile,
  parseRules,
  RulesFileError,
  type RulesProblem,
} from '../../src/rules/load-rules.js'
import { DEFAULT_RULES_LIMITS, resolveRulesLimits } from '../../src/rules/rules-limits.js'

/** The one problem of a refused text, or a failure when it was accepted. */
function refusal(run: () => unknown): RulesProblem {
  try {
    run()
  } catch (error) {
    expect(error).toBeInstanceOf(RulesFileError)
    const { problems } = error as RulesFileError
    expect(problems).toHaveLength(1)
    return problems[0]!
  }
  throw new Error('expected the rules to be refused')
}

/** `n` rules, one a line, each on its own path. */
const rulesOf = (n: number): string =>
  `version: 1\nrules:\n${Array.from(
    { length: n },
    (_, i) => `  - { id: r${i}, match: { paths: ["/r${i}"] }, access: public }`,
  ).join('\n')}\n`

/** One rule whose requirement nests `any` `levels` times (two levels of depth each). */
const nestedRequirement = (levels: number): string =>
  `version: 1\nrules:\n  - id: deep\n    match: { paths: [/d] }\n    require: ${'{ any: [ '.repeat(levels)}{ vibe: v }${' ] }'.repeat(levels)}\n`

describe('rules limits', () => {
  test('defaults: 8 MiB, 20,000 rules, depth 64', () => {
    expect(DEFAULT_RULES_LIMITS).toEqual({ maxBytes: 8_388_608, maxRules: 20_000, maxDepth: 64 })
    expect(resolveRulesLimits({ maxRules: 5, maxDepth: undefined })).toEqual({
      ...DEFAULT_RULES_LIMITS,
      maxRules: 5,
    })
  })

  test.each([
    ['maxBytes', { maxBytes: 0 }],
    ['maxRules', { maxRules: 1.5 }],
    ['maxDepth', { maxDepth: Number.NaN }],
  ])('a bad %s is a TypeError naming it', (name, limits) => {
    expect(() => resolveRulesLimits(limits)).toThrow(new RegExp(`${name} must be`))
    expect(() => parseRules(rulesOf(1), 'r.yaml', limits)).toThrow(TypeError)
  })

  test('a file larger than maxBytes is refused before parsing', () => {
    const problem = refusal(() => parseRules(rulesOf(30), 'r.yaml', { maxBytes: 1024 }))
    expect(problem.code).toBe('file_too_large')
    expect(formatProblem(problem)).toMatch(
      /^r\.yaml:1:1: the file is 1\.\d KiB; rules files are limited to 1 KiB \(maxBytes\): remove unused rules, or merge rules with the same requirement/,
    )
  })

  test('maxRules rules are allowed; one more is refused at the first rule beyond', () => {
    expect(parseRules(rulesOf(5), 'r.yaml', { maxRules: 5 }).rules.rules).toHaveLength(5)
    const problem = refusal(() => parseRules(rulesOf(6), 'r.yaml', { maxRules: 5 }))
    expect(problem).toMatchObject({ code: 'too_many_rules', line: 8, column: 5 })
    expect(formatProblem(problem)).toBe(
      'r.yaml:8:5: rules[5]: more than 5 rules; at most 5 are allowed (maxRules): merge rules with the same requirement (one rule may list many paths and hosts)',
    )
  })

  test('far more rules than maxRules stop the parse early, with the same problem', () => {
    const problem = refusal(() => parseRules(rulesOf(1000), 'r.yaml', { maxRules: 5 }))
    expect(formatProblem(problem)).toMatch(/^r\.yaml:8:5: rules\[5\]: more than 5 rules/)
  })

  test('rules counted after aliases are expanded', () => {
    const text = `version: 1\nlist: &all\n${rulesOf(3).split('\n').slice(2).join('\n')}rules: *all\n`
    const problem = refusal(() => parseRules(text, 'r.yaml', { maxRules: 2 }))
    expect(problem.code).toBe('too_many_rules')
  })

  test('nesting deeper than maxDepth is refused where it starts', () => {
    // root, rules, rule, require: 4 levels, then 2 per `any`.
    expect(() => parseRules(nestedRequirement(30), 'r.yaml')).not.toThrow()
    const problem = refusal(() => parseRules(nestedRequirement(31), 'r.yaml'))
    expect(problem).toMatchObject({ code: 'too_deep', line: 5, field: '' })
    expect(formatProblem(problem)).toMatch(
      /^r\.yaml:5:\d+: nested more than 64 levels deep \(maxDepth\); a rules file needs about 10/,
    )
  })

  test('a 200,000-deep document is refused in milliseconds, without building it', () => {
    for (const text of [
      `version: 1\nrules: ${'['.repeat(200_000)}${']'.repeat(200_000)}\n`,
      `version: 1\nrules:\n${'- '.repeat(200_000)}x\n`,
      JSON.stringify({ version: 1, rules: [] }).replace(
        '[]',
        '['.repeat(200_000) + ']'.repeat(200_000),
      ),
    ]) {
      const heap = process.memoryUsage().heapUsed
      const started = performance.now()
      const problem = refusal(() => parseRules(text, 'deep.yaml'))
      expect(performance.now() - started).toBeLessThan(250)
      expect(process.memoryUsage().heapUsed - heap).toBeLessThan(32 * 1024 * 1024)
      expect(problem.code).toBe('too_deep')
    }
  })

  test('loadRulesFile refuses a file beyond maxBytes without reading it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vibegate-rules-limits-'))
    try {
      const file = join(dir, 'huge.yaml')
      await writeFile(file, '')
      // Sparse: 64 GiB on record, nothing on disk; reading it would take minutes.
      await truncate(file, 64 * 1024 ** 3)
      const started = performance.now()
      const error = await loadRulesFile(file).catch((e: unknown) => e)
      expect(performance.now() - started).toBeLessThan(1000)
      expect(error).toBeInstanceOf(RulesFileError)
      expect((error as RulesFileError).message).toBe(
        `${file}:1:1: the file is 64 GiB; rules files are limited to 8 MiB (maxBytes): remove unused rules, or merge rules with the same requirement (one rule may list many paths and hosts)`,
      )
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
