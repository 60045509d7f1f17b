/**
 * The parts of an edge pass fixed by the rules file (docs/edge-pass.md): the canonical text
 * of path patterns (`p`, `n`), the earlier rules' patterns a file accumulates, and the
 * cookie path. All of it is computed once, when the rules are compiled.
 */
import type { PassSettings } from './compiled-rules.js'
import { MAX_PASS_JSON_BYTES } from './compiled-rules.js'
import type { PatternSegment } from './path-pattern.js'

/**
 * Room the per-request fields of a pass need on top of what the rules file fixes, bytes: a
 * host of up to 259 characters (253 and a port), a uuid of up to 64, three integers.
 * `rules check` warns when a pass rule leaves less than this under {@link MAX_PASS_JSON_BYTES}.
 */
export const PASS_REQUEST_FIELDS_BYTES = 380

/** The patterns of the rules compiled so far in one file, while they still fit in a pass. */
export interface EarlierPatterns {
  /** Canonical patterns in file order; stops growing once `overflow` is set. */
  patterns: string[]
  /** Bytes of `JSON.stringify(patterns)`. */
  bytes: number
  /** True once the patterns no longer fit in a pass: any later pass rule cannot have one. */
  overflow: boolean
}

/** An empty {@link EarlierPatterns}, for one file. */
export function earlierPatterns(): EarlierPatterns {
  return { patterns: [], bytes: 2, overflow: false }
}

/** Adds one rule's canonical patterns, after that rule's own pass (if any) was built. */
export function addEarlierPatterns(earlier: EarlierPatterns, patterns: readonly string[]): void {
  if (earlier.overflow) return
  for (const pattern of patterns) {
    earlier.bytes += Buffer.byteLength(JSON.stringify(pattern)) + 1
    // Kept only while they fit: a 20,000-rule file must not copy them into every pass rule.
    if (earlier.bytes > MAX_PASS_JSON_BYTES) {
      earlier.overflow = true
      earlier.patterns = []
      return
    }
    earlier.patterns.push(pattern)
  }
}

/**
 * The canonical text of a parsed pattern: `/` and its segments joined by `/`, literal
 * segments decoded (as requests are matched), `*` and `**` as written; `/` for the root.
 */
export function canonicalPatternText(segments: readonly PatternSegment[]): string {
  let text = ''
  for (const seg of segments) {
    text += `/${seg.kind === 'literal' ? seg.value : seg.kind === 'star' ? '*' : '**'}`
  }
  return text === '' ? '/' : text
}

// A segment the cookie `Path` may hold as it is: what browsers compare to the raw path.
const COOKIE_PATH_SEGMENT = /^[A-Za-z0-9._~!$&'()*+,=:@-]+$/

/**
 * The cookie `Path` of a rule's passes: the longest run of whole literal segments every
 * pattern starts with, followed by `/` (`/media/stream/**` -> `/media/stream/`), or `/`.
 * A pattern's last segment counts only when a wildcard follows it: the cookie of
 * `/media/a.ts` must reach `/media/a.ts`, so its path is `/media/`.
 */
export function passCookiePath(patterns: readonly (readonly PatternSegment[])[]): string {
  let common: string[] | undefined
  for (const segments of patterns) {
    const lead: string[] = []
    for (let i = 0; i < segments.length; i++) {
      const seg = segments[i]!
      if (seg.kind !== 'literal' || i === segments.length - 1) break
      if (!COOKIE_PATH_SEGMENT.test(seg.value)) break
      lead.push(seg.value)
    }
    if (common === undefined) common = lead
    else {
      let n = 0
      while (n < common.length && n < lead.length && common[n] === lead[n]) n++
      common.length = n
    }
  }
  return common && common.length > 0 ? `/${common.join('/')}/` : '/'
}

/**
 * A rule's {@link PassSettings}. `ruleId` and `patterns` are the rule's own; `earlier` holds
 * what the file's earlier rules contributed (not yet this rule's patterns).
 */
export function passSettings(
  ruleId: string,
  ttlSeconds: number,
  patterns: readonly (readonly PatternSegment[])[],
  earlier: EarlierPatterns,
): PassSettings {
  const own = patterns.map(canonicalPatternText)
  // Only the earlier patterns some path of this rule's could also match: the rest can never
  // take a request from this rule, and every one left costs the edge time on every request.
  const relevant = earlier.patterns.filter((text) => {
    const other = segmentsOfCanonical(text)
    return patterns.some((mine) => patternsOverlap(mine, other))
  })
  const fits = !earlier.overflow && passFixedBytes(ruleId, own, relevant) <= MAX_PASS_JSON_BYTES
  const n = fits ? relevant : []
  return {
    ttlSeconds,
    patterns: own,
    earlier: n,
    cookiePath: passCookiePath(patterns),
    scopeJson: `"p":${JSON.stringify(own)},"n":${JSON.stringify(n)}`,
    fits,
  }
}

/** The segments of a pattern in canonical text ({@link canonicalPatternText}); literals hold no `/`. */
function segmentsOfCanonical(text: string): PatternSegment[] {
  if (text === '/') return []
  return text
    .slice(1)
    .split('/')
    .map((part): PatternSegment =>
      part === '**'
        ? { kind: 'globstar' }
        : part === '*'
          ? { kind: 'star' }
          : { kind: 'literal', value: part },
    )
}

/**
 * True when some path matches both patterns (`*` one segment, `**` zero or more). Exact, so
 * `n` holds every earlier pattern that could take one of this rule's requests.
 */
export function patternsOverlap(
  a: readonly PatternSegment[],
  b: readonly PatternSegment[],
): boolean {
  const seen = new Set<number>()
  const from = (i: number, j: number): boolean => {
    const key = i * (b.length + 1) + j
    if (seen.has(key)) return false
    seen.add(key)
    const x = a[i]
    const y = b[j]
    if (x === undefined && y === undefined) return true
    if (x?.kind === 'globstar') return from(i + 1, j) || (y !== undefined && from(i, j + 1))
    if (y?.kind === 'globstar') return from(i, j + 1) || (x !== undefined && from(i + 1, j))
    if (x === undefined || y === undefined) return false
    if (x.kind === 'literal' && y.kind === 'literal' && x.value !== y.value) return false
    return from(i + 1, j + 1)
  }
  return from(0, 0)
}

/**
 * Bytes of a pass's JSON for this rule with an empty host and user and zero numbers: what
 * the rules file alone makes it weigh. Infinity when `earlier` overflowed.
 */
export function passFixedBytes(
  ruleId: string,
  patterns: readonly string[],
  earlier: readonly string[],
): number {
  const json = `{"k":"00000000","h":"","p":${JSON.stringify(patterns)},"n":${JSON.stringify(earlier)},"u":"","r":${JSON.stringify(ruleId)},"i":0,"x":0,"e":0}`
  return Buffer.byteLength(json)
}
