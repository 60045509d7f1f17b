import { formatFieldPath } from '../util/yaml-source.js'
import { computeAddress } from 'ethers'
import { checkHolding } from './check-holding.js'
import type { FixtureApp, FixtureHolding, FixtureUser, FixtureVibe } from './fixture-items.js'
import { is721Like } from './token-specs.js'

/** One problem found in a fixture: where (a path from the root) and what to do about it. */
export interface FixtureProblem {
  path: (string | number)[]
  message: string
}

/**
 * The fixture's sections after each entry was checked on its own: an entry that failed its
 * schema is `undefined` (its problems are already reported) but keeps its index.
 */
export interface FixtureSections {
  apps: readonly (FixtureApp | undefined)[]
  users: readonly (FixtureUser | undefined)[]
  vibes: readonly (FixtureVibe | undefined)[]
  holdings: readonly (FixtureHolding | undefined)[]
  /** Ids of invalid user/vibe entries: a reference to them is not reported a second time. */
  invalidIds?: { users: ReadonlySet<string>; vibes: ReadonlySet<string> }
}

/**
 * The checks that span entries: unique ids, usernames, e-mails, uuids, wallets, access tokens
 * and api keys; vibe issuers and holding users/vibes that exist; 721 token ranges and ids
 * that only one user holds. Returns every problem found, in file order.
 */
export function checkFixtureReferences(sections: FixtureSections): FixtureProblem[] {
  const problems: FixtureProblem[] = []
  const unique = createUniqueness(problems)
  sections.apps.forEach((app, i) => {
    if (app) unique('api key', app.api_key, ['apps', i, 'api_key'])
  })
  sections.users.forEach((user, i) => {
    if (!user) return
    // ids and uuids share a namespace: `/user/{user_id or uuid}` must find exactly one user.
    unique('user id or uuid', user.id, ['users', i, 'id'])
    if (user.uuid !== user.id) unique('user id or uuid', user.uuid, ['users', i, 'uuid'])
    unique('username', user.username, ['users', i, 'username'])
    unique('email', user.email.toLowerCase(), ['users', i, 'email'])
    if (user.wallet_private_key !== undefined) {
      const wallet = computeAddress(user.wallet_private_key)
      unique('wallet', wallet, ['users', i, 'wallet_private_key'])
    }
    user.access_tokens?.forEach((token, k) => {
      unique('access token', token, ['users', i, 'access_tokens', k], { hideValue: true })
    })
  })
  const userIds = new Set(sections.users.flatMap((u) => (u ? [u.id] : [])))
  sections.invalidIds?.users.forEach((id) => userIds.add(id))
  const knownUsers = listForHint(userIds)
  const vibes = new Map<string, FixtureVibe>()
  sections.vibes.forEach((vibe, i) => {
    if (!vibe) return
    unique('vibe id', vibe.id, ['vibes', i, 'id'])
    vibes.set(vibe.id, vibe)
    if (!userIds.has(vibe.issuer)) {
      problems.push({
        path: ['vibes', i, 'issuer'],
        message: `issuer '${vibe.issuer}' is not a user id; known users: ${knownUsers}`,
      })
    }
    problems.push(...checkTokenRange(vibe, i))
  })
  const knownVibes = listForHint(new Set([...vibes.keys(), ...(sections.invalidIds?.vibes ?? [])]))
  const holders721 = new Map<string, string>()
  const pairs = new Map<string, number>()
  sections.holdings.forEach((holding, i) => {
    if (!holding) return
    if (!userIds.has(holding.user)) {
      problems.push({
        path: ['holdings', i, 'user'],
        message: `unknown user '${holding.user}'; known users: ${knownUsers}`,
      })
    }
    const vibe = vibes.get(holding.vibe)
    if (!vibe) {
      if (!sections.invalidIds?.vibes.has(holding.vibe)) {
        problems.push({
          path: ['holdings', i, 'vibe'],
          message: `unknown vibe '${holding.vibe}'; known vibes: ${knownVibes}`,
        })
      }
      return
    }
    const pair = `${holding.user}\u0000${holding.vibe}`
    const earlier = pairs.get(pair)
    if (earlier !== undefined) {
      problems.push({
        path: ['holdings', i],
        message: `holdings[${earlier}] already says what '${holding.user}' holds of '${holding.vibe}'; merge the two entries`,
      })
    }
    pairs.set(pair, i)
    for (const p of checkHolding(vibe, holding)) {
      problems.push({ path: ['holdings', i, ...p.path], message: p.message })
    }
    if (!is721Like(vibe.token_spec)) return
    holding.token_ids?.forEach((tokenId, k) => {
      const key = `${vibe.id}#${tokenId}`
      const owner = holders721.get(key)
      if (owner !== undefined && owner !== holding.user) {
        problems.push({
          path: ['holdings', i, 'token_ids', k],
          message: `token ${tokenId} of ${vibe.token_spec} vibe '${vibe.id}' is already held by '${owner}'; a 721 token has one owner`,
        })
      }
      holders721.set(key, holding.user)
    })
  })
  return problems
}

function checkTokenRange(vibe: FixtureVibe, i: number): FixtureProblem[] {
  const { token_id_start: start, token_id_end: end } = vibe
  if (start === undefined && end === undefined) {
    if (!is721Like(vibe.token_spec)) return []
    return [
      {
        path: ['vibes', i],
        message: `a ${vibe.token_spec} (721-like) vibe needs its token id range: add token_id_start and token_id_end, e.g. 1 and 10`,
      },
    ]
  }
  if (start === undefined || end === undefined) {
    return [
      {
        path: ['vibes', i, start === undefined ? 'token_id_end' : 'token_id_start'],
        message: 'give both token_id_start and token_id_end, or neither',
      },
    ]
  }
  if (start > end) {
    return [
      {
        path: ['vibes', i, 'token_id_end'],
        message: `token_id_end ${end} is below token_id_start ${start}; swap them`,
      },
    ]
  }
  return []
}

/** Reports the second and later uses of a value that must be unique. */
function createUniqueness(problems: FixtureProblem[]) {
  const firstUse = new Map<string, (string | number)[]>()
  return (
    what: string,
    value: string,
    path: (string | number)[],
    options: { hideValue?: boolean } = {},
  ): void => {
    const key = `${what}\u0000${value}`
    const first = firstUse.get(key)
    if (first) {
      const shown = options.hideValue ? '' : ` '${value}'`
      problems.push({
        path,
        message: `${what}${shown} is already used at ${formatPath(first)}; each must be unique`,
      })
    } else {
      firstUse.set(key, path)
    }
  }
}

function listForHint(values: ReadonlySet<string>): string {
  const all = [...values]
  if (all.length === 0) return '(none)'
  return all.length > 20 ? `${all.slice(0, 20).join(', ')}, ...` : all.join(', ')
}

/** `['holdings', 2, 'vibe']` as `holdings[2].vibe`; the empty path as `(root)`. */
export function formatPath(path: readonly (string | number | symbol)[]): string {
  return formatFieldPath(path) || '(root)'
}
