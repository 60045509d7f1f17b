import { describe, expect, test } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { checkRulesText } from '../../src/console/check-rules-text.js'
import { applyRuleEdit } from '../../src/console/rule-edits.js'

const DEMO = readFileSync('rules/demo.yaml', 'utf8')
const ids = (text: string): string[] =>
  checkRulesText(text, 'rules.yaml').parsed!.inputs.map((r) => r.id)

describe('rule edits from the console forms', () => {
  test('add writes a valid rule at the end and leaves every other line as it was', () => {
    const out = applyRuleEdit(DEMO, {
      op: 'add',
      rule: {
        id: 'vip',
        paths: ['/vip/**'],
        methods: ['GET'],
        vibe: 'xdwbppyw',
        tokenIds: [1, '3-5'],
        ttl: '90s',
      },
    })
    expect(out.startsWith(DEMO)).toBe(true)
    expect(out.slice(DEMO.length)).toBe(
      '\n  - id: vip\n    match:\n      paths: [/vip/**]\n      methods: [GET]\n    require:\n      vibe: xdwbppyw\n      token_ids: [1, 3-5]\n    token:\n      ttl: 90s\n',
    )
    expect(checkRulesText(out, 'rules.yaml').ok).toBe(true)
    expect(ids(out).at(-1)).toBe('vip')
  })

  test('add at position 0 puts the rule first', () => {
    const out = applyRuleEdit(DEMO, {
      op: 'add',
      rule: { id: 'first', paths: ['/x'], access: 'public' },
      position: 0,
    })
    expect(ids(out)[0]).toBe('first')
  })

  test('delete and move keep each rule with the comment above it', () => {
    const before = ids(DEMO)
    const deleted = applyRuleEdit(DEMO, { op: 'delete', id: 'yellow-hd' })
    expect(ids(deleted)).toEqual(before.filter((id) => id !== 'yellow-hd'))
    expect(deleted).not.toContain('HD cut: tokens 1-5 only')
    const moved = applyRuleEdit(DEMO, { op: 'move', id: 'yellow', to: 0 })
    expect(ids(moved)).toEqual(['yellow', ...before.filter((id) => id !== 'yellow')])
    expect(moved.indexOf('# Coldplay - Yellow, any token.')).toBeLessThan(
      moved.indexOf('- id: yellow\n'),
    )
    expect(applyRuleEdit(moved, { op: 'move', id: 'yellow', to: 3 })).toBe(DEMO)
  })

  test('an unknown id or a text that is not YAML is refused', () => {
    expect(() => applyRuleEdit(DEMO, { op: 'delete', id: 'nope' })).toThrow(/no rule has id "nope"/)
    expect(() => applyRuleEdit('rules: [', { op: 'delete', id: 'x' })).toThrow()
  })
})
