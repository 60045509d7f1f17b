import { describe, expect, test } from '@jest/globals'
import {
  formatProblem,
  parseRules,
  RulesFileError,
  type RulesProblem,
} from '../../src/rules/load-rules.js'

/** The problems of a rules text that must fail, formatted `FILE:LINE:COL: ...`. */
function problemsOf(text: string): string[] {
  try {
    parseRules(text, 'rules.yaml')
  } catch (err) {
    expect(err).toBeInstanceOf(RulesFileError)
    return (err as RulesFileError).problems.map(formatProblem)
  }
  throw new Error('expected the rules to be refused')
}

const ok = (text: string): { warnings: RulesProblem[] } => parseRules(text, 'rules.yaml')

describe('parseRules accepts', () => {
  test('the contract example', () => {
    const { rules, warnings } = parseRules(
      `version: 1
default: deny
rules:
  - id: yellow-hd
    description: Coldplay - Yellow, HD cut, for holders of tokens 1-5
    match:
      paths: [/videos/yellow/**]
      methods: [GET]
      hosts: [fans.example.com]
    require:
      vibe: nxwyqqow
      token_ids: [1, 2, "3-5"]
      min_amount: 1
    token:
      ttl: 2m
      audience: video-cdn
  - id: queen-club
    match: { paths: ["/queen/**"] }
    require:
      any:
        - vibe: xdwbppyw
        - all: [ { vibe: mzwkaxwy }, { vibe: npwjlbwq } ]
        - issuer: queen
  - id: members
    match: { paths: ["/members/**"] }
    access: authenticated
  - id: assets
    match: { paths: ["/", "/assets/**"] }
    access: public
`,
      'rules.yaml',
    )
    expect(warnings).toEqual([])
    expect(rules.default).toBe('deny')
    expect(rules.rules.map((r) => [r.id, r.access, r.line])).toEqual([
      ['yellow-hd', 'require', 4],
      ['queen-club', 'require', 17],
      ['members', 'authenticated', 24],
      ['assets', 'public', 27],
    ])
    expect(rules.rules[0]!.token).toEqual({ ttlSeconds: 120, audience: 'video-cdn' })
    expect(rules.rules[1]!.token).toEqual({ ttlSeconds: 120, audience: 'vibegate' })
    expect(rules.hash).toMatch(/^[0-9a-f]{64}$/)
  })

  test('JSON, with the default default of deny', () => {
    const { rules } = parseRules(
      JSON.stringify({
        version: 1,
        rules: [{ id: 'a', match: { paths: ['/a'] }, access: 'public' }],
      }),
      'rules.json',
    )
    expect(rules.default).toBe('deny')
    expect(rules.rules[0]!.line).toBe(1)
  })

  test.each([
    ['90', 90],
    ['"90s"', 90],
    ['"2m"', 120],
    ['"15m"', 900],
    ['"1s"', 1],
    ['"5000ms"', 5],
  ])('ttl %s is %i seconds', (ttl, seconds) => {
    const { rules } = parseRules(
      `version: 1\nrules:\n  - id: a\n    match: { paths: [/a] }\n    access: public\n    token: { ttl: ${ttl} }\n`,
      'r.yaml',
    )
    expect(rules.rules[0]!.token.ttlSeconds).toBe(seconds)
  })
})

