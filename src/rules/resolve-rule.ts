import { canonicalPath } from './canonical-path.js'
import type { CompiledRule, Rules } from './compiled-rules.js'
import { normalizeHost } from './host-pattern.js'

/** A request as a decision entry point received it, before canonicalisation. */
export interface RuleRequest {
  /** The HTTP method as sent (HEAD is matched as GET). */
  method: string
  /** Path and optional query exactly as the client sent them. */
  target: string
  /** The Host (or forwarded host) as sent, port included; undefined when there was none. */
  host?: string | undefined
}

/** Which rule governs a request, or why it cannot be decided. */
export type Resolution =
  | { kind: 'bad_request'; problem: string }
  | { kind: 'rule'; rule: CompiledRule; path: string }
  | { kind: 'default'; access: Rules['default']; path: string }

const METHOD = /^[A-Z]{1,20}$/

/**
 * The single entry from a raw request to a rule, shared by every decision endpoint, the
 * Express middleware and `rules explain`: the method must be an upper-case token, the host
 * a plain name or address, the path canonical (see `canonicalPath`); anything else is
 * `bad_request`. Then the first matching rule, or the file's default.
 */
export function resolveRule(rules: Rules, request: RuleRequest): Resolution {
  if (!METHOD.test(request.method)) {
    return {
      kind: 'bad_request',
      problem: `the method ${JSON.stringify(request.method)} is not an upper-case token`,
    }
  }
  let host: string | undefined
  if (request.host !== undefined) {
    host = normalizeHost(request.host)
    if (host === undefined) {
      return {
        kind: 'bad_request',
        problem: `the host ${JSON.stringify(request.host)} is not a plain host name`,
      }
    }
  }
  const canonical = canonicalPath(request.target)
  if (!canonical.ok) return { kind: 'bad_request', problem: canonical.problem }
  const method = request.method === 'HEAD' ? 'GET' : request.method
  const rule = rules.matcher.match({ segments: canonical.segments, method, host })
  if (canonical.directory) {
    // `/videos/` is `/videos` to some backends and the index of the `/videos/` tree to
    // others: both readings must meet the same rule. The empty segment stands for the
    // unknown index entry; only `*` and `**` match it.
    const index = rules.matcher.match({ segments: [...canonical.segments, ''], method, host })
    if (index !== rule) {
      return {
        kind: 'bad_request',
        problem: `the trailing slash makes ${canonical.path}/ ambiguous: as a path it meets ${describe(rule)}, as a directory ${describe(index)}`,
      }
    }
  }
  return rule
    ? { kind: 'rule', rule, path: canonical.path }
    : { kind: 'default', access: rules.default, path: canonical.path }
}

function describe(rule: CompiledRule | undefined): string {
  return rule ? `rule "${rule.id}"` : 'no rule'
}
