import { describe, expect, test } from '@jest/globals'
import { parseRules, RulesFileError } from '../../src/rules/load-rules.js'
import { passCookiePath, passScope, patternsOverlap } from '../../src/rules/pass-scope.js'
import { parsePathPattern, type PathPattern } from '../../src/rules/path-pattern.js'

const segmentsOf = (...patterns: string[]) =>
  patterns.map((p) => (parsePathPattern(p) as PathPattern).segments)

/** The rules file of `rules`, parsed; throws RulesFileError. */
const parse = (rules: unknown[], extra: Record<string, unknown> = {}) =>
  parseRules(JSON.stringify({ version: 1, rules, ...extra }), 'rules.json')

const errorsOf = (rules: unknown[]): string[] => {
  try {
    parse(rules)
  } catch (err) {
    if (err instanceof RulesFileError)
      return err.problems
        .filter((p) => p.severity === 'error')
        .map((p) => `${p.field}: ${p.message}`)
    throw err
  }
  return []
}

describe('patternsOverlap', () => {
  test.each([
    ['/media/stream/**', '/media/stream/admin/**', true],
    ['/media/stream/**', '/media/stream', true],
    ['/media/stream/**', '/', false],
    ['/media/stream/**', '/assets/**', false],
    ['/**', '/', true],
    ['/a/*/c', '/a/b/*', true],
    ['/a/*/c', '/a/b/d', false],
    ['/a/*', '/a/b/c', false],
    ['/a/**/z', '/a/b/**', true],
    ['/a/**/z', '/b/**', false],
    ['/x/**/y/**', '/**/q', true],
    ['/m/*/x', '/m/~user/y/**', false],
  ])('%s and %s: %s', (a, b, overlap) => {
    const [x, y] = segmentsOf(a, b)
    expect(patternsOverlap(x!, y!)).toBe(overlap)
    expect(patternsOverlap(y!, x!)).toBe(overlap)
  })
})

describe('pass cookie path', () => {
  test.each([
    [['/media/stream/**'], '/media/stream/'],
    [['/media/stream/*/seg.ts'], '/media/stream/'],
    [['/media/a.ts'], '/media/'],
    [['/media/hd/**', '/media/sd/**'], '/media/'],
    [['/media/**', '/other/**'], '/'],
    [['/**'], '/'],
    [['/'], '/'],
    [['/caf%C3%A9/x/**'], '/'],
    [['/a/b/c/**', '/a/b/**'], '/a/b/'],
  ])('%j -> %s', (patterns, path) => {
    expect(passCookiePath(segmentsOf(...patterns))).toBe(path)
  })
})

describe('passScope: p and n as the edge reads them', () => {
  const scope = (own: string[], earlier: string[] = []) =>
    passScope(segmentsOf(...own), segmentsOf(...earlier))
  test.each([
    [['/media/**'], [], '1|/media/'],
    [['/**'], [], '1|/'],
    [['/media/a.ts'], [], '1|/media/a.ts'],
    // `/a/**` matches `/a` too: one field does for both.
    [['/media', '/media/**'], [], '1|/media/'],
    [['/media/**', '/media/**/'], [], '1|/media/'],
    [['/media/*/a.ts', '/media/**/x'], [], '2|/media/*/a.ts|/media/**/x'],
    // The exact root would read as the prefix of every path; the edge never serves it.
    [['/', '/media/**'], ['/'], '1|/media/'],
    // A `,` may not be in a cookie value: the pattern's paths are left to the gate...
    [['/a,b/**', '/media/**'], [], '1|/media/'],
    [['/caf%C3%A9/**', '/media/**'], [], '1|/media/'],
    // ... and in n, the segment matches any (the edge falls back on more paths, not fewer).
    [['/media/**'], ['/media/a,b/**', '/media/x%7Cy'], '1|/media/|/media/*/**|/media/*'],
  ])('%j after %j -> %s', (own, earlier, expected) => {
    expect(scope(own, earlier)).toBe(expected)
  })

  test('none when no pattern of p is one the edge can compare', () => {
    expect(scope(['/a,b/**', '/caf%C3%A9'])).toBeUndefined()
    expect(scope(['/'])).toBeUndefined()
  })
})

