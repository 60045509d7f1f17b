import type { CompiledRule } from '../rules/compiled-rules.js'
import {
  evaluateRequirement,
  type HoldingsSnapshot,
  type Missing,
  type VibeHolding,
} from '../rules/requirement.js'
import type { Resolution } from '../rules/resolve-rule.js'

/** Why a request was not allowed; sent as `X-Vibegate-Reason`. */
export type DenialReason =
  | 'no_identity'
  | 'not_owned'
  | 'no_rule'
  | 'bad_request'
  | 'untrusted_proxy'
  | 'upstream_unavailable'

/** The outcome for one request. */
export type AccessDecision =
  | {
      allowed: true
      /** Undefined when the file's default (public or authenticated) allowed it. */
      rule: CompiledRule | undefined
      /** The holdings that met the requirement; empty for public and authenticated access. */
      satisfiedBy: VibeHolding[]
    }
  | {
      allowed: false
      /** 401 when an identity would help, 403 otherwise. */
      status: 401 | 403
      reason: DenialReason
      rule: CompiledRule | undefined
      /** For `not_owned`: what would unlock it. */
      missing: Missing[]
      /** For `bad_request`: why (logs only). */
      problem?: string
    }

/**
 * Decides a resolved request, purely: `authenticated` says whether an identity was
 * established, `holdings` is consulted only for ownership rules (and must then be given).
 *
 * bad_request -> 403; no rule under `default: deny` -> 403 `no_rule`; public -> allow;
 * authenticated or ownership without identity -> 401 `no_identity`; ownership not met ->
 * 403 `not_owned` with what would unlock it.
 */
export function decideAccess(
  resolution: Resolution,
  authenticated: boolean,
  holdings?: HoldingsSnapshot,
): AccessDecision {
  if (resolution.kind === 'bad_request') {
    return deny(403, 'bad_request', undefined, [], resolution.problem)
  }
  const rule = resolution.kind === 'rule' ? resolution.rule : undefined
  const access = rule ? rule.access : resolution.kind === 'default' ? resolution.access : 'deny'
  if (access === 'deny') return deny(403, 'no_rule', undefined)
  if (access === 'public') return { allowed: true, rule, satisfiedBy: [] }
  if (!authenticated) return deny(401, 'no_identity', rule)
  if (access === 'authenticated') return { allowed: true, rule, satisfiedBy: [] }
  if (!rule?.requirement || !holdings) {
    throw new TypeError('decideAccess: an ownership rule needs the holdings snapshot')
  }
  const evaluation = evaluateRequirement(rule.requirement, holdings)
  return evaluation.allowed
    ? { allowed: true, rule, satisfiedBy: evaluation.satisfiedBy }
    : deny(403, 'not_owned', rule, evaluation.missing)
}

function deny(
  status: 401 | 403,
  reason: DenialReason,
  rule: CompiledRule | undefined,
  missing: Missing[] = [],
  problem?: string,
): AccessDecision {
  return problem === undefined
    ? { allowed: false, status, reason, rule, missing }
    : { allowed: false, status, reason, rule, missing, problem }
}
