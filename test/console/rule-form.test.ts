import { describe, expect, test } from '@jest/globals'
import { formOfRule, ruleFormBody } from '../../src/console/rule-form.js'
import type { RuleInput } from '../../src/rules/rules-schema.js'

describe('formOfRule', () => {
  test('a plain vibe rule becomes the form, ttl in seconds written with its unit', () => {
    const rule: RuleInput = {
      id: 'yellow',
      description: 'Yellow',
      match: { paths: ['/videos/yellow/**'], methods: ['GET'], hosts: ['fans.example.com'] },
      require: { vibe: 'nxwyqqow', token_ids: [1, '3-5'] },
      token: { ttl: 90 },
    }
    expect(formOfRule(rule)).toEqual({
      id: 'yellow',
      description: 'Yellow',
      paths: ['/videos/yellow/**'],
      methods: ['GET'],
      hosts: ['fans.example.com'],
      vibe: 'nxwyqqow',
      tokenIds: [1, '3-5'],
      ttl: '90s',
    })
  })

  test('access rules keep their access', () => {
    expect(formOfRule({ id: 'm', match: { paths: ['/m/**'] }, access: 'authenticated' })).toEqual({
      id: 'm',
      paths: ['/m/**'],
      access: 'authenticated',
    })
  })

  test.each([
    [{ require: { any: [{ vibe: 'a' }, { vibe: 'b' }] } }, 'require.any'],
    [{ require: { issuer: 'queen' } }, 'require.issuer'],
    [{ require: { vibe: 'a', min_amount: 2 } }, 'require.min_amount'],
    [{ require: { vibe: 'a' }, token: { audience: 'cdn' } }, 'token.audience'],
    [{ access: 'public', somethingNew: { ttl: '60s' } }, 'somethingNew'],
  ])('refuses what the form cannot write back (%j): names %s', (part, field) => {
    const rule = { id: 'r', match: { paths: ['/r/**'] }, ...part } as unknown as RuleInput
    const why = formOfRule(rule)
    expect(typeof why).toBe('string')
    expect(why).toContain(field)
    expect(why).toContain('YAML tab')
  })
})

describe('ruleFormBody', () => {
  test('escapes every value it fills in', () => {
    const html = ruleFormBody({
      id: 'x',
      description: '"><script>alert(1)</script>',
      paths: ['/a/</textarea><b>'],
      access: 'public',
    })
    expect(html).not.toContain('<script>alert')
    expect(html).not.toContain('</textarea><b>')
    expect(html).toContain('value="public" checked')
    expect(html).toContain('data-replace="x"')
    expect(html).not.toContain('id="f-position"')
  })

  test('empty, it is the add form with a position', () => {
    const html = ruleFormBody()
    expect(html).not.toContain('data-replace')
    expect(html).toContain('id="f-position"')
    expect(html).toContain('value="vibe" checked')
  })
})
