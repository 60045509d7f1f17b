import { describe, expect, test } from '@jest/globals'
import { setImmediate as nextTurn } from 'node:timers/promises'
import { assembleRules, toRulesPayload } from '../../src/rules/assemble-rules.js'
import { parseRules } from '../../src/rules/load-rules.js'
import { resolveRule, type RuleRequest } from '../../src/rules/resolve-rule.js'
import { largeRulesText } from '../helpers/large-rules.js'

const TEXT = largeRulesText(400, [
  '  - id: vip',
  '    match: { paths: ["/vip/*/hd/**", "/vip/"], methods: [GET, POST], hosts: ["*.fans.example.com"] }',
  '    require: { any: [ { vibe: nxwyqqow, token_ids: [1, "3-5"], min_amount: 2 }, { issuer: queen } ] }',
  '    token: { ttl: 90s, audience: cdn }',
  '  - { id: assets, match: { paths: ["/", "/assets/**"] }, access: public }',
])

const REQUESTS: RuleRequest[] = [
  { method: 'GET', target: '/artists/a396/videos/hd/1.ts' },
  { method: 'POST', target: '/artists/a396/videos/hd/1.ts' },
  { method: 'GET', target: '/artists/a1/photos/7/full' },
  { method: 'GET', target: '/club/news', host: 'a398.fans.example.com' },
  { method: 'GET', target: '/club/news', host: 'elsewhere.example.com' },
  { method: 'HEAD', target: '/vip/x/hd/seg.ts', host: 'a.fans.example.com' },
  { method: 'GET', target: '/vip', host: 'fans.example.com' },
  { method: 'GET', target: '/assets/app.css?v=1' },
  { method: 'GET', target: '/nowhere' },
]

describe('assembleRules', () => {
  test('compiles the payload into the same rules parseRules builds', async () => {
    const parsed = parseRules(TEXT, 'rules.yaml')
    const rules = await assembleRules(toRulesPayload(parsed, 64))
    expect(rules).toEqual({ ...parsed.rules, matcher: expect.any(Object) })
    for (const request of REQUESTS) {
      const resolution = resolveRule(rules, request)
      expect(resolution).toEqual(resolveRule(parsed.rules, request))
      expect(resolution.kind).not.toBe('bad_request')
    }
  })

  test('yields to the event loop whenever its turn budget is spent', async () => {
    const payload = toRulesPayload(parseRules(TEXT, 'rules.yaml'), 50)
    let turns = 0
    let assembling = true
    const count = async (): Promise<void> => {
      while (assembling) {
        await nextTurn()
        turns++
      }
    }
    const counting = count()
    // A budget of 0 ms: one rule per turn.
    const rules = await assembleRules(payload, { turnBudgetMs: 0 })
    assembling = false
    await counting
    expect(turns).toBeGreaterThanOrEqual(rules.rules.length - 1)
  })

  test('stops at the next turn when its signal is aborted', async () => {
    const payload = toRulesPayload(parseRules(TEXT, 'rules.yaml'), 50)
    const controller = new AbortController()
    const reason = new Error('closed')
    const assembling = assembleRules(payload, { signal: controller.signal })
    controller.abort(reason)
    await expect(assembling).rejects.toBe(reason)
  })
})
