import type { CompiledRule } from './compiled-rules.js'
import type { HostPattern } from './host-pattern.js'
import type { RuleMatcher } from './rule-matcher.js'

/** A rule no request can reach, because earlier rules take every request it would match. */
export interface ShadowedRule {
  rule: CompiledRule
  /** The earlier rules responsible, in file order. */
  by: CompiledRule[]
  message: string
}

/**
 * Finds rules that earlier rules shadow: for every path pattern of the rule, an earlier rule
 * has a pattern covering it and accepts at least the same methods and hosts. Sound (never
 * warns wrongly); it may miss shadowing that only several rules together produce.
 */
export function findShadowedRules(
  rules: readonly CompiledRule[],
  matcher: RuleMatcher<CompiledRule>,
): ShadowedRule[] {
  const shadowed: ShadowedRule[] = []
  for (const rule of rules) {
    const by = new Set<CompiledRule>()
    const allCovered = rule.patterns.every((pattern) => {
      const earlier = matcher
        .covering(pattern)
        .find((other) => other.index < rule.index && filtersCover(other, rule))
      if (earlier) by.add(earlier)
      return earlier !== undefined
    })
    if (allCovered && by.size > 0) {
      const names = [...by].sort((a, b) => a.index - b.index)
      shadowed.push({
        rule,
        by: names,
        message: `rule "${rule.id}" is never reached: ${names
          .map((r) => `"${r.id}" (line ${r.line})`)
          .join(
            ' and ',
          )} match${names.length === 1 ? 'es' : ''} every request it would; move it above or narrow the earlier rule`,
      })
    }
  }
  return shadowed
}

function filtersCover(outer: CompiledRule, inner: CompiledRule): boolean {
  const methodsOk =
    outer.methods === undefined ||
    (inner.methods !== undefined && [...inner.methods].every((m) => outer.methods!.has(m)))
  const hostsOk =
    outer.hosts === undefined ||
    (inner.hosts !== undefined &&
      inner.hosts.every((h) => outer.hosts!.some((o) => hostCovers(o, h))))
  return methodsOk && hostsOk
}

function hostCovers(outer: HostPattern, inner: HostPattern): boolean {
  if (outer.kind === 'exact') return inner.kind === 'exact' && inner.host === outer.host
  return inner.kind === 'exact'
    ? inner.host.endsWith(outer.suffix)
    : inner.suffix.endsWith(outer.suffix)
}

/** A filtered rule whose other requests fall through to a weaker rule or the default. */
export interface Fallthrough {
  rule: CompiledRule
  message: string
}

/**
 * Finds rules that restrict methods or hosts while a later rule (or a permissive default)
 * takes the same paths for the methods and hosts they leave out. `POST /videos/hd/1.ts` or
 * another `Host:` then meets the weaker rule, and a backend that ignores the method or the
 * host serves the protected content. Public rules are not reported.
 */
export function findFallthroughs(
  rules: readonly CompiledRule[],
  matcher: RuleMatcher<CompiledRule>,
  fallback: 'deny' | 'public' | 'authenticated',
): Fallthrough[] {
  const found: Fallthrough[] = []
  for (const rule of rules) {
    if (rule.access === 'public' || (!rule.methods && !rule.hosts)) continue
    const left = [rule.methods ? 'methods' : '', rule.hosts ? 'hosts' : '']
      .filter(Boolean)
      .join(' and ')
    for (const pattern of rule.patterns) {
      const later = matcher
        .covering(pattern)
        .find((other) => other.index > rule.index && takesMore(other, rule))
      if (later) {
        found.push({
          rule,
          message: `requests to ${pattern.source} with other ${left} than rule "${rule.id}" lists fall through to rule "${later.id}" (line ${later.line}, ${later.access}); give "${later.id}" the same filters or narrow its paths`,
        })
        break
      }
      if (
        fallback !== 'deny' &&
        !matcher.covering(pattern).some((other) => other.index > rule.index)
      ) {
        found.push({
          rule,
          message: `requests to ${pattern.source} with other ${left} than rule "${rule.id}" lists get the default (${fallback}); use default: deny or drop the filters`,
        })
        break
      }
    }
  }
  return found
}

/** True when `later` accepts some method or host that `rule` refuses. */
function takesMore(later: CompiledRule, rule: CompiledRule): boolean {
  const moreMethods =
    rule.methods !== undefined &&
    (later.methods === undefined || [...later.methods].some((m) => !rule.methods!.has(m)))
  const moreHosts =
    rule.hosts !== undefined &&
    (later.hosts === undefined ||
      later.hosts.some((h) => !rule.hosts!.some((r) => hostCovers(r, h))))
  return moreMethods || moreHosts
}