describe('parseRules reports every problem at once, with file:line:col and a hint', () => {
  test('unknown keys name the nearest valid one', () => {
    expect(
      problemsOf(`version: 1
rules:
  - id: a
    match: { pathz: [/a] }
    requier: { vibe: x }
`),
    ).toEqual([
      'rules.yaml:3:9: rules[0].id: rule "a" needs "require" (ownership) or "access: public | authenticated"',
      'rules.yaml:4:12: rules[0].match.paths: "paths" is required',
      'rules.yaml:4:14: rules[0].match.pathz: unknown key "pathz"; did you mean "paths"?',
      'rules.yaml:5:5: rules[0].requier: unknown key "requier"; did you mean "require"?',
    ])
  })

  test('a reversed range says so and how to write it', () => {
    expect(
      problemsOf(`version: 1
rules:
  - id: a
    match: { paths: [/a] }
    require: { vibe: nxwyqqow, token_ids: [1, "5-3"] }
`),
    ).toEqual([
      'rules.yaml:5:47: rules[0].require.token_ids[1]: the range "5-3" is reversed; write "3-5"',
    ])
  })

  test('require and access together, and neither', () => {
    expect(
      problemsOf(`version: 1
rules:
  - id: both
    match: { paths: [/a] }
    require: { vibe: x }
    access: public
  - id: neither
    match: { paths: [/b] }
`),
    ).toEqual([
      'rules.yaml:6:13: rules[0].access: rule "both" has both "require" and "access"; keep one',
      'rules.yaml:7:9: rules[1].id: rule "neither" needs "require" (ownership) or "access: public | authenticated"',
    ])
  })

  test('duplicate ids', () => {
    expect(
      problemsOf(`version: 1
rules:
  - { id: a, match: { paths: [/a] }, access: public }
  - { id: a, match: { paths: [/b] }, access: public }
`),
    ).toEqual(['rules.yaml:4:11: rules[1].id: duplicate id "a"; rules[0] has it already'])
  })

  test('ttl out of bounds', () => {
    expect(
      problemsOf(`version: 1
rules:
  - { id: a, match: { paths: [/a] }, access: public, token: { ttl: 16m } }
`),
    ).toEqual([
      'rules.yaml:3:68: rules[0].token.ttl: ttl must be whole seconds from 1s to 15m, got "16m"',
    ])
  })

  test.each([
    [
      'an id with capitals',
      '{ id: Yellow, match: { paths: [/a] }, access: public }',
      /rules\[0\]\.id: expected lower-case/,
    ],
    [
      'a pattern without a leading slash',
      '{ id: a, match: { paths: [videos] }, access: public }',
      /paths\[0\]: "videos" must start with "\/"/,
    ],
    [
      'a partial wildcard',
      '{ id: a, match: { paths: ["/v*"] }, access: public }',
      /must be whole segments/,
    ],
    [
      'a pattern no canonical request can match',
      '{ id: a, match: { paths: ["/a/../b"] }, access: public }',
      /can never match/,
    ],
    [
      'an encoded slash in a pattern',
      '{ id: a, match: { paths: ["/a%2Fb"] }, access: public }',
      /can never match/,
    ],
    [
      'a lower-case method',
      '{ id: a, match: { paths: [/a], methods: [get] }, access: public }',
      /methods\[0\]: expected "GET" or/,
    ],
    [
      'HEAD, matched as GET anyway',
      '{ id: a, match: { paths: [/a], methods: [HEAD] }, access: public }',
      /methods\[0\]/,
    ],
    [
      'a host with a scheme',
      '{ id: a, match: { paths: [/a], hosts: ["https://x.com"] }, access: public }',
      /hosts\[0\]: "https:\/\/x.com" is not a host name/,
    ],
    [
      'a host with a port',
      '{ id: a, match: { paths: [/a], hosts: ["x.com:8080"] }, access: public }',
      /is not a host name/,
    ],
    [
      'a wildcard inside a host',
      '{ id: a, match: { paths: [/a], hosts: ["a.*.com"] }, access: public }',
      /only a leading/,
    ],
    [
      'an unknown access',
      '{ id: a, match: { paths: [/a] }, access: publik }',
      /access: expected "public" or "authenticated", got "publik"; did you mean "public"\?/,
    ],
    [
      'a requirement with two kinds',
      '{ id: a, match: { paths: [/a] }, require: { vibe: x, issuer: y } }',
      /exactly one of vibe, issuer, any or all/,
    ],
    [
      'a requirement with none',
      '{ id: a, match: { paths: [/a] }, require: { vibes: x } }',
      /needs one of vibe, issuer, any or all; got vibes; did you mean "vibe"\?/,
    ],
    [
      'a token id that is not a number',
      '{ id: a, match: { paths: [/a] }, require: { vibe: x, token_ids: [one] } }',
      /token_ids\[0\]: expected a token id or a range like "3-5"/,
    ],
    [
      'a negative token id',
      '{ id: a, match: { paths: [/a] }, require: { vibe: x, token_ids: [-1] } }',
      /token_ids\[0\]/,
    ],
    [
      'a nested bad requirement',
      '{ id: a, match: { paths: [/a] }, require: { any: [ { vibe: x }, { all: [ { vibe: "" } ] } ] } }',
      /require\.any\[1\]\.all\[0\]\.vibe: expected an OurSong vibe id/,
    ],
    [
      'an empty any',
      '{ id: a, match: { paths: [/a] }, require: { any: [] } }',
      /require\.any: must list at least 1/,
    ],
    [
      'min_amount zero',
      '{ id: a, match: { paths: [/a] }, require: { vibe: x, min_amount: 0 } }',
      /min_amount/,
    ],
    [
      'an empty paths list',
      '{ id: a, match: { paths: [] }, access: public }',
      /paths: must list at least 1/,
    ],
  ])('%s', (_name, rule, expected) => {
    const problems = problemsOf(`version: 1\nrules:\n  - ${rule}\n`)
    expect(problems.join('\n')).toMatch(expected)
    for (const p of problems) expect(p).toMatch(/^rules\.yaml:3:\d+: /)
  })

  test.each([
    ['a wrong version', 'version: 2\nrules: []\n', /^rules\.yaml:1:10: version: expected 1, got 2/],
    ['a missing version', 'rules: []\n', /"version" is required/],
    [
      'an unknown default',
      'version: 1\ndefault: allow\nrules: []\n',
      /default: expected "deny" or "public" or "authenticated"/,
    ],
    [
      'rules that are not a list',
      'version: 1\nrules: { a: 1 }\n',
      /rules: expected a list, got a mapping/,
    ],
    ['not a mapping at all', '- a\n- b\n', /expected a mapping, got a list/],
    ['broken YAML', 'version: 1\nrules: [\n', /^rules\.yaml:\d+:\d+: /],
    ['a duplicate key', 'version: 1\nversion: 1\nrules: []\n', /^rules\.yaml:2:1: .*[Uu]nique/],
  ])('%s', (_name, text, expected) => {
    expect(problemsOf(text).join('\n')).toMatch(expected)
  })

  test('problems across several rules are all reported in one pass', () => {
    const problems = problemsOf(`version: 1
rules:
  - { id: a, match: { paths: [/a] }, access: publik }
  - { id: b, match: { paths: [b] }, access: public }
  - { id: c, match: { paths: [/c] }, require: { vibe: x, token_ids: ["9-1"] } }
`)
    expect(problems.map((p) => p.split(':')[1])).toEqual(['3', '4', '5'])
  })
})

