import { decideAccess } from '../decision/decide-access.js'
import type { Rules } from './compiled-rules.js'
import type { HoldingsSnapshot, VibeHolding } from './requirement.js'
import { resolveRule, type Resolution } from './resolve-rule.js'
import { TokenIdSet } from './token-id-set.js'

/** A holding given on the command line: `--owns nxwyqqow:1,3-5`. */
export interface OwnsSpec {
  vibe: string
  /** Undefined: the vibe is held with no known token ids. */
  tokenIds: number[] | undefined
  /** The amount held when there are no token ids (1155-like); default 1. */
  amount?: number
}

/** What `rules explain` prints, as JSON with `--json`. */
export interface Explanation {
  request: { method: string; host: string | undefined; target: string; path: string | undefined }
  identity: 'anonymous' | 'logged in'
  match:
    | { kind: 'rule'; id: string; line: number; description: string | undefined; access: string }
    | { kind: 'default'; access: string }
    | { kind: 'bad_request'; problem: string }
  decision: 'allow' | 'deny'
  status: 200 | 401 | 403
  reason: string | undefined
  satisfied_by: VibeHolding[]
  missing: unknown[]
  token: { audience: string; ttl_seconds: number } | undefined
}

/**
 * Explains the decision for `METHOD URL` under `rules`, for a user holding `owns`
 * (undefined: anonymous). `issuerVibes` says which vibes an issuer created, since that
 * needs OurSong. URL is a path (`/videos/x`) or `http(s)://host/path`, used as written.
 */
export function explainRequest(
  rules: Rules,
  method: string,
  url: string,
  owns: OwnsSpec[] | undefined,
  issuerVibes: Record<string, string[]> = {},
): Explanation {
  const absolute = /^https?:\/\/([^/?#]*)(.*)$/i.exec(url)
  const host = absolute ? absolute[1] : undefined
  const target = absolute ? absolute[2] || '/' : url
  const resolution = resolveRule(rules, { method, target, host })
  const held = new Map<string, VibeHolding>(
    (owns ?? []).map((o) => [
      o.vibe,
      {
        id: o.vibe,
        owned_amount: o.tokenIds?.length ?? o.amount ?? 1,
        token_ids: o.tokenIds ?? [],
      },
    ]),
  )
  const holdings: HoldingsSnapshot = {
    vibe: (id) => held.get(id),
    issuerVibes: (issuer) => issuerVibes[issuer],
  }
  const decision = decideAccess(resolution, owns !== undefined, holdings)
  const rule = resolution.kind === 'rule' ? resolution.rule : undefined
  return {
    request: {
      method,
      host,
      target,
      path: resolution.kind === 'bad_request' ? undefined : resolution.path,
    },
    identity: owns === undefined ? 'anonymous' : 'logged in',
    match: describeMatch(resolution),
    decision: decision.allowed ? 'allow' : 'deny',
    status: decision.allowed ? 200 : decision.status,
    reason: decision.allowed ? undefined : decision.reason,
    satisfied_by: decision.allowed ? decision.satisfiedBy : [],
    missing: decision.allowed ? [] : decision.missing,
    token:
      decision.allowed && rule
        ? { audience: rule.token.audience, ttl_seconds: rule.token.ttlSeconds }
        : undefined,
  }
}

/** Parses `VIBE[:IDS]` as given to `--owns`; throws a TypeError naming the problem. */
export function parseOwns(value: string): OwnsSpec {
  const [vibe, ids, extra] = value.split(':')
  if (!vibe || extra !== undefined || !/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/.test(vibe)) {
    throw new TypeError(`--owns ${value}: expected VIBE or VIBE:IDS, e.g. nxwyqqow:1,3-5`)
  }
  if (ids === undefined) return { vibe, tokenIds: undefined }
  const entries = ids.split(',')
  if (entries.some((e) => !/^\d+(-\d+)?$/.test(e))) {
    throw new TypeError(`--owns ${value}: token ids are numbers and ranges, e.g. 1,3-5`)
  }
  const { set, errors } = TokenIdSet.parse(entries)
  if (errors.length > 0) throw new TypeError(`--owns ${value}: ${errors[0]!.message}`)
  const tokenIds: number[] = []
  for (const [from, to] of set.intervals) {
    if (to - from > 10_000) throw new TypeError(`--owns ${value}: a range of at most 10000 ids`)
    for (let id = from; id <= to; id++) tokenIds.push(id)
  }
  return { vibe, tokenIds }
}

function describeMatch(resolution: Resolution): Explanation['match'] {
  if (resolution.kind === 'bad_request') return { kind: 'bad_request', problem: resolution.problem }
  if (resolution.kind === 'default') return { kind: 'default', access: resolution.access }
  const { rule } = resolution
  return {
    kind: 'rule',
    id: rule.id,
    line: rule.line,
    description: rule.description,
    access: rule.access,
  }
}
