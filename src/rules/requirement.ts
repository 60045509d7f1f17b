import type { TokenIdSet } from './token-id-set.js'

/** A compiled requirement on a user's holdings. */
export type Requirement =
  | { kind: 'vibe'; vibe: string; tokenIds: TokenIdSet | undefined; minAmount: number }
  | { kind: 'issuer'; issuer: string }
  | { kind: 'any'; of: readonly Requirement[] }
  | { kind: 'all'; of: readonly Requirement[] }

/** What a user holds of one vibe: the JWT's `vibes` claim entries have this shape. */
export interface VibeHolding {
  id: string
  owned_amount: number
  token_ids: readonly number[]
}

/**
 * The facts a requirement is evaluated against, gathered beforehand (by the ownership
 * checker, or from `rules explain --owns`). Evaluation itself does no I/O.
 */
export interface HoldingsSnapshot {
  /** The user's holding of a vibe; undefined when they hold none of it. */
  vibe(id: string): VibeHolding | undefined
  /** The vibes an OurSong user created; undefined when unknown (then the issuer is unmet). */
  issuerVibes(issuer: string): readonly string[] | undefined
}

/** One thing that would unlock a denied requirement. */
export type Missing =
  { vibe: string; token_ids?: (number | string)[]; min_amount?: number } | { issuer: string }

/** The outcome of {@link evaluateRequirement}. */
export interface Evaluation {
  allowed: boolean
  /** When allowed: the holdings that met the requirement (token ids narrowed to the listed ones). */
  satisfiedBy: VibeHolding[]
  /** When denied: what would unlock it (for `any`, each alternative). */
  missing: Missing[]
}

/**
 * Evaluates a requirement against a snapshot of holdings. Pure and synchronous.
 *
 * - `vibe`: without `token_ids`, the owned amount must reach `min_amount` (default 1); with
 *   `token_ids`, at least `min_amount` of the listed ids must be held.
 * - `issuer`: any vibe the issuer created is held (amount >= 1).
 * - `any`: the first alternative that holds; `all`: every one, holdings merged per vibe.
 */
export function evaluateRequirement(
  requirement: Requirement,
  holdings: HoldingsSnapshot,
): Evaluation {
  switch (requirement.kind) {
    case 'vibe': {
      const held = holdings.vibe(requirement.vibe)
      const { tokenIds, minAmount } = requirement
      // Deduplicated: a list paged while holdings change may repeat an id.
      const ids = held && tokenIds ? heldIds(held.token_ids, tokenIds) : undefined
      const count = ids ? ids.length : (held?.owned_amount ?? 0)
      if (held && count >= minAmount) {
        return {
          allowed: true,
          satisfiedBy: [
            { id: held.id, owned_amount: held.owned_amount, token_ids: ids ?? held.token_ids },
          ],
          missing: [],
        }
      }
      const missing: Missing = { vibe: requirement.vibe }
      if (tokenIds) missing.token_ids = tokenIds.toJSON()
      if (minAmount > 1) missing.min_amount = minAmount
      return denied([missing])
    }
    case 'issuer': {
      const held = (holdings.issuerVibes(requirement.issuer) ?? []).flatMap((id) => {
        const holding = holdings.vibe(id)
        return holding && holding.owned_amount > 0 ? [holding] : []
      })
      return held.length > 0
        ? { allowed: true, satisfiedBy: held, missing: [] }
        : denied([{ issuer: requirement.issuer }])
    }
    case 'any': {
      const missing: Missing[] = []
      for (const alternative of requirement.of) {
        const result = evaluateRequirement(alternative, holdings)
        if (result.allowed) return result
        missing.push(...result.missing)
      }
      return denied(missing)
    }
    case 'all': {
      const results = requirement.of.map((part) => evaluateRequirement(part, holdings))
      if (results.every((r) => r.allowed)) {
        return {
          allowed: true,
          satisfiedBy: mergeHoldings(results.flatMap((r) => r.satisfiedBy)),
          missing: [],
        }
      }
      return denied(results.flatMap((r) => r.missing))
    }
  }
}

/** Every vibe and issuer a requirement mentions: what must be looked up to evaluate it. */
export function requirementSubjects(requirement: Requirement): {
  vibes: Set<string>
  issuers: Set<string>
} {
  const subjects = { vibes: new Set<string>(), issuers: new Set<string>() }
  const visit = (r: Requirement): void => {
    if (r.kind === 'vibe') subjects.vibes.add(r.vibe)
    else if (r.kind === 'issuer') subjects.issuers.add(r.issuer)
    else r.of.forEach(visit)
  }
  visit(requirement)
  return subjects
}

function denied(missing: Missing[]): Evaluation {
  return { allowed: false, satisfiedBy: [], missing }
}

/** One entry per vibe, token ids united and sorted. */
function mergeHoldings(holdings: VibeHolding[]): VibeHolding[] {
  const byId = new Map<string, VibeHolding>()
  for (const h of holdings) {
    const seen = byId.get(h.id)
    byId.set(
      h.id,
      seen
        ? {
            ...seen,
            token_ids: [...new Set([...seen.token_ids, ...h.token_ids])].sort((a, b) => a - b),
          }
        : h,
    )
  }
  return [...byId.values()]
}

/** The ids of `held` that `wanted` lists, each once, in the order held. */
function heldIds(held: readonly number[], wanted: TokenIdSet): number[] {
  const ids: number[] = []
  // A short list (the usual few ids a fan holds) is deduplicated by scanning; a long one
  // through a Set, so the work stays linear.
  const seen = held.length > 16 ? new Set<number>() : undefined
  for (const id of held) {
    if (!wanted.has(id)) continue
    if (seen ? seen.has(id) : ids.includes(id)) continue
    seen?.add(id)
    ids.push(id)
  }
  return ids
}
