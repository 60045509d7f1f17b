import { describe, expect, test } from '@jest/globals'
import { parseRules } from '../../src/rules/load-rules.js'
import {
  evaluateRequirement,
  requirementSubjects,
  type HoldingsSnapshot,
  type Requirement,
  type VibeHolding,
} from '../../src/rules/requirement.js'
import { TokenIdSet } from '../../src/rules/token-id-set.js'

/** The compiled requirement of a one-rule file whose `require` is `yaml`. */
function requirement(yaml: string): Requirement {
  const { rules } = parseRules(
    `version: 1\nrules:\n  - id: r\n    match: { paths: [/x] }\n    require: ${yaml}\n`,
    'r.yaml',
  )
  return rules.rules[0]!.requirement!
}

function holdings(vibes: VibeHolding[], issuers: Record<string, string[]> = {}): HoldingsSnapshot {
  const byId = new Map(vibes.map((v) => [v.id, v]))
  return { vibe: (id) => byId.get(id), issuerVibes: (issuer) => issuers[issuer] }
}

const yellow = (ids: number[]): VibeHolding => ({
  id: 'nxwyqqow',
  owned_amount: ids.length,
  token_ids: ids,
})
const bobs1155: VibeHolding = { id: 'xdrbpvjr', owned_amount: 3, token_ids: [] }

describe('evaluateRequirement', () => {
  test.each([
    ['owns the vibe', '{ vibe: nxwyqqow }', [yellow([7])], true],
    ['does not own it', '{ vibe: nxwyqqow }', [], false],
    ['owns one listed id', '{ vibe: nxwyqqow, token_ids: [1, "3-5"] }', [yellow([4, 9])], true],
    [
      'owns only unlisted ids',
      '{ vibe: nxwyqqow, token_ids: [1, "3-5"] }',
      [yellow([2, 6])],
      false,
    ],
    [
      'range bounds are inclusive (low)',
      '{ vibe: nxwyqqow, token_ids: ["3-5"] }',
      [yellow([3])],
      true,
    ],
    [
      'range bounds are inclusive (high)',
      '{ vibe: nxwyqqow, token_ids: ["3-5"] }',
      [yellow([5])],
      true,
    ],
    [
      'min_amount counts listed ids',
      '{ vibe: nxwyqqow, token_ids: ["1-5"], min_amount: 2 }',
      [yellow([1, 9])],
      false,
    ],
    [
      'min_amount met by listed ids',
      '{ vibe: nxwyqqow, token_ids: ["1-5"], min_amount: 2 }',
      [yellow([1, 2, 9])],
      true,
    ],
    ['1155 amount below min_amount', '{ vibe: xdrbpvjr, min_amount: 4 }', [bobs1155], false],
    ['1155 amount at min_amount', '{ vibe: xdrbpvjr, min_amount: 3 }', [bobs1155], true],
    [
      'any: the second alternative',
      '{ any: [ { vibe: aaaa }, { vibe: xdrbpvjr } ] }',
      [bobs1155],
      true,
    ],
    ['any: none', '{ any: [ { vibe: aaaa }, { vibe: bbbb } ] }', [bobs1155], false],
    [
      'all: every one',
      '{ all: [ { vibe: nxwyqqow }, { vibe: xdrbpvjr } ] }',
      [yellow([1]), bobs1155],
      true,
    ],
    ['all: one missing', '{ all: [ { vibe: nxwyqqow }, { vibe: xdrbpvjr } ] }', [bobs1155], false],
    ['issuer: holds one of the issuer’s vibes', '{ issuer: queen }', [bobs1155], true],
    ['issuer: holds none of them', '{ issuer: queen }', [yellow([1])], false],
    ['issuer: unknown issuer', '{ issuer: nobody }', [bobs1155], false],
    [
      'nested',
      '{ any: [ { all: [ { vibe: aaaa }, { issuer: queen } ] }, { vibe: nxwyqqow, token_ids: [2] } ] }',
      [yellow([2])],
      true,
    ],
  ] as const)('%s', (_name, yaml, held, allowed) => {
    const result = evaluateRequirement(
      requirement(yaml),
      holdings([...held], { queen: ['xdrbpvjr', 'xdwbppyw'] }),
    )
    expect(result.allowed).toBe(allowed)
    expect(result.satisfiedBy.length > 0).toBe(allowed)
    expect(result.missing.length > 0).toBe(!allowed)
  })

  test('satisfiedBy narrows token ids to the listed ones', () => {
    const result = evaluateRequirement(
      requirement('{ vibe: nxwyqqow, token_ids: ["1-3"] }'),
      holdings([yellow([2, 3, 8])]),
    )
    expect(result.satisfiedBy).toEqual([{ id: 'nxwyqqow', owned_amount: 3, token_ids: [2, 3] }])
  })

  test('all merges holdings of the same vibe', () => {
    const result = evaluateRequirement(
      requirement(
        '{ all: [ { vibe: nxwyqqow, token_ids: [3] }, { vibe: nxwyqqow, token_ids: [1] } ] }',
      ),
      holdings([yellow([1, 3])]),
    )
    expect(result.satisfiedBy).toEqual([{ id: 'nxwyqqow', owned_amount: 2, token_ids: [1, 3] }])
  })

  test('missing says what would unlock it', () => {
    const result = evaluateRequirement(
      requirement(
        '{ any: [ { vibe: nxwyqqow, token_ids: [1, "3-5"], min_amount: 2 }, { issuer: queen } ] }',
      ),
      holdings([]),
    )
    expect(result.missing).toEqual([
      { vibe: 'nxwyqqow', token_ids: [1, '3-5'], min_amount: 2 },
      { issuer: 'queen' },
    ])
  })

  test('requirementSubjects lists what must be looked up', () => {
    const subjects = requirementSubjects(
      requirement('{ any: [ { vibe: a1 }, { all: [ { vibe: b2 }, { issuer: queen } ] } ] }'),
    )
    expect([...subjects.vibes]).toEqual(['a1', 'b2'])
    expect([...subjects.issuers]).toEqual(['queen'])
  })
})

describe('TokenIdSet', () => {
  test('merges ranges and answers membership', () => {
    const { set, errors } = TokenIdSet.parse([9, '1-3', '4-5', 20, '7-8'])
    expect(errors).toEqual([])
    expect(set.toJSON()).toEqual(['1-5', '7-9', 20])
    expect([0, 1, 5, 6, 7, 9, 10, 20, 21].map((id) => set.has(id))).toEqual([
      false,
      true,
      true,
      false,
      true,
      true,
      false,
      true,
      false,
    ])
  })

  test('a huge range is two numbers, whatever its size', () => {
    const { set } = TokenIdSet.parse(['0-9007199254740991'])
    expect(set.intervals).toEqual([[0, Number.MAX_SAFE_INTEGER]])
    expect(set.has(123456789012)).toBe(true)
  })
})
