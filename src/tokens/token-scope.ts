import { canonicalPath } from '../rules/canonical-path.js'
import type { GateClaims } from './gate-claims.js'
import { GateTokenError } from './gate-token-error.js'

/**
 * What a content server takes gate tokens for, beyond their audience: the `rule` and
 * `pathPrefixes` options of `createGateVerifier`, `verifyGateToken` and `requireGateToken`.
 *
 * @example
 * { rule: ['yellow-hd', 'yellow-sd'] }
 * { pathPrefixes: { 'yellow-hd': '/videos/yellow/hd', 'yellow-sd': ['/videos/yellow/sd'] } }
 */
export interface TokenScopeOptions {
  /**
   * The rule ids whose tokens are accepted: the `rule` claim must be this one or one of
   * these, else `token_wrong_rule`. Default: any rule.
   */
  rule?: string | readonly string[] | undefined
  /**
   * Rule id → the path prefixes that rule's tokens may reach on this server. A token of a
   * rule not listed is `token_wrong_rule`; one whose rule's prefixes do not cover the
   * request's path is `token_wrong_path`. Prefixes end on a segment boundary (`/videos/yellow`
   * covers `/videos/yellow` and `/videos/yellow/1.ts`, not `/videos/yellowish`; a trailing
   * slash makes no difference, `/` covers everything). Both sides are compared in the gate's
   * canonical path form, and a request path without one is refused. Default: no path check.
   */
  pathPrefixes?: Readonly<Record<string, string | readonly string[]>> | undefined
}

/** The checks of {@link TokenScopeOptions}, compiled once. */
export interface TokenScope {
  /** True when {@link TokenScope.check} needs the request's path (`pathPrefixes` is set). */
  readonly needsPath: boolean
  /**
   * Throws a `GateTokenError` (`token_wrong_rule`, `token_wrong_path`) unless the verified
   * `claims` are for this server and `path` (the request target as received, path and
   * optional query) is one their rule covers.
   */
  check(claims: GateClaims, path: string | undefined): void
}

// As rule ids in the rules file (CONTRACT section 4); `default` is one too.
const RULE_ID = /^[a-z0-9][a-z0-9_-]*$/

/** Compiles {@link TokenScopeOptions}; a bad option throws a `TypeError` naming it. */
export function createTokenScope(options: TokenScopeOptions): TokenScope {
  const fail = (option: string, what: string): never => {
    throw new TypeError(`vibegate/verify: options.${option} must be ${what}`)
  }
  let rules: Set<string> | undefined
  if (options.rule !== undefined) {
    const ids: readonly unknown[] = Array.isArray(options.rule) ? options.rule : [options.rule]
    if (ids.length === 0 || !ids.every((id) => typeof id === 'string' && RULE_ID.test(id))) {
      fail('rule', 'a rule id or a non-empty array of rule ids')
    }
    rules = new Set(ids as string[])
  }
  const prefixes = options.pathPrefixes === undefined ? undefined : compile(options.pathPrefixes)
  const refuse = (code: 'token_wrong_rule' | 'token_wrong_path', detail: string): never => {
    throw new GateTokenError(code, { detail })
  }

  return {
    needsPath: prefixes !== undefined,
    check(claims, path) {
      const rule = quote(claims.rule)
      if (rules && !rules.has(claims.rule)) refuse('token_wrong_rule', `rule ${rule} is not taken`)
      if (!prefixes) return
      const covered = prefixes.get(claims.rule)
      if (!covered) refuse('token_wrong_rule', `rule ${rule} has no path prefixes here`)
      if (typeof path !== 'string') {
        throw new TypeError('vibegate/verify: pathPrefixes needs the request path to verify')
      }
      const canonical = canonicalPath(path)
      // The problem names a class of path (encoded slash, dot segment), never the path.
      if (!canonical.ok) refuse('token_wrong_path', `no canonical path: ${canonical.problem}`)
      const { segments } = canonical as { segments: readonly string[] }
      if (!covered!.some((prefix) => prefix.every((s, i) => segments[i] === s))) {
        refuse('token_wrong_path', `rule ${rule} does not cover this path`)
      }
    },
  }

  function compile(
    map: Readonly<Record<string, string | readonly string[]>>,
  ): Map<string, (readonly string[])[]> {
    if (typeof map !== 'object' || map === null || Array.isArray(map)) {
      return fail('pathPrefixes', 'an object of rule id → path prefixes')
    }
    const compiled = new Map<string, (readonly string[])[]>()
    for (const [rule, value] of Object.entries(map)) {
      const name = `pathPrefixes[${JSON.stringify(rule)}]`
      if (!RULE_ID.test(rule)) fail(name, 'keyed by a rule id')
      const list: readonly unknown[] = Array.isArray(value) ? value : [value]
      if (list.length === 0) fail(name, 'a path prefix or a non-empty array of them')
      compiled.set(
        rule,
        list.map((prefix, i) => {
          const canonical =
            typeof prefix === 'string' && prefix.startsWith('/') && !prefix.includes('?')
              ? canonicalPath(prefix)
              : undefined
          if (!canonical?.ok) {
            return fail(`${name}[${i}]`, 'a path starting with "/", without query or ambiguity')
          }
          return canonical.segments
        }),
      )
    }
    if (compiled.size === 0) fail('pathPrefixes', 'an object with at least one rule id')
    return compiled
  }
}

// Claims are signed by the gate, but a rule id still goes into logs bounded and quoted.
function quote(value: string): string {
  return JSON.stringify(value.slice(0, 64))
}
