import { VibegateError } from '../errors/vibegate-error.js'
import type { OurSongClient } from '../oursong/oursong-client.js'
import { isOurSongError } from '../oursong/oursong-error.js'
import { paginate } from '../oursong/paginate.js'
import type { Rules } from '../rules/compiled-rules.js'
import type { OwnsSpec } from '../rules/explain-request.js'
import { requirementSubjects } from '../rules/requirement.js'

/** What {@link fetchOurSongHoldings} found: the `--owns` and `--issuer-vibes` OurSong reports. */
export interface OurSongHoldings {
  owns: OwnsSpec[]
  issuerVibes: Record<string, string[]>
}

/** `unknown_user`: the user asked about is not known to OurSong (its user lists answered 404). */
export class UnknownOurSongUserError extends VibegateError<'unknown_user'> {
  constructor(
    /** The id or uuid as given. */
    readonly user: string,
  ) {
    super('unknown_user', { detail: `OurSong has no user "${user}"` })
    this.name = 'UnknownOurSongUserError'
  }
}

/**
 * Asks OurSong what `user` (an id or uuid) holds of the vibes `rules` mention, and which vibes
 * the issuers they name created, with the app's API key only (no user token). Only public
 * vibes are visible that way: a hidden vibe counts as not held. Token ids come from the
 * user's owned-token-id-list; a vibe held without token ids (1155-like) gets its amount from
 * the vibe's holder list. Throws {@link UnknownOurSongUserError} for a user OurSong does not
 * know, and the client's `OurSongError` when OurSong cannot be asked.
 */
export async function fetchOurSongHoldings(
  client: OurSongClient,
  rules: Rules,
  user: string,
  signal?: AbortSignal,
): Promise<OurSongHoldings> {
  // Every page of every list below: 100 at a time, all under the caller's deadline.
  const opts = { perPage: 100, ...(signal ? { signal } : {}) }
  const vibes = new Set<string>()
  const issuers = new Set<string>()
  for (const rule of rules.rules) {
    if (!rule.requirement) continue
    const subjects = requirementSubjects(rule.requirement)
    subjects.vibes.forEach((v) => vibes.add(v))
    subjects.issuers.forEach((i) => issuers.add(i))
  }
  const held = new Set<string>()
  try {
    for await (const vibe of paginate(
      (page) => client.collectedVibeList(user, { ...opts, page }),
      (r) => r.list,
    ))
      held.add(vibe.id)
  } catch (error) {
    if (isOurSongError(error, 'oursong_not_found')) throw new UnknownOurSongUserError(user)
    throw error
  }
  // Issuer requirements are met by any vibe the issuer created, rules-mentioned or not.
  const issuerVibes: Record<string, string[]> = {}
  for (const issuer of issuers) {
    const created: string[] = []
    try {
      for await (const vibe of paginate(
        (page) => client.createdVibeList(issuer, { ...opts, page }),
        (r) => r.list,
      )) {
        created.push(vibe.id)
        if (held.has(vibe.id)) vibes.add(vibe.id)
      }
    } catch (error) {
      // An issuer OurSong does not know created nothing: the requirement is simply unmet.
      if (!isOurSongError(error, 'oursong_not_found')) throw error
    }
    issuerVibes[issuer] = created
  }
  const owns: OwnsSpec[] = []
  for (const vibe of [...vibes].filter((v) => held.has(v)).sort()) {
    const tokenIds: number[] = []
    for await (const id of paginate(
      (page) => client.ownedTokenIdList(user, vibe, { ...opts, page }),
      (r) => r.owned_token_id_list,
    ))
      tokenIds.push(Number(id))
    if (tokenIds.length > 0) {
      owns.push({ vibe, tokenIds: tokenIds.sort((a, b) => a - b) })
      continue
    }
    let amount = 1
    for await (const holder of paginate(
      (page) => client.holderList(vibe, { ...opts, page }),
      (r) => r.holder_list,
    )) {
      if (holder.id === user || holder.uuid === user) {
        amount = holder.owned_amount
        break
      }
    }
    owns.push({ vibe, tokenIds: undefined, amount })
  }
  return { owns, issuerVibes }
}
