/**
 * The parts of an edge pass fixed by the rules file (docs/edge-pass.md): the canonical text
 * of path patterns (`p`, `n`), the earlier rules' patterns a file accumulates, and the
 * cookie path. All of it is computed once, when the rules are compiled.
 */
import type { PassSettings } from './compiled-rules.js'
import { MAX_PASS_BYTES } from './compiled-rules.js'
import type { PatternSegment } from './path-pattern.js'

/**
 * Room the per-request fields of a pass need on top of what the rules file fixes, bytes: a
 * host of up to 253 characters, a uuid of up to 64, three integers and their separators.
 * `rules check` warns when a pass rule leaves less than this under {@link MAX_PASS_BYTES}.
 */
export const PASS_REQUEST_FIELDS_BYTES = 380

/** The patterns of the rules compiled so far in one file, while they still fit in a pass. */
export interface EarlierPatterns {
  /** Canonical patterns in file order; stops growing once `overflow` is set. */
  patterns: string[]
  /** Bytes the patterns take in a pass: their UTF-8 length and a separator each. */
  bytes: number
  /** True once the patterns no longer fit in a pass: any later pass rule cannot have one. */
  overflow: boolean
}

/** An empty {@link EarlierPatterns}, for one file. */
export function earlierPatterns(): EarlierPatterns {
  return { patterns: [], bytes: 0, overflow: false }
}

/** Adds one rule's canonical patterns, after that rule's own pass (if any) was built. */
export function addEarlierPatterns(earlier: EarlierPatterns, patterns: readonly string[]): void {
  if (earlier.overflow) return
  for (const pattern of patterns) {
    earlier.bytes += Buffer.byteLength(pattern) + 1
    // Kept only while they fit: a 20,000-rule file must not copy them into every pass rule.
    if (earlier.bytes > MAX_PASS_BYTES) {
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
  const scope = passScope(patterns, relevant.map(segmentsOfCanonical))
  const fits = !earlier.overflow && scope !== undefined && passFixedBytes(scope) <= MAX_PASS_BYTES
  return {
    ttlSeconds,
    patterns: own,
    earlier: fits ? relevant : [],
    cookiePath: passCookiePath(patterns),
    scope: fits ? scope : '',
    fits,
    unfit: fits ? undefined : scope === undefined ? 'no_edge_path' : 'too_large',
  }
}

/**
 * A literal segment the edge compares as it is: the characters of its safe paths but `,`,
 * which a cookie value may not hold (RFC 6265). A path segment outside this set never reaches
 * the edge's check, or (`,`) is left to the gate.
 */
const EDGE_SEGMENT = /^[A-Za-z0-9._~!$&'()*+=:@-]+$/

/**
 * The `p` and `n` of a pass as the edge reads them (docs/edge-pass.md, "The pass"): the count
 * of `p`, then `p`, then `n`, joined by `|`. `/a/b/**` is written `/a/b/` (the edge's prefix
 * test) and `/a/b` is left out beside it (`/a/b/**` matches it too). A pattern of `p` with a
 * literal segment outside the edge's set is left out (its paths go to the gate); in `n`, such
 * a segment becomes `*`, so the edge falls back on more paths, never on fewer. Undefined when
 * no pattern of `p` is left.
 */
export function passScope(
  own: readonly (readonly PatternSegment[])[],
  earlier: readonly (readonly PatternSegment[])[],
): string | undefined {
  const p = edgeForms(own.filter((segments) => segments.every(edgeReadable)))
  if (p.length === 0) return undefined
  const n = edgeForms(
    earlier.map((segments) =>
      segments.map((seg): PatternSegment => (edgeReadable(seg) ? seg : { kind: 'star' })),
    ),
  )
  return [String(p.length), ...p, ...n].join('|')
}

function edgeReadable(seg: PatternSegment): boolean {
  return seg.kind !== 'literal' || EDGE_SEGMENT.test(seg.value)
}

/**
 * The edge's text of each pattern, without duplicates: `/a/b/**` as the prefix `/a/b/`, and
 * the rest as canonical text. The exact root `/` is left out: written as it is it would read
 * as the prefix of every path, and the edge never serves the root anyway (check 2).
 */
function edgeForms(patterns: readonly (readonly PatternSegment[])[]): string[] {
  const texts: string[] = []
  for (const segments of patterns) {
    const last = segments.length - 1
    if (last === -1) continue
    const prefix =
      segments[last]!.kind === 'globstar' &&
      segments.slice(0, last).every((seg) => seg.kind === 'literal')
    const text = canonicalPatternText(prefix ? segments.slice(0, last) : segments)
    texts.push(prefix ? (text === '/' ? '/' : `${text}/`) : text)
  }
  return [...new Set(texts)].filter((text) => !texts.includes(`${text}/`))
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
 * Bytes of a pass's signed part for `scope` with an empty host and user and zero numbers:
 * what the rules file alone makes it weigh.
 */
export function passFixedBytes(scope: string): number {
  return Buffer.byteLength(`v2|0|0|0|||${scope}`)
}
