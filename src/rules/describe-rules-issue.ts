import type { z } from 'zod'
import { KNOWN_KEYS } from './rules-schema.js'
import { vibeIdAdvice } from './vibe-id-advice.js'

/** A problem at a place in the rules file, before positions are attached. */
export interface LocatedMessage {
  /** Path from the document root to the value at fault. */
  path: (string | number)[]
  /** Set for an unknown key: the problem is the key itself, not its value. */
  key?: string
  message: string
}

const REQUIREMENT_KINDS = ['vibe', 'issuer', 'any', 'all'] as const

/**
 * Turns one zod issue on the rules file into messages an operator can act on: unknown keys
 * name the nearest valid one, a requirement union names the branch the author meant,
 * missing fields are called missing. `valueAt` reads the parsed document.
 */
export function describeRulesIssue(
  issue: z.core.$ZodIssue,
  valueAt: (path: readonly (string | number)[]) => unknown,
  prefix: (string | number)[] = [],
): LocatedMessage[] {
  const path = [...prefix, ...issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p))]
  const value = valueAt(path)
  switch (issue.code) {
    case 'unrecognized_keys': {
      const known = knownKeysAt(path)
      return issue.keys.map((key) => ({
        path: [...path, key],
        key,
        message: `unknown key "${key}"${hint(key, known)}`,
      }))
    }
    case 'invalid_type':
      if (value === undefined) {
        return [{ path, message: `"${String(path[path.length - 1])}" is required` }]
      }
      return [{ path, message: `expected ${article(issue.expected)}, got ${kindOf(value)}` }]
    case 'invalid_value': {
      if (value === undefined) {
        return [{ path, message: `"${String(path[path.length - 1])}" is required` }]
      }
      const allowed = issue.values.map((v) => JSON.stringify(v))
      const got = typeof value === 'string' ? hint(value, issue.values.map(String)) : ''
      return [
        { path, message: `expected ${allowed.join(' or ')}, got ${JSON.stringify(value)}${got}` },
      ]
    }
    case 'invalid_union':
      return describeUnion(issue, path, value, valueAt)
    case 'too_small':
      if (issue.origin === 'array') {
        return [{ path, message: `must list at least ${String(issue.minimum)}` }]
      }
      return [{ path, message: issue.message.replace(/^Too small: /, '') }]
    default: {
      // A pasted vibe URL fails the id pattern; say which id to write instead.
      const advice =
        path[path.length - 1] === 'vibe' && typeof value === 'string'
          ? vibeIdAdvice(value)
          : undefined
      return [{ path, message: advice ?? issue.message.replace(/^Invalid input: /, '') }]
    }
  }
}

function describeUnion(
  issue: z.core.$ZodIssueInvalidUnion,
  path: (string | number)[],
  value: unknown,
  valueAt: (path: readonly (string | number)[]) => unknown,
): LocatedMessage[] {
  if (isRequirementPath(path)) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return [{ path, message: 'a requirement is an object such as { vibe: nxwyqqow }' }]
    }
    const keys = Object.keys(value)
    const kinds = REQUIREMENT_KINDS.filter((k) => keys.includes(k))
    if (kinds.length !== 1) {
      const message =
        kinds.length === 0
          ? `a requirement needs one of vibe, issuer, any or all${keys.length ? `; got ${keys.join(', ')}${hint(keys[0]!, REQUIREMENT_KINDS)}` : ''}`
          : `a requirement has exactly one of vibe, issuer, any or all; to combine ${kinds.join(' and ')}, write all: [...] or any: [...]`
      return [{ path, message }]
    }
    const branch = issue.errors[REQUIREMENT_KINDS.indexOf(kinds[0]!)] ?? []
    return branch.flatMap((inner) => describeRulesIssue(inner, valueAt, path))
  }
  if (value === undefined)
    return [{ path, message: `"${String(path[path.length - 1])}" is required` }]
  // Another union (a token id, a ttl): the branch whose type fits the value explains best.
  const fitting = issue.errors.find(
    (branch) => !branch.some((i) => i.code === 'invalid_type' && i.path.length === 0),
  )
  if (fitting) return fitting.flatMap((inner) => describeRulesIssue(inner, valueAt, path))
  const expected = issue.errors.flatMap((branch) =>
    branch.flatMap((i) => (i.code === 'invalid_type' && i.path.length === 0 ? [i.expected] : [])),
  )
  return [
    {
      path,
      message: `expected ${[...new Set(expected)].map(article).join(' or ')}, got ${kindOf(value)}`,
    },
  ]
}

function isRequirementPath(path: readonly (string | number)[]): boolean {
  const at = path.indexOf('require')
  if (at === -1) return false
  // The requirement itself, or an element of any/all lists nested inside it.
  const rest = path.slice(at + 1)
  return (
    rest.length % 2 === 0 &&
    rest.every((p, i) => (i % 2 === 0 ? p === 'any' || p === 'all' : typeof p === 'number'))
  )
}

function knownKeysAt(path: readonly (string | number)[]): readonly string[] {
  if (path.length === 0) return KNOWN_KEYS.file
  if (path.includes('require')) return KNOWN_KEYS.require
  const last = path[path.length - 1]
  if (last === 'match') return KNOWN_KEYS.match
  if (last === 'token') return KNOWN_KEYS.token
  if (last === 'pass') return KNOWN_KEYS.pass
  return KNOWN_KEYS.rule
}

/** `; did you mean "x"?` for the nearest candidate, or the list of valid ones. */
export function hint(word: string, candidates: readonly string[]): string {
  let best: string | undefined
  let bestDistance = Infinity
  for (const candidate of candidates) {
    const d = distance(word.toLowerCase(), candidate.toLowerCase())
    if (d < bestDistance) [best, bestDistance] = [candidate, d]
  }
  if (best !== undefined && bestDistance <= Math.max(2, Math.floor(best.length / 3))) {
    return `; did you mean "${best}"?`
  }
  return candidates.length ? `; expected one of ${candidates.join(', ')}` : ''
}

/** Levenshtein distance. */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(
        previous[j]! + 1,
        current[j - 1]! + 1,
        previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      )
    }
    previous = current
  }
  return previous[b.length]!
}

function kindOf(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'a list'
  if (typeof value === 'object') return 'a mapping'
  return `${typeof value} ${JSON.stringify(value)}`
}

function article(type: string): string {
  const names: Record<string, string> = { object: 'a mapping', array: 'a list', int: 'an integer' }
  return names[type] ?? `a ${type}`
}
