import { decideAccess } from '../decision/decide-access.js'
import type { OurSongClient } from '../oursong/oursong-client.js'
import { fetchOurSongHoldings, UnknownOurSongUserError } from '../ownership/oursong-holdings.js'
import type { Rules } from '../rules/compiled-rules.js'
import { explainRequest, type Explanation } from '../rules/explain-request.js'
import type { HoldingsSnapshot, VibeHolding } from '../rules/requirement.js'
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
 * What OurSong reports `user` (an OurSong id or uuid) holds of the vibes `rules` name, as
 * `rules explain --user` reads it ({@link fetchOurSongHoldings}: public vibes only, the app's
 * API key only), in the shape of holdings. An unknown user is `console_bad_request` naming
 * the field.
 */
export async function fetchUserHoldings(
  client: OurSongClient,
  rules: Rules,
  user: string,
  signal?: AbortSignal,
): Promise<UserHoldings> {
  let found
  try {
    found = await fetchOurSongHoldings(client, rules, user, signal)
  } catch (error) {
    if (error instanceof UnknownOurSongUserError)
      throw new ConsoleError(
        'console_bad_request',
        `user: OurSong has no user "${user}"; give an OurSong user id or uuid`,
      )
    throw error
  }
  const holdings = found.owns.map((own): VibeHolding => ({
    id: own.vibe,
    owned_amount: own.tokenIds ? own.tokenIds.length : (own.amount ?? 1),
    token_ids: own.tokenIds ?? [],
  }))
  return { user, holdings, issuerVibes: found.issuerVibes }
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
