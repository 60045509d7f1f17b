import { decideAccess } from '../decision/decide-access.js'
import type { OurSongClient } from '../oursong/oursong-client.js'
import { isOurSongError } from '../oursong/oursong-error.js'
import { paginate } from '../oursong/paginate.js'
import type { Rules } from '../rules/compiled-rules.js'
import { explainRequest, type Explanation } from '../rules/explain-request.js'
import {
  requirementSubjects,
  type HoldingsSnapshot,
  type VibeHolding,
} from '../rules/requirement.js'
import { resolveRule } from '../rules/resolve-rule.js'
import { ConsoleError } from './console-error.js'

/** What OurSong reports a user holds of the vibes the rules name. */
export interface UserHoldings {
  user: string
  holdings: VibeHolding[]
  issuerVibes: Record<string, string[]>
}

/** One rule as it stands for a user: unlocked, or what is missing. */
export interface RuleAccess {
  id: string
  line: number
  access: string
  unlocked: boolean
  /** For a locked rule: what would unlock it (as in a `not_owned` denial). */
  missing: unknown[]
}

/**
 * Asks OurSong what `user` (an OurSong id or uuid) holds of the vibes `rules` name, and which
 * vibes the issuers they name created, with the app's API key only: the user's collected
 * vibes, their token ids, and (for vibes held without token ids, 1155-like) the amount from
 * the vibe's holder list. Only public vibes are visible this way. An unknown user is
 * `console_bad_request` naming the field.
 */
export async function fetchUserHoldings(
  client: OurSongClient,
  rules: Rules,
  user: string,
  signal?: AbortSignal,
): Promise<UserHoldings> {
  const vibes = new Set<string>()
  const issuers = new Set<string>()
  for (const rule of rules.rules) {
    if (!rule.requirement) continue
    const subjects = requirementSubjects(rule.requirement)
    subjects.vibes.forEach((v) => vibes.add(v))
    subjects.issuers.forEach((i) => issuers.add(i))
  }
  const opts = { perPage: 100, ...(signal ? { signal } : {}) }
  const held = new Set<string>()
  try {
    for await (const v of paginate(
      (page) => client.collectedVibeList(user, { ...opts, page }),
      (r) => r.list,
    ))
      held.add(v.id)
  } catch (error) {
    if (isOurSongError(error, 'oursong_not_found'))
      throw new ConsoleError(
        'console_bad_request',
        `user: OurSong has no user "${user}"; give an OurSong user id or uuid`,
      )
    throw error
  }
  const issuerVibes: Record<string, string[]> = {}
  for (const issuer of issuers) {
    const created: string[] = []
    try {
      for await (const v of paginate(
        (page) => client.createdVibeList(issuer, { ...opts, page }),
        (r) => r.list,
      )) {
        created.push(v.id)
        if (held.has(v.id)) vibes.add(v.id)
      }
    } catch (error) {
      if (!isOurSongError(error, 'oursong_not_found')) throw error
    }
    issuerVibes[issuer] = created
  }
  const holdings: VibeHolding[] = []
  for (const vibe of [...vibes].filter((v) => held.has(v)).sort()) {
    const ids: number[] = []
    for await (const id of paginate(
      (page) => client.ownedTokenIdList(user, vibe, { ...opts, page }),
      (r) => r.owned_token_id_list,
    ))
      ids.push(Number(id))
    let amount = ids.length
    if (amount === 0) {
      amount = 1
      for await (const h of paginate(
        (page) => client.holderList(vibe, { ...opts, page }),
        (r) => r.holder_list,
      ))
        if (h.id === user || h.uuid === user) {
          amount = h.owned_amount
          break
        }
    }
    holdings.push({ id: vibe, owned_amount: amount, token_ids: ids.sort((a, b) => a - b) })
  }
  return { user, holdings, issuerVibes }
}

/**
 * The decision for `METHOD URL` for a user holding `holdings` (undefined: signed out), as
 * `vibegate rules explain` gives it, and every rule as it stands for that user.
 */
export function explainForUser(
  rules: Rules,
  method: string,
  url: string,
  holdings: UserHoldings | undefined,
): { explanation: Explanation; rules: RuleAccess[] } {
  const byId = new Map((holdings?.holdings ?? []).map((h) => [h.id, h]))
  const snapshot: HoldingsSnapshot = {
    vibe: (id) => byId.get(id),
    issuerVibes: (issuer) => holdings?.issuerVibes[issuer],
  }
  // explainRequest takes holdings as `--owns` gives them; amounts of 1155-like vibes are
  // applied by deciding again below with the full snapshot.
  const owns = holdings?.holdings.map((h) => ({
    vibe: h.id,
    tokenIds: h.token_ids.length ? [...h.token_ids] : undefined,
  }))
  const explanation = explainRequest(rules, method, url, owns, holdings?.issuerVibes ?? {})
  const absolute = /^https?:\/\/([^/?#]*)(.*)$/i.exec(url)
  const resolution = resolveRule(rules, {
    method,
    target: absolute ? absolute[2] || '/' : url,
    host: absolute ? absolute[1] : undefined,
  })
  const decision = decideAccess(resolution, holdings !== undefined, snapshot)
  explanation.decision = decision.allowed ? 'allow' : 'deny'
  explanation.status = decision.allowed ? 200 : decision.status
  explanation.reason = decision.allowed ? undefined : decision.reason
  explanation.satisfied_by = decision.allowed ? decision.satisfiedBy : []
  explanation.missing = decision.allowed ? [] : decision.missing
  const rule = resolution.kind === 'rule' ? resolution.rule : undefined
  explanation.token =
    decision.allowed && rule
      ? { audience: rule.token.audience, ttl_seconds: rule.token.ttlSeconds }
      : undefined
  const perRule = rules.rules.map((rule): RuleAccess => {
    const d = decideAccess({ kind: 'rule', rule, path: '/' }, holdings !== undefined, snapshot)
    return {
      id: rule.id,
      line: rule.line,
      access: rule.access,
      unlocked: d.allowed,
      missing: d.allowed ? [] : d.missing,
    }
  })
  return { explanation, rules: perRule }
}
