import { describe, expect, test } from '@jest/globals'
import { createKeyMemo } from '../../src/ownership/key-memo.js'
import type { Scope } from '../../src/ownership/tiered-cache.js'

const alice: Scope = { kind: 'user', id: 'alice' }
const yellow: Scope = { kind: 'vibe', id: 'yellow' }

describe('createKeyMemo', () => {
  test('the same parts and generations give the very same key', () => {
    const keys = createKeyMemo(100)
    const a = keys.of('holding', [alice, yellow], [0, 0], ['ids'])
    expect(keys.of('holding', [alice, yellow], [0, 0], ['ids'])).toBe(a)
    expect(a).toBe('holding:["user","alice",0,"vibe","yellow",0,"ids"]')
  })

  test('a generation that moved gives a new key', () => {
    const keys = createKeyMemo(100)
    const before = keys.of('holding', [alice, yellow], [0, 0], ['ids'])
    const after = keys.of('holding', [alice, yellow], [0, 7], ['ids'])
    expect(after).not.toBe(before)
    expect(keys.of('holding', [alice, yellow], [0, 7], ['ids'])).toBe(after)
  })

  test('each call gets the key of its own parts, whatever was asked before', () => {
    const keys = createKeyMemo(100)
    // Shapes a memo keyed on the parts alone could confuse (a trie without counts would).
    const calls: [string, Scope[], number[], (string | number)[]][] = [
      ['x', [alice, yellow], [0, 0], []],
      ['x', [alice], [0], ['vibe', 'yellow']],
      ['x', [alice], [0], ['vibe', 'yellow', 0]],
      ['x', [alice, yellow], [0, 0], ['']],
      ['y', [alice, yellow], [0, 0], []],
    ]
    const direct = ([ns, scopes, gens, parts]: (typeof calls)[number]): string =>
      `${ns}:${JSON.stringify([...scopes.flatMap((s, i) => [s.kind, s.id, gens[i]!]), ...parts])}`
    for (let round = 0; round < 2; round++)
      for (const call of calls) expect(keys.of(...call)).toBe(direct(call))
  })

  test('past its size it starts again, and still answers right', () => {
    const keys = createKeyMemo(3)
    for (let i = 0; i < 10; i++) {
      const user: Scope = { kind: 'user', id: `u${i}` }
      expect(keys.of('holding', [user], [i], ['ids'])).toBe(`holding:["user","u${i}",${i},"ids"]`)
    }
  })
})