describe('pass in the rules file', () => {
  const stream = {
    id: 'stream',
    match: { paths: ['/media/stream/**', '/media/%7Euser/*/x'] },
    require: { vibe: 'nxwyqqow' },
    pass: { ttl: '60s' },
  }

  test('compiles ttl, canonical p, n from the earlier rules that overlap its paths (any host, any method) and the path', () => {
    const { rules } = parse([
      { id: 'assets', match: { paths: ['/', '/assets/**/'] }, access: 'public' },
      {
        id: 'admin',
        match: { paths: ['/media/stream/admin/**'], methods: ['POST'], hosts: ['a.example'] },
        access: 'authenticated',
      },
      stream,
      { id: 'later', match: { paths: ['/later/**'] }, access: 'authenticated', pass: { ttl: 5 } },
    ])
    const pass = rules.rules[2]!.pass!
    expect(pass.ttlSeconds).toBe(60)
    expect(pass.patterns).toEqual(['/media/stream/**', '/media/~user/*/x'])
    // `/` and `/assets/**` can never take a request of `/media/stream/**` or `/media/~user/*/x`.
    expect(pass.earlier).toEqual(['/media/stream/admin/**'])
    expect(pass.cookiePath).toBe('/media/')
    expect(pass.fits).toBe(true)
    expect(pass.scope).toBe('2|/media/stream/|/media/~user/*/x|/media/stream/admin/')
    expect(rules.rules[0]!.pass).toBeUndefined()
    expect(rules.rules[3]!.pass!.earlier).toEqual([])
  })

  test('the first rule has n = []', () => {
    expect(parse([stream]).rules.rules[0]!.pass!.earlier).toEqual([])
  })

  test.each([
    [{ ttl: '0s' }, 'rules[0].pass.ttl: ttl must be whole seconds from 1s to 5m, got "0s"'],
    [{ ttl: '301s' }, 'ttl must be whole seconds from 1s to 5m, got "301s"'],
    [{ ttl: '1500ms' }, 'ttl must be whole seconds from 1s to 5m'],
    [{ ttl: 'soon' }, 'expected a duration such as "60s" or "2m"'],
    [{}, 'rules[0].pass.ttl: "ttl" is required'],
    [{ ttl: 60, tll: 1 }, 'rules[0].pass.tll: unknown key "tll"; did you mean "ttl"?'],
  ])('refuses pass %j', (pass, message) => {
    expect(errorsOf([{ ...stream, pass }]).join('\n')).toContain(message)
  })

  test('accepts the bounds 1s and 5m', () => {
    expect(errorsOf([{ ...stream, pass: { ttl: 1 } }])).toEqual([])
    expect(errorsOf([{ ...stream, pass: { ttl: '5m' } }])).toEqual([])
  })

  test('refuses pass on a public rule, naming the rule, the field and the fix', () => {
    expect(
      errorsOf([{ id: 'pub', match: { paths: ['/p/**'] }, access: 'public', pass: { ttl: 9 } }]),
    ).toEqual([
      'rules[0].pass: rule "pub" is public: a pass has no use there (anyone may read these paths); remove "pass"',
    ])
  })

  test('refuses pass on a rule that does not match GET', () => {
    expect(errorsOf([{ ...stream, match: { ...stream.match, methods: ['POST', 'PUT'] } }])).toEqual(
      [
        'rules[0].pass: rule "stream" has "pass" but match.methods (POST, PUT) leaves out GET, and passes serve only GET and HEAD: add GET to match.methods or remove "pass"',
      ],
    )
    expect(errorsOf([{ ...stream, match: { ...stream.match, methods: ['GET'] } }])).toEqual([])
  })

  test('refuses pass on a pattern with a segment the edge would read as a wildcard', () => {
    expect(errorsOf([{ ...stream, match: { paths: ['/v/%2A/x'] } }]).join('\n')).toContain(
      'rules[0].match.paths[0]: rule "stream" has "pass" but "/v/%2A/x" has a segment that decodes to "*"',
    )
  })

  test('warns about a pass too large to issue, and never issues it', () => {
    const earlier = Array.from({ length: 40 }, (_, i) => ({
      id: `r${i}`,
      match: { paths: [`/media/stream/${'x'.repeat(56)}/${i}/**`] },
      access: 'authenticated',
    }))
    const { rules, warnings } = parse([...earlier, stream])
    expect(rules.rules[40]!.pass!.fits).toBe(false)
    expect(rules.rules[40]!.pass!.earlier).toEqual([])
    expect(warnings.map((w) => `${w.field}: ${w.message}`)).toContainEqual(
      expect.stringMatching(/^rules\[40\]\.pass: rule "stream": no pass is ever issued/),
    )
  })

  test('warns when a long host could push the pass over the limit', () => {
    const earlier = Array.from({ length: 35 }, (_, i) => ({
      id: `r${i}`,
      match: { paths: [`/media/stream/${'x'.repeat(56)}/${i}/**`] },
      access: 'authenticated',
    }))
    const { rules, warnings } = parse([...earlier, stream])
    expect(rules.rules[35]!.pass!.fits).toBe(true)
    expect(warnings.map((w) => w.message)).toContainEqual(
      expect.stringContaining('with a long host it exceeds 3000'),
    )
  })
})

test('a pass rule none of whose paths the edge compares gets no pass, and a warning saying why', () => {
  const { rules, warnings } = parse([
    {
      id: 'odd',
      match: { paths: ['/a,b/**'] },
      access: 'authenticated',
      pass: { ttl: '60s' },
    },
  ])
  expect(rules.rules[0]!.pass).toMatchObject({ fits: false, unfit: 'no_edge_path', scope: '' })
  expect(warnings.map((w) => `${w.field}: ${w.message}`)).toEqual([
    expect.stringMatching(
      /^rules\[0\]\.pass: rule "odd": no pass is ever issued: every one of its paths has a segment with characters the edge does not compare/,
    ),
  ])
})

describe('durations the schema refuses', () => {
  test('token.ttl that is not a duration is a located problem, not a crash', () => {
    expect(
      errorsOf([
        { id: 'a', match: { paths: ['/a'] }, access: 'authenticated', token: { ttl: 'soon' } },
      ]),
    ).toEqual(['rules[0].token.ttl: expected a duration such as "90s" or "2m"'])
  })
})