describe('warnings', () => {
  test('a rule shadowed by an earlier one is a warning, not an error', () => {
    const { warnings } = ok(`version: 1
rules:
  - { id: all-videos, match: { paths: ["/videos/**"] }, access: authenticated }
  - { id: yellow, match: { paths: ["/videos/yellow/*"] }, require: { vibe: nxwyqqow } }
  - { id: other, match: { paths: ["/music/**"] }, access: public }
`)
    expect(warnings.map(formatProblem)).toEqual([
      'rules.yaml:4:11: warning: rules[1].id: rule "yellow" is never reached: "all-videos" (line 3) matches every request it would; move it above or narrow the earlier rule',
    ])
  })

  test.each([
    [
      'the earlier rule is narrower by method',
      '{ paths: ["/v/**"], methods: [POST] }',
      '{ paths: ["/v/x"] }',
    ],
    [
      'the earlier rule is narrower by host',
      '{ paths: ["/v/**"], hosts: [a.example.com] }',
      '{ paths: ["/v/x"] }',
    ],
    ['the later rule reaches other paths', '{ paths: ["/v/*"] }', '{ paths: ["/v/**"] }'],
    [
      'the later rule has a path the earlier lacks',
      '{ paths: ["/v/**"] }',
      '{ paths: ["/v/x", "/w"] }',
    ],
  ])('no shadow warning when %s', (_name, first, second) => {
    const { warnings } = ok(`version: 1
rules:
  - { id: first, match: ${first}, access: public }
  - { id: second, match: ${second}, access: public }
`)
    expect(warnings).toEqual([])
  })

  test.each([
    [
      'a wildcard host covers a subdomain',
      '{ paths: ["/**"], hosts: ["*.example.com"] }',
      '{ paths: ["/a"], hosts: [fans.example.com] }',
    ],
    [
      'methods are a superset',
      '{ paths: ["/**"], methods: [GET, POST] }',
      '{ paths: ["/a/*/b"], methods: [GET] }',
    ],
    [
      '* covers a literal and ** covers *',
      '{ paths: ["/a/**", "/b/*"] }',
      '{ paths: ["/a/*/c/**", "/b/x"] }',
    ],
  ])('a shadow warning when %s', (_name, first, second) => {
    const { warnings } = ok(`version: 1
rules:
  - { id: first, match: ${first}, access: public }
  - { id: second, match: ${second}, access: public }
`)
    expect(warnings).toHaveLength(1)
  })

  test('overlapping token id ranges are a warning', () => {
    const { warnings } = ok(`version: 1
rules:
  - { id: a, match: { paths: [/a] }, require: { vibe: x, token_ids: ["1-5", 3] } }
`)
    expect(warnings.map(formatProblem)).toEqual([
      'rules.yaml:3:77: warning: rules[0].require.token_ids[1]: token id 3 overlaps 1-5 listed earlier',
    ])
  })

  test.each([
    [
      'a later rule takes the methods a filtered rule leaves out',
      'default: deny',
      '{ paths: ["/v/hd/**"], methods: [GET] }',
      '{ paths: ["/v/**"] }',
      /requests to \/v\/hd\/\*\* with other methods than rule "first" lists fall through to rule "second"/,
    ],
    [
      'a later rule takes the hosts a filtered rule leaves out',
      'default: deny',
      '{ paths: ["/v/**"], hosts: [fans.example.com] }',
      '{ paths: ["/**"], hosts: ["*.example.com"] }',
      /with other hosts than rule "first" lists fall through to rule "second"/,
    ],
    [
      'a permissive default takes them',
      'default: authenticated',
      '{ paths: ["/v/**"], methods: [GET] }',
      '{ paths: ["/w/**"] }',
      /get the default \(authenticated\)/,
    ],
  ])('a fall-through warning when %s', (_name, fallback, first, second, expected) => {
    const { warnings } = ok(`version: 1
${fallback}
rules:
  - { id: first, match: ${first}, require: { vibe: x } }
  - { id: second, match: ${second}, access: public }
`)
    expect(warnings.map(formatProblem).join('\n')).toMatch(expected)
  })

  test('no fall-through warning when the later rule has the same filters, or the default denies', () => {
    const { warnings } = ok(`version: 1
rules:
  - { id: first, match: { paths: ["/v/hd/**"], methods: [GET] }, require: { vibe: x } }
  - { id: second, match: { paths: ["/v/**"], methods: [GET] }, require: { vibe: y } }
  - { id: third, match: { paths: ["/w/**"], methods: [GET] }, require: { vibe: y } }
`)
    expect(warnings).toEqual([])
  })
})
