import { describe, expect, test } from '@jest/globals'
import fc from 'fast-check'
import type { IncomingMessage } from 'node:http'
import { singleCookie } from '../../src/http/request-headers.js'

const request = (...cookies: string[]): IncomingMessage =>
  ({ rawHeaders: cookies.flatMap((c) => ['Cookie', c]) }) as unknown as IncomingMessage

/** The rule, stated plainly: split every Cookie header on ";" and "=", trim, exactly one. */
function reference(cookies: string[], name: string): string | undefined {
  const values: string[] = []
  for (const header of cookies)
    for (const pair of header.split(';')) {
      const eq = pair.indexOf('=')
      if (eq !== -1 && pair.slice(0, eq).trim() === name) values.push(pair.slice(eq + 1).trim())
    }
  return values.length === 1 ? values[0] : undefined
}

describe('singleCookie', () => {
  test.each([
    [['a=1; vibegate_session=abc; b=2'], 'abc'],
    [['vibegate_session=abc'], 'abc'],
    [['vibegate_session = abc ;'], 'abc'],
    [['vibegate_session='], ''],
    [['a=1'], undefined],
    [['xvibegate_session=abc; vibegate_sessionx=def'], undefined],
    [['vibegate_session=a=b'], 'a=b'],
    [['vibegate_session=abc; vibegate_session=def'], undefined],
    [['vibegate_session=abc', 'vibegate_session=def'], undefined],
    [['a=1', 'vibegate_session=def'], 'def'],
  ] as [string[], string | undefined][])('%j -> %j', (cookies, expected) => {
    expect(singleCookie(request(...cookies), 'vibegate_session')).toBe(expected)
  })

  test('agrees with the plain rule on any headers', () => {
    const part = fc.constantFrom('s', 'x', '=', ';', ' ', 'v', 's=', 's=1', ';s=2', 'ss=')
    const header = fc.array(part, { maxLength: 12 }).map((p) => p.join(''))
    fc.assert(
      fc.property(fc.array(header, { maxLength: 3 }), (cookies) => {
        expect(singleCookie(request(...cookies), 's')).toBe(reference(cookies, 's'))
      }),
      { numRuns: 20_000 },
    )
  })
})
