import { describe, expect, test } from '@jest/globals'
import fc from 'fast-check'
import { canonicalPath, canonicalSegments } from '../../src/rules/canonical-path.js'
import { parseRules } from '../../src/rules/load-rules.js'
import { generalHost, normalizeHost } from '../../src/rules/host-pattern.js'
import { resolveRule } from '../../src/rules/resolve-rule.js'

/**
 * Protected routes first, then a public catch-all: the layout most exposed to path
 * confusion, since anything that slips past the protected patterns lands on a public rule.
 */
const { rules } = parseRules(
  `version: 1
default: deny
rules:
  - { id: videos, match: { paths: ["/videos/**"] }, require: { vibe: nxwyqqow } }
  - { id: admin, match: { paths: ["/admin", "/admin/**"] }, access: authenticated }
  - { id: photos, match: { paths: ["/photos/*/full"] }, require: { vibe: mzwkaxwy } }
  - { id: everything-else, match: { paths: ["/**"] }, access: public }
`,
  'properties.yaml',
)
const PROTECTED = [/^\/videos(\/|$)/, /^\/admin(\/|$)/, /^\/photos\/[^/]+\/full$/]

/**
 * How various backends could read a request target: decode once or twice, with or without
 * `;` parameters, with `\` as `/`, merging slashes and resolving dot segments (as nginx,
 * Tomcat/Spring, IIS and naive frameworks variously do). The gate must not call public a
 * target that any of these reads as a protected path.
 */
