import { describe, expect, test } from '@jest/globals'
import { performance } from 'node:perf_hooks'
import { parseYamlSource } from '../../src/util/yaml-source.js'

/** A mapping nested `depth` levels by indentation: `a:\n  a:\n    a: 1`. */
const indented = (depth: number): string =>
  Array.from({ length: depth }, (_, i) => `${'  '.repeat(i)}a:${i === depth - 1 ? ' 1' : ''}`).join(
    '\n',
  )

/** Lists of mappings, two levels a line: `- a:\n  - a:\n    - a: 1`. */
const mixed = (depth: number): string =>
  Array.from({ length: depth / 2 }, (_, i) => `${'  '.repeat(i)}- a:`).join('\n') + ' 1\n'

describe('parseYamlSource', () => {
  test('parses YAML and JSON with positions', () => {
    const source = parseYamlSource('a:\n  - x\n  - { b: 1 }\n')
    expect(source.value).toEqual({ a: ['x', { b: 1 }] })
    expect(source.position(['a', 1, 'b'])).toEqual({ line: 3, column: 10 })
    expect(source.position(['a', 1], 'b')).toEqual({ line: 3, column: 7 })
    expect(parseYamlSource('{"a": [1, 2]}').value).toEqual({ a: [1, 2] })
  })

  test.each([
    ['a duplicate key', 'a: 1\na: 2\n', 2, 1],
    ['a second document', 'a: 1\n---\nb: 2\n', 2, 1],
    ['an unclosed flow list', 'a: [1, 2\n', 2, 1],
  ])('reports %s as a syntax error with its position', (_, text, line, column) => {
    const source = parseYamlSource(text)
    expect(source.value).toBeUndefined()
    expect(source.syntaxErrors[0]).toMatchObject({ line, column })
  })

  describe('maxDepth', () => {
    test.each([
      ['flow lists', (d: number) => `${'['.repeat(d)}${']'.repeat(d)}`],
      ['flow mappings', (d: number) => `${'{a: '.repeat(d)}1${'}'.repeat(d)}`],
      ['indented mappings', indented],
      ['compact lists', (d: number) => `${'- '.repeat(d)}x\n`],
      ['lists of mappings', mixed],
    ])('nested %s: the limit is allowed, one more level is refused', (_, nest) => {
      const depth = 8
      expect(parseYamlSource(nest(depth), { maxDepth: depth }).limitExceeded).toBeUndefined()
      const deeper = parseYamlSource(nest(depth + 2), { maxDepth: depth })
      expect(deeper.value).toBeUndefined()
      expect(deeper.limitExceeded).toMatchObject({ limit: 'maxDepth', max: depth })
    })

    test('reports where the first level beyond the limit starts', () => {
      expect(parseYamlSource('[[[[1]]]]', { maxDepth: 3 }).limitExceeded).toEqual({
        limit: 'maxDepth',
        max: 3,
        line: 1,
        column: 4,
      })
      expect(parseYamlSource(indented(6), { maxDepth: 4 }).limitExceeded).toMatchObject({
        line: 5,
        column: 9,
      })
    })

    test('a block scalar full of brackets is text, not depth', () => {
      const text = `a: |\n  ${'[{'.repeat(100)}\nb: 1\n`
      expect(parseYamlSource(text, { maxDepth: 4 })).toMatchObject({
        value: { a: `${'[{'.repeat(100)}\n`, b: 1 },
        limitExceeded: undefined,
      })
    })

    test('a 200,000-deep document is refused in milliseconds, without building it', () => {
      for (const text of ['['.repeat(200_000) + ']'.repeat(200_000), `${'- '.repeat(200_000)}x`]) {
        const heap = process.memoryUsage().heapUsed
        const started = performance.now()
        const source = parseYamlSource(text, { maxDepth: 64 })
        expect(performance.now() - started).toBeLessThan(200)
        expect(process.memoryUsage().heapUsed - heap).toBeLessThan(20 * 1024 * 1024)
        expect(source.limitExceeded).toMatchObject({ limit: 'maxDepth', line: 1 })
      }
    })
  })

  describe('maxItems', () => {
    const list = (n: number): string =>
      `version: 1\nrules:\n${Array.from({ length: n }, (_, i) => `  - { id: r${i} }`).join('\n')}\n`

    test('stops the parse at the list under the key, reporting the first item beyond', () => {
      const source = parseYamlSource(list(10), { maxItems: { key: 'rules', max: 3 } })
      expect(source.value).toBeUndefined()
      expect(source.limitExceeded).toEqual({
        limit: 'maxItems',
        key: 'rules',
        max: 3,
        line: 6,
        column: 5,
      })
    })

    test('allows one item of slack while parsing (the caller counts exactly)', () => {
      expect(parseYamlSource(list(4), { maxItems: { key: 'rules', max: 3 } }).value).toMatchObject({
        rules: { length: 4 },
      })
    })

    test('counts a JSON list, and no other key', () => {
      const json = (key: string): string =>
        JSON.stringify({ version: 1, [key]: Array.from({ length: 10 }, (_, i) => ({ id: i })) })
      const limits = { maxItems: { key: 'rules', max: 3 } }
      expect(parseYamlSource(json('rules'), limits).limitExceeded).toMatchObject({ line: 1 })
      expect(parseYamlSource(json('other'), limits).limitExceeded).toBeUndefined()
      expect(parseYamlSource(`a:\n  rules: [1, 2, 3, 4, 5, 6]\n`, limits).limitExceeded).toBe(
        undefined,
      )
    })
  })
})
