import { canonicalPath, MAX_SEGMENTS } from './canonical-path.js'

/** Most `**` one pattern may hold. */
export const MAX_GLOBSTARS = 3

/** One segment of a path pattern: a literal (decoded), `*` (one segment) or `**` (zero or more). */
export type PatternSegment =
  { kind: 'literal'; value: string } | { kind: 'star' } | { kind: 'globstar' }

/** A parsed path pattern. */
export interface PathPattern {
  /** As written in the rules file. */
  source: string
  segments: readonly PatternSegment[]
}

/**
 * Parses a path pattern such as `/videos/*\/hd/**`. Literal segments are put in the same
 * canonical form as request paths (so `/caf%C3%A9` and a request for it agree); a pattern
 * no request could ever match in canonical form is an error, as is a wildcard that is not a
 * whole segment (`/v*`).
 */
export function parsePathPattern(source: string): PathPattern | { error: string } {
  if (!source.startsWith('/')) return { error: `"${source}" must start with "/"` }
  if (source.includes('?'))
    return { error: `"${source}": patterns match paths; the query is ignored` }
  const segments: PatternSegment[] = []
  const body = source === '/' ? '' : source.endsWith('/') ? source.slice(1, -1) : source.slice(1)
  if (body === '') return { source, segments }
  const parts = body.split('/')
  if (parts.length > MAX_SEGMENTS) {
    return {
      error: `"${source.slice(0, 40)}...": more than ${MAX_SEGMENTS} segments; no request can match it`,
    }
  }
  if (parts.filter((p) => p === '**').length > MAX_GLOBSTARS) {
    return {
      error: `"${source}": at most ${MAX_GLOBSTARS} "**" per pattern (each one multiplies the cost of matching)`,
    }
  }
  for (const part of parts) {
    if (part === '*') segments.push({ kind: 'star' })
    else if (part === '**') {
      if (segments[segments.length - 1]?.kind !== 'globstar') segments.push({ kind: 'globstar' })
    } else if (part.includes('*')) {
      return { error: `"${source}": "*" and "**" must be whole segments, not part of "${part}"` }
    } else {
      const canonical = canonicalPath(`/${part}`)
      if (!canonical.ok || canonical.segments.length !== 1) {
        const why = canonical.ok ? 'it is not one segment' : canonical.problem
        return {
          error: `"${source}" can never match: requests with "${part}" are refused (${why})`,
        }
      }
      segments.push({ kind: 'literal', value: canonical.segments[0]! })
    }
  }
  return { source, segments }
}

/** True when the pattern matches the canonical path segments. */
export function patternMatches(pattern: PathPattern, path: readonly string[]): boolean {
  return matchFrom(pattern.segments, 0, path, 0)
}

function matchFrom(
  p: readonly PatternSegment[],
  i: number,
  path: readonly string[],
  j: number,
): boolean {
  if (i === p.length) return j === path.length
  const seg = p[i]!
  if (seg.kind === 'globstar') {
    for (let k = j; k <= path.length; k++) if (matchFrom(p, i + 1, path, k)) return true
    return false
  }
  if (j === path.length) return false
  if (seg.kind === 'literal' && seg.value !== path[j]) return false
  return matchFrom(p, i + 1, path, j + 1)
}