function backendReadings(target: string): string[] {
  const path = target.split(/[?#]/)[0]!
  const decodeOnce = (s: string): string =>
    s.replace(/%([0-9A-Fa-f]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)))
  const variants = new Set<string>()
  for (const stripParams of [false, true]) {
    for (const backslash of [false, true]) {
      for (const decodes of [0, 1, 2]) {
        let p = stripParams ? path.replace(/;[^/]*/g, '') : path
        for (let i = 0; i < decodes; i++) p = decodeOnce(p)
        if (backslash) p = p.replace(/\\/g, '/')
        if (stripParams) p = p.replace(/;[^/]*/g, '')
        variants.add(normalize(p))
      }
    }
  }
  return [...variants]
}

/** Merges slashes, resolves dot segments, drops a trailing slash and NULs onward. */
function normalize(p: string): string {
  const out: string[] = []
  for (const seg of p.split('\0')[0]!.split('/')) {
    if (seg === '' || seg === '.') continue
    if (seg === '..') out.pop()
    else out.push(seg)
  }
  return `/${out.join('/')}`
}

const MUTATIONS = [
  '/',
  '//',
  '/./',
  '/../',
  '.',
  '..',
  ';',
  ';jsessionid=1',
  '%2F',
  '%2f',
  '%5C',
  '\\',
  '%2e',
  '%2E%2e',
  '%252e',
  '%252F',
  '%25',
  '%',
  '%0',
  '%00',
  '%0a',
  '?',
  '#',
  '%3B',
  '%3F',
  '%23',
  'é',
  '%C3%A9',
  '%C0%AF',
  '%e2%80%8b',
  ' ',
  '\t',
  'A',
  'videos',
  'admin',
  'photos',
  'full',
  '*',
  '~',
  '@',
  ':',
]

const base = fc.constantFrom(
  '/videos/yellow/hd.m3u8',
  '/admin',
  '/admin/users',
  '/photos/7/full',
  '/public/page',
  '/',
)
const mutated = fc
  .tuple(base, fc.array(fc.tuple(fc.nat(), fc.constantFrom(...MUTATIONS)), { maxLength: 6 }))
  .map(([path, edits]) =>
    edits.reduce<string>((p, [at, text]) => {
      const i = at % (p.length + 1)
      return p.slice(0, i) + text + p.slice(i)
    }, path),
  )
const anyText = fc.string({ unit: 'binary', maxLength: 80 })
const target = fc.oneof(
  mutated,
  anyText.map((s) => `/${s}`),
  anyText,
)

describe('canonicalisation and matching, property-based', () => {
  test('never throws, whatever the method, host and target', () => {
    fc.assert(
      fc.property(fc.string(), fc.option(fc.string()), target, (method, host, t) => {
        canonicalPath(t)
        resolveRule(rules, { method, host: host ?? undefined, target: t })
      }),
      { numRuns: 5000 },
    )
  })

  test('no target that a backend could read as a protected path is ever matched by a public rule', () => {
    fc.assert(
      fc.property(target, fc.constantFrom('GET', 'HEAD', 'POST'), (t, method) => {
        const resolution = resolveRule(rules, { method, target: t })
        if (resolution.kind === 'rule' && resolution.rule.access === 'public') {
          for (const reading of backendReadings(t)) {
            expect(PROTECTED.some((p) => p.test(reading))).toBe(false)
          }
        }
      }),
      { numRuns: 20000 },
    )
  })

  test('canonical form is a fixed point: canonicalising the canonical path changes nothing', () => {
    fc.assert(
      fc.property(target, (t) => {
        const first = canonicalPath(t)
        if (!first.ok) return
        const encoded = `/${first.segments.map(encodeURIComponent).join('/')}`
        expect(canonicalPath(encoded)).toMatchObject({
          ok: true,
          path: first.path,
          segments: first.segments,
        })
      }),
      { numRuns: 5000 },
    )
  })

  test('the generator does produce protected and public matches (the properties are not vacuous)', () => {
    const seen = new Set<string>()
    fc.assert(
      fc.property(mutated, (t) => {
        const r = resolveRule(rules, { method: 'GET', target: t })
        seen.add(r.kind === 'rule' ? r.rule.access : r.kind)
      }),
      { numRuns: 2000 },
    )
    expect([...seen].sort()).toEqual(['authenticated', 'bad_request', 'public', 'require'])
  })
})

describe('the one-pass case of canonicalPath', () => {
  // Only characters a raw path may hold, weighted towards the ones the fast case must
  // hand on to the general algorithm: dots, colons, slashes and escapes.
  const char = fc.constantFrom(
    ..."aZ0-_~!$&'()*+,=@".split(''),
    '.',
    '.',
    ':',
    ':',
    '/',
    '/',
    '%',
    '%2e',
    '%2F',
    '%3a',
  )
  const rawPath = fc.array(char, { maxLength: 24 }).map((cs) => `/${cs.join('')}`)

  test('agrees with the general algorithm on every raw path', () => {
    fc.assert(
      fc.property(rawPath, (path) => {
        const general = path === '/' ? canonicalPath('/') : canonicalSegments(path)
        expect(canonicalPath(path)).toEqual(general)
      }),
      { numRuns: 20_000 },
    )
  })

  test('keeps the segment cap', () => {
    const long = '/a'.repeat(300)
    expect(canonicalPath(long)).toMatchObject({ ok: false })
    expect(canonicalPath('/a'.repeat(256))).toMatchObject({ ok: true })
  })
})

describe('the one-pass case of normalizeHost', () => {
  const char = fc.constantFrom(...'ab09-.:A '.split(''), '.', '-', ':', '1', '[', ']')
  const label = fc.integer({ min: 60, max: 66 }).map((n) => 'a'.repeat(n))
  const host = fc.oneof(
    fc.array(char, { maxLength: 20 }).map((cs) => cs.join('')),
    fc
      .tuple(fc.array(label, { minLength: 1, maxLength: 5 }), fc.array(char, { maxLength: 6 }))
      .map(([labels, tail]) => labels.join('.') + tail.join('')),
  )

  test('agrees with the general rules on every host', () => {
    fc.assert(
      fc.property(host, (raw) => expect(normalizeHost(raw)).toBe(generalHost(raw))),
      { numRuns: 20_000 },
    )
  })
})
