import { describe, expect, test } from '@jest/globals'
import { parseRules } from '../../src/rules/load-rules.js'
import { resolveRule, type RuleRequest } from '../../src/rules/resolve-rule.js'

const { rules } = parseRules(
  `version: 1
default: deny
rules:
  - id: admin-post
    match: { paths: ["/admin/**"], methods: [POST, DELETE] }
    access: authenticated
  - id: fans-only-host
    match: { paths: ["/videos/**"], hosts: [fans.example.com] }
    require: { vibe: nxwyqqow }
  - id: subdomains
    match: { paths: ["/videos/**"], hosts: ["*.cdn.example.com"] }
    require: { vibe: xdwbppyw }
  - id: one-segment
    match: { paths: ["/photos/*/full"] }
    require: { vibe: mzwkaxwy }
  - id: middle-globstar
    match: { paths: ["/a/**/z"] }
    access: authenticated
  - id: videos
    match: { paths: ["/videos/**"], methods: [GET] }
    require: { vibe: npwjlbwq }
  - id: assets
    match: { paths: ["/", "/assets/**"] }
    access: public
`,
  'rules.yaml',
)

const resolve = (request: Partial<RuleRequest> & { target: string }): string => {
  const r = resolveRule(rules, { method: 'GET', host: 'site.example.com', ...request })
  return r.kind === 'rule'
    ? r.rule.id
    : r.kind === 'default'
      ? `default:${r.access}`
      : 'bad_request'
}

describe('resolveRule', () => {
  test.each([
    // globs
    [{ target: '/' }, 'assets'],
    [{ target: '/assets' }, 'assets'],
    [{ target: '/assets/css/app.css?v=3' }, 'assets'],
    [{ target: '/assetsx' }, 'default:deny'],
    [{ target: '/photos/7/full' }, 'one-segment'],
    [{ target: '/photos/full' }, 'default:deny'],
    [{ target: '/photos/7/8/full' }, 'default:deny'],
    [{ target: '/a/z' }, 'middle-globstar'],
    [{ target: '/a/b/c/z' }, 'middle-globstar'],
    [{ target: '/a/b/c' }, 'default:deny'],
    // case-sensitive
    [{ target: '/Assets/x' }, 'default:deny'],
    // methods, HEAD as GET
    [{ target: '/admin/users', method: 'POST' }, 'admin-post'],
    [{ target: '/admin/users', method: 'GET' }, 'default:deny'],
    [{ target: '/videos/x', method: 'HEAD' }, 'videos'],
    [{ target: '/videos/x', method: 'PUT' }, 'default:deny'],
    // hosts: exact, wildcard on a dot boundary, case, port, trailing dot
    [{ target: '/videos/x', host: 'fans.example.com' }, 'fans-only-host'],
    [{ target: '/videos/x', host: 'FANS.Example.COM:8443' }, 'fans-only-host'],
    [{ target: '/videos/x', host: 'fans.example.com.' }, 'fans-only-host'],
    [{ target: '/videos/x', host: 'a.cdn.example.com' }, 'subdomains'],
    [{ target: '/videos/x', host: 'a.b.cdn.example.com' }, 'subdomains'],
    [{ target: '/videos/x', host: 'cdn.example.com' }, 'videos'],
    [{ target: '/videos/x', host: 'evilcdn.example.com' }, 'videos'],
    [{ target: '/videos/x', host: 'fans.example.com.evil.com' }, 'videos'],
    [{ target: '/videos/x', host: undefined }, 'videos'],
    // order: the first match wins even when a later rule is more specific
    [{ target: '/videos/x', host: 'fans.example.com', method: 'HEAD' }, 'fans-only-host'],
    // refused: bad method, bad host, bad path
    [{ target: '/videos/x', method: 'get' }, 'bad_request'],
    [{ target: '/videos/x', method: 'GET /x' }, 'bad_request'],
    [{ target: '/videos/x', host: 'fans.example.com@evil.com' }, 'bad_request'],
    [{ target: '/videos/x', host: 'fans.example.com:8443:1' }, 'bad_request'],
    [{ target: '/videos/x', host: 'fans.example.com/x' }, 'bad_request'],
    [{ target: '/videos/x', host: ' fans.example.com' }, 'bad_request'],
    [{ target: '/videos/x', host: '' }, 'bad_request'],
    [{ target: '/videos/x', host: '[::1]:8080' }, 'videos'],
    [{ target: '/assets/%2e%2e/videos/x' }, 'bad_request'],
    [{ target: '/assets;/../videos/x' }, 'bad_request'],
  ] as const)('%j -> %s', (request, expected) => {
    expect(resolve(request)).toBe(expected)
  })

  test('the canonical path is returned with the rule', () => {
    expect(resolveRule(rules, { method: 'GET', target: '/assets/a%20b/?x=1' })).toMatchObject({
      kind: 'rule',
      path: '/assets/a b',
    })
  })

  test('the default applies to unmatched requests', () => {
    const { rules: open } = parseRules('version: 1\ndefault: authenticated\nrules: []\n', 'r.yaml')
    expect(resolveRule(open, { method: 'GET', target: '/x' })).toEqual({
      kind: 'default',
      access: 'authenticated',
      path: '/x',
    })
  })
})

describe('a trailing slash', () => {
  const { rules: layered } = parseRules(
    `version: 1
rules:
  - { id: landing, match: { paths: ["/videos"] }, access: public }
  - { id: videos, match: { paths: ["/videos/**"] }, require: { vibe: nxwyqqow } }
  - { id: members, match: { paths: ["/members", "/members/**"] }, access: authenticated }
  - { id: photos, match: { paths: ["/photos/*"] }, access: public }
`,
    'r.yaml',
  )
  const id = (target: string): string => {
    const r = resolveRule(layered, { method: 'GET', target })
    return r.kind === 'rule' ? r.rule.id : r.kind === 'default' ? 'default' : 'bad_request'
  }

  test.each([
    ['/videos', 'landing'],
    ['/videos/', 'bad_request'],
    ['/videos/x', 'videos'],
    ['/videos/x/', 'videos'],
    ['/members/', 'members'],
    ['/photos/', 'bad_request'],
    ['/photos/1/', 'bad_request'],
    ['/nowhere/', 'default'],
  ])('%s -> %s (both readings must meet the same rule)', (target, expected) => {
    expect(id(target)).toBe(expected)
  })
})
