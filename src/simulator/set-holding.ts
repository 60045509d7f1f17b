import { z } from 'zod'
import { checkHolding } from './check-holding.js'
import { formatPath } from './check-fixture-references.js'
import type { World } from './create-world.js'
import { is721Like } from './token-specs.js'

/** A change of one holding (`PUT /__sim/holdings`); an empty list or 0 removes it. */
export const holdingChangeSchema = z.strictObject({
  user: z.string().min(1),
  vibe: z.string().min(1),
  token_ids: z.array(z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER)).optional(),
  amount: z.number().int().nonnegative().optional(),
})
/** A holding change as sent. */
export type HoldingChange = z.input<typeof holdingChangeSchema>

/** The holding after a change (null when removed). */
export interface HoldingState {
  user: string
  vibe: string
  token_ids: number[]
  amount: number | null
  owned_amount: number
}

/**
 * Validates and applies a holding change. The rules are the fixture's: 721-like vibes take
 * token_ids within the vibe's range, none held by another user; 1155-like vibes take an
 * amount. Returns every problem instead when it cannot be applied.
 */
export function setHolding(
  world: World,
  input: unknown,
): { ok: true; holding: HoldingState | null } | { ok: false; problems: string[] } {
  const parsed = holdingChangeSchema.safeParse(input)
  if (!parsed.success) {
    return {
      ok: false,
      problems: parsed.error.issues.map((i) => `${formatPath(i.path)}: ${i.message}`),
    }
  }
  const change = parsed.data
  const user = world.userById(change.user)
  const vibe = world.vibe(change.vibe)
  const problems: string[] = []
  if (!user) problems.push(`user: unknown user '${change.user}'`)
  if (!vibe) problems.push(`vibe: unknown vibe '${change.vibe}'`)
  if (!user || !vibe) return { ok: false, problems }
  if (change.token_ids === undefined && change.amount === undefined) {
    const hint = is721Like(vibe.token_spec) ? 'token_ids' : 'amount'
    return {
      ok: false,
      problems: [`${hint}: give ${hint} (an empty list or 0 removes the holding)`],
    }
  }
  const removes =
    (change.token_ids === undefined || change.token_ids.length === 0) && (change.amount ?? 0) === 0
  if (removes) {
    world.setHolding(user.id, vibe.id, undefined)
    return { ok: true, holding: null }
  }
  for (const p of checkHolding(vibe, change)) problems.push(`${formatPath(p.path)}: ${p.message}`)
  if (change.amount === 0 && !is721Like(vibe.token_spec)) {
    problems.push('amount: 0 removes the holding, so token_ids must be empty too')
  }
  if (is721Like(vibe.token_spec)) {
    change.token_ids?.forEach((id, i) => {
      const holder = world.holderOfToken(vibe.id, id)
      if (holder !== undefined && holder !== user.id) {
        problems.push(
          `token_ids[${i}]: token ${id} of '${vibe.id}' is held by '${holder}'; remove it from their holding first`,
        )
      }
    })
  }
  if (problems.length > 0) return { ok: false, problems }
  const holding = { token_ids: [...(change.token_ids ?? [])], amount: change.amount }
  world.setHolding(user.id, vibe.id, holding)
  const stored = world.holding(user.id, vibe.id) ?? holding
  return {
    ok: true,
    holding: {
      user: user.id,
      vibe: vibe.id,
      token_ids: stored.token_ids,
      amount: stored.amount ?? null,
      owned_amount: world.ownedAmount(vibe, stored),
    },
  }
}
