import type { FixtureVibe } from './fixture-items.js'
import { is721Like } from './token-specs.js'

/** What a holding says: token ids (721-like) or an amount with optional ids (1155-like). */
export interface HoldingShape {
  token_ids?: readonly number[] | undefined
  amount?: number | undefined
}

/** One problem with a holding: the field it is about (relative to the holding) and what to do. */
export interface HoldingProblem {
  /** The offending path below the holding, e.g. `['token_ids', 3]`. */
  path: (string | number)[]
  message: string
}

/**
 * Checks a (non-empty) holding against its vibe: 721-like vibes take `token_ids` and no
 * `amount`, 1155-like vibes take an `amount`; token ids are unique and inside the vibe's
 * [token_id_start, token_id_end] range when it has one. Whether another user already holds a
 * 721 id is the caller's concern (it needs every holding). Returns every problem found.
 */
export function checkHolding(vibe: FixtureVibe, holding: HoldingShape): HoldingProblem[] {
  const problems: HoldingProblem[] = []
  const spec = vibe.token_spec
  if (is721Like(spec)) {
    if (holding.amount !== undefined) {
      problems.push({
        path: ['amount'],
        message: `vibe '${vibe.id}' is ${spec} (721-like), which is held by token id: remove amount and list token_ids`,
      })
    }
    if (holding.token_ids === undefined || holding.token_ids.length === 0) {
      problems.push({
        path: ['token_ids'],
        message: `vibe '${vibe.id}' is ${spec} (721-like): list the ids held, e.g. token_ids: [${vibe.token_id_start ?? 1}]`,
      })
    }
  } else if (holding.amount === undefined) {
    problems.push({
      path: ['amount'],
      message: `vibe '${vibe.id}' is ${spec} (1155-like): give the amount held, e.g. amount: 3`,
    })
  }
  const seen = new Set<number>()
  for (const [index, id] of (holding.token_ids ?? []).entries()) {
    if (seen.has(id)) {
      problems.push({ path: ['token_ids', index], message: `token id ${id} is listed twice` })
    }
    seen.add(id)
    const { token_id_start: start, token_id_end: end } = vibe
    if (start !== undefined && end !== undefined && (id < start || id > end)) {
      problems.push({
        path: ['token_ids', index],
        message: `token id ${id} is outside vibe '${vibe.id}' range ${start}-${end}; use an id in that range or widen the vibe's token_id_start/token_id_end`,
      })
    }
  }
  return problems
}
