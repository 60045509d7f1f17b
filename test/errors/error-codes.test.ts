import { describe, expect, test } from '@jest/globals'
import { readFile } from 'node:fs/promises'
import { ERROR_CODES, type ErrorCode } from '../../src/errors/error-codes.js'
import { VibegateError, isVibegateError } from '../../src/errors/vibegate-error.js'

describe('error registry', () => {
  test('every code is documented in docs/errors.md with its status', async () => {
    const doc = await readFile(new URL('../../docs/errors.md', import.meta.url), 'utf8')
    for (const [code, { status }] of Object.entries(ERROR_CODES)) {
      expect(doc).toMatch(new RegExp(`\\| \`${code}\` +\\| ${status} +\\|`))
    }
  })

  test('the public JSON of an error never carries the private detail', () => {
    const error = new VibegateError('oursong_timeout', { detail: 'GET /x after 5000 ms' })
    expect(error.toJSON()).toEqual({
      error: 'oursong_timeout',
      message: ERROR_CODES.oursong_timeout.message,
    })
    expect(JSON.stringify(error)).not.toContain('5000')
    expect(error.message).toContain('5000')
    expect(error.status).toBe(503)
  })

  test('isVibegateError narrows by code', () => {
    const error: unknown = new VibegateError('oursong_not_found')
    expect(isVibegateError(error)).toBe(true)
    expect(isVibegateError(error, 'oursong_not_found' as ErrorCode)).toBe(true)
    expect(isVibegateError(error, 'oursong_timeout')).toBe(false)
    expect(isVibegateError(new Error('x'))).toBe(false)
  })
})
