import { describe, expect, test } from '@jest/globals'
import { LruCache } from '../../src/util/lru-cache.js'

describe('LruCache', () => {
  test('holds at most maxEntries, dropping the least recently used first', () => {
    const lru = new LruCache<number>(4)
    for (const k of ['a', 'b', 'c', 'd']) lru.set(k, 1, 0)
    lru.get('a') // a is the oldest insertion, in the older half: moved to the back
    lru.set('e', 1, 0)
    expect(lru.size).toBe(4)
    expect(lru.get('b')).toBeUndefined()
    expect(lru.get('a')).toBeDefined()
  })

  test('an entry read within the last maxEntries / 2 insertions is never the one evicted', () => {
    const max = 100
    const lru = new LruCache<number>(max)
    for (let i = 0; i < max; i++) lru.set(`k${i}`, i, 0)
    // A hot key, read after every insertion while a stream of new keys flows through.
    for (let i = 0; i < 10 * max; i++) {
      expect(lru.get('k0')?.value).toBe(0)
      lru.set(`new${i}`, i, 0)
      expect(lru.size).toBe(max)
    }
    // Read only every max / 2 insertions: still kept.
    for (let i = 0; i < 10 * max; i++) {
      if (i % (max / 2) === 0) expect(lru.get('k0')).toBeDefined()
      lru.set(`newer${i}`, i, 0)
    }
    expect(lru.get('k0')).toBeDefined()
  })

  test('an entry nobody reads leaves after maxEntries insertions', () => {
    const lru = new LruCache<number>(10)
    lru.set('cold', 1, 0)
    for (let i = 0; i < 9; i++) lru.set(`k${i}`, i, 0)
    expect(lru.size).toBe(10)
    lru.set('one-more', 1, 0)
    expect(lru.get('cold')).toBeUndefined()
  })

  test('with one entry, the last one set is kept', () => {
    const lru = new LruCache<string>(1)
    lru.set('a', 'x', 5)
    lru.set('b', 'y', 6)
    expect(lru.get('a')).toBeUndefined()
    expect(lru.get('b')).toMatchObject({ value: 'y', expiresAt: 6 })
  })

  test('values() lists what is held; delete and clear remove', () => {
    const lru = new LruCache<number>(3)
    lru.set('a', 1, 0)
    lru.set('b', 2, 0)
    expect([...lru.values()]).toEqual([1, 2])
    lru.delete('a')
    expect([...lru.values()]).toEqual([2])
    lru.clear()
    expect(lru.size).toBe(0)
  })

  test('onEvict hears each entry dropped to make room, and nothing else', () => {
    const evicted: [string, number][] = []
    const lru = new LruCache<number>(2, (key, value) => evicted.push([key, value]))
    lru.set('a', 1, 0)
    lru.set('b', 2, 0)
    lru.set('a', 3, 0)
    lru.delete('b')
    expect(evicted).toEqual([])
    lru.set('c', 4, 0)
    lru.set('d', 5, 0)
    expect(evicted).toEqual([['a', 3]])
  })

  test('maxEntries must be a positive integer', () => {
    expect(() => new LruCache(0)).toThrow(TypeError)
    expect(() => new LruCache(1.5)).toThrow(/maxEntries/)
  })
})
