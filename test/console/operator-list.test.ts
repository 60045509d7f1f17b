import { describe, expect, test } from '@jest/globals'
import { parseOperatorList } from '../../src/console/operator-list.js'
import { loadConfig } from '../../src/config/load-config.js'

const WALLET = '0x4888cd354a13606992793468A628f9e6c8efd847'
const UUID = '0b3f6a52-6c1e-4d1e-9a39-2f0f7d6b1c11'
const user = (over: Partial<{ id: string; uuid: string; wallet: string | null }>) => ({
  id: 'someone',
  uuid: '11111111-2222-3333-4444-555555555555',
  wallet: null,
  ...over,
})

describe('VIBEGATE_OPERATORS', () => {
  const list = parseOperatorList(`carol, ${UUID} ,${WALLET}`).list!

  test.each([
    ['an OurSong id, exactly', user({ id: 'carol' }), true],
    ['an OurSong id in another case', user({ id: 'Carol' }), false],
    ['a uuid, in any case', user({ uuid: UUID.toUpperCase() }), true],
    ['a wallet, in any case', user({ wallet: WALLET.toLowerCase() }), true],
    ['nobody listed', user({}), false],
    ['an id that is a listed wallet’s text', user({ id: WALLET }), false],
  ])('matches %s: %s', (_name, who, expected) => {
    expect(list.includes(who)).toBe(expected)
  })

  test.each([
    ['0x123', /"0x123" is not a wallet address/],
    ['carol,bad id!', /"bad id!" is neither an OurSong user id/],
    [' , ', /lists nobody/],
  ])('refuses %j, naming the variable', (text, message) => {
    const { problems } = parseOperatorList(text)
    expect(problems.length).toBeGreaterThan(0)
    expect(problems[0]).toMatch(/^VIBEGATE_OPERATORS/)
    expect(problems[0]).toMatch(message)
  })

  const base = { OURSONG_API_KEY: 'k', OURSONG_API_SECRET: 's' }
  test('unset: the console is off', () => {
    expect(loadConfig(base).operators).toBeUndefined()
  })
  test('set: parsed; a bad entry fails the configuration with every other problem', () => {
    expect(loadConfig({ ...base, VIBEGATE_OPERATORS: 'carol' }).operators!.entries).toEqual([
      'carol',
    ])
    expect(() => loadConfig({ ...base, VIBEGATE_OPERATORS: 'carol,0xzz', PORT: 'x' })).toThrow(
      /PORT must be[\s\S]*VIBEGATE_OPERATORS: "0xzz" is not a wallet address/,
    )
  })
})
