import type { z } from 'zod'

/**
 * A zod issue as a sentence for whoever edits the fixture: what is wrong and what to write
 * instead. `allowedKeys` are the fields of the object the issue is about, for unknown keys.
 */
export function describeZodIssue(issue: z.core.$ZodIssue, allowedKeys: readonly string[]): string {
  // Secrets in a fixture are test data, but messages may reach logs: never echo them.
  const secret = issue.path.some((p) => typeof p === 'string' && SECRET_FIELDS.has(p))
  const describeValue = (value: unknown) => (secret ? typeOf(value) : show(value))
  switch (issue.code) {
    case 'invalid_type': {
      const field = issue.path.at(-1)
      if (issue.input === undefined) {
        return `missing; add ${typeof field === 'string' ? `${field}: ` : 'a value: '}<${issue.expected}>`
      }
      return `expected ${article(issue.expected)}, got ${describeValue(issue.input)}`
    }
    case 'unrecognized_keys':
      return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `'${k}'`).join(', ')}; allowed fields: ${allowedKeys.join(', ')}`
    case 'invalid_value':
      return `${describeValue(issue.input)} is not allowed; use one of: ${issue.values.map(String).join(', ')}`
    case 'too_small':
      if (issue.origin === 'array') return issue.message
      return issue.message.startsWith('Too small')
        ? `must be at least ${issue.minimum}`
        : issue.message
    default:
      return issue.message
  }
}

function article(expected: string): string {
  if (expected === 'int') return 'a whole number'
  if (expected === 'array') return 'a list'
  if (expected === 'object') return 'a mapping (field: value)'
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`
}

const SECRET_FIELDS = new Set(['password', 'api_secret', 'wallet_private_key', 'access_tokens'])

function typeOf(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'a list'
  if (typeof value === 'object') return 'a mapping'
  return `a ${typeof value}`
}

function show(value: unknown): string {
  if (typeof value === 'string')
    return `'${value.length > 40 ? `${value.slice(0, 40)}...` : value}'`
  if (typeof value === 'number' || typeof value === 'boolean') return `${typeof value} ${value}`
  return typeOf(value)
}
