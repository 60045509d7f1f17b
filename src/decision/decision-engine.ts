import { isVibegateError } from '../errors/vibegate-error.js'
import type { Identity, IdentityInput } from '../identity/identity-chain.js'
import type { OwnershipChecker, Owner } from '../ownership/ownership-checker.js'
import type { CompiledRule, Rules } from '../rules/compiled-rules.js'
import { DEFAULT_AUDIENCE, DEFAULT_TTL_SECONDS } from '../rules/compiled-rules.js'
import type { HoldingsSnapshot, Missing, Requirement, VibeHolding } from '../rules/requirement.js'
import { resolveRule, type RuleRequest } from '../rules/resolve-rule.js'
import type { IssuedToken, TokenIssuer, TokenRequest } from '../tokens/token-issuer.js'
import { NOT_NOW, type NotNow } from '../util/not-now.js'
import { runSteps, type Answers } from './run-steps.js'
import { silentLogger, type Logger } from '../util/logger.js'
import { decideAccess, type AccessDecision, type DenialReason } from './decide-access.js'

/**
 * Why a request was denied, for logs and metrics: a {@link DenialReason}, or `rate_limited`
 * when the gate refused to spend an OurSong look-up on it (a flood of new Bearer tokens).
 * Clients see a `DenialReason` only ({@link publicReason}); the contract fixes that set.
 */
export type DecisionReason = DenialReason | 'rate_limited'

/**
 * The `X-Vibegate-Reason` of a denial. The contract's set has no value for "over budget":
 * the nearest is `upstream_unavailable` (OurSong was not asked), with status 429.
 */
export function publicReason(reason: DecisionReason): DenialReason {
  return reason === 'rate_limited' ? 'upstream_unavailable' : reason
}

/** One request to decide: what the entry point read of the original request. */
export interface DecisionRequest extends RuleRequest, IdentityInput {}

/** The outcome, the same for every entry point (decision endpoints, middleware). */
export type Decision =
  | {
      allowed: true
      /** The rule that allowed; undefined when the file's default did. */
      rule: CompiledRule | undefined
      /** Undefined for public access. */
      identity: Identity | undefined
      /** The signed JWT; undefined for public access. */
      token: string | undefined
      /** The holdings that met the requirement (the JWT's `vibes`). */
      vibes: VibeHolding[]
    }
  | {
      allowed: false
      /**
       * 401 when an identity would help; 403 when not; 429 when a new Bearer token is over
       * the look-up budget; 503 when OurSong or the store failed.
       */
      status: 401 | 403 | 429 | 503
      reason: DecisionReason
      rule: CompiledRule | undefined
      /** For `not_owned`: what would unlock the content. */
      missing: Missing[]
      /**
       * For `not_owned`: what the user holds of the vibes in `missing` (none held: absent),
       * from the snapshot the verdict was reached on, so the denial page can say "you hold
       * #7" without another look-up.
       */
      held?: VibeHolding[]
      /** For `not_owned`: who was denied (the page's "signed in as"; no tokens). */
      user?: Identity['user']
      /** Why, for the log; never sent to clients. */
      problem?: string
    }

/** What the engine needs; every part is injected. */
export interface DecisionEngineOptions {
  /** The rules in force (hot-reloaded). */
  rules: () => Rules
  identity: {
    identify(input: IdentityInput): Promise<Identity | undefined>
    /** The identity when known without I/O, else NOT_NOW; absent: always asked for. */
    identifyNow?(input: IdentityInput): Identity | undefined | NotNow
  }
  ownership: Pick<OwnershipChecker, 'snapshot'> & Partial<Pick<OwnershipChecker, 'snapshotNow'>>
  tokens: Pick<TokenIssuer, 'issue'> & Partial<Pick<TokenIssuer, 'reuseNow'>>
  logger?: Logger
}

/** The single decision function behind every entry point. */
export interface DecisionEngine {
  decide(request: DecisionRequest): Promise<Decision>
  /**
   * The same decision, returned directly when it needs no I/O (the warm path: identity,
   * holdings and a signed token all in memory), else as a promise. The decision endpoints
   * use it to answer within the request's own event.
   */
  decideSoon(request: DecisionRequest): Decision | Promise<Decision>
}

/** What a decision waits for; see `runSteps`. */
type Need =
  | { kind: 'identity'; input: IdentityInput }
  | { kind: 'holdings'; owner: Owner; requirement: Requirement }
  | { kind: 'token'; request: TokenRequest }

/** The rule id in headers and JWTs when the file's `default: authenticated` allowed. */
export const DEFAULT_RULE_ID = 'default'

/**
 * Decides one request: canonical path and rule first (an ambiguous request is refused
 * before anything else), then identity only if the rule needs one, then ownership only for
 * ownership rules, then a JWT (reused while fresh, so the warm path signs nothing). Any
 * failure to find out is a denial: OurSong or the store failing is `upstream_unavailable`,
 * never an allow.
 */
export function createDecisionEngine(options: DecisionEngineOptions): DecisionEngine {
  const logger = options.logger ?? silentLogger()

  const deny = (
    status: 401 | 403 | 429 | 503,
    reason: DecisionReason,
    rule: CompiledRule | undefined,
    missing: Missing[] = [],
    problem?: string,
  ): Decision => ({
    allowed: false,
    status,
    reason,
    rule,
    missing,
    ...(problem ? { problem } : {}),
  })

  const fromVerdict = (
    verdict: AccessDecision,
    identity: Identity | undefined,
    vibes: VibeHolding[],
  ): Decision =>
    verdict.allowed
      ? { allowed: true, rule: verdict.rule, identity, token: undefined, vibes }
      : deny(verdict.status, verdict.reason, verdict.rule, verdict.missing, verdict.problem)

  const failure = (err: unknown, rule: CompiledRule | undefined): Decision => {
    // A token OurSong no longer accepts is no identity at all.
    if (isVibegateError(err, 'oursong_unauthorized'))
      return deny(401, 'no_identity', rule, [], 'OurSong refused the access token')
    // OurSong was fine: the gate chose not to ask it (see BearerIdentityOptions).
    if (isVibegateError(err, 'rate_limited')) return deny(429, 'rate_limited', rule, [], err.detail)
    if (isVibegateError(err)) return deny(503, 'upstream_unavailable', rule, [], err.message)
    logger.error({ err: String((err as Error)?.stack ?? err) }, 'decision failed unexpectedly')
    return deny(503, 'upstream_unavailable', rule, [], 'unexpected error')
  }

  const sessionKeys = new WeakMap<Identity, string>()
  const identifyNow = options.identity.identifyNow?.bind(options.identity)
  const snapshotNow = options.ownership.snapshotNow?.bind(options.ownership)
  const reuseNow = options.tokens.reuseNow?.bind(options.tokens)
  const answers: Answers<Need> = {
    now(need) {
      switch (need.kind) {
        // `undefined` is an answer here (no identity): only a missing method means "ask".
        case 'identity':
          return identifyNow ? identifyNow(need.input) : NOT_NOW
        case 'holdings':
          return snapshotNow ? snapshotNow(need.owner, need.requirement) : NOT_NOW
        case 'token':
          return reuseNow ? reuseNow(need.request) : NOT_NOW
      }
    },
    later(need) {
      switch (need.kind) {
        case 'identity':
          return options.identity.identify(need.input)
        case 'holdings':
          return options.ownership.snapshot(need.owner, need.requirement)
        case 'token':
          return options.tokens.issue(need.request)
      }
    },
  }

  // The decision, written once; `yield` is `await` for what it needs (see runSteps).
  function* steps(request: DecisionRequest): Generator<Need, Decision, unknown> {
    const resolution = resolveRule(options.rules(), request)
    const rule = resolution.kind === 'rule' ? resolution.rule : undefined
    // The verdict itself is decideAccess, the same pure function `rules explain` uses;
    // this function only gathers what it needs, and only when it needs it.
    const anonymous = decideAccess(resolution, false)
    const needsIdentity = !anonymous.allowed && anonymous.reason === 'no_identity'
    if (!needsIdentity) return fromVerdict(anonymous, undefined, [])

    let identity: Identity | undefined
    try {
      identity = (yield { kind: 'identity', input: request }) as Identity | undefined
    } catch (err) {
      return failure(err, rule)
    }
    if (!identity) return fromVerdict(anonymous, undefined, [])

    let verdict: AccessDecision
    let snapshot: HoldingsSnapshot | undefined
    try {
      snapshot = rule?.requirement
        ? ((yield {
            kind: 'holdings',
            owner: { uuid: identity.user.uuid, accessToken: identity.accessToken },
            requirement: rule.requirement,
          }) as HoldingsSnapshot)
        : undefined
      verdict = decideAccess(resolution, true, snapshot)
    } catch (err) {
      return failure(err, rule)
    }
    if (!verdict.allowed) {
      const denied = fromVerdict(verdict, identity, [])
      if (denied.allowed || denied.reason !== 'not_owned' || !snapshot) return denied
      const held = verdict.missing.flatMap((m) => {
        const holding = 'vibe' in m ? snapshot.vibe(m.vibe) : undefined
        return holding && holding.owned_amount > 0 ? [holding] : []
      })
      return { ...denied, held, user: identity.user }
    }
    const vibes = verdict.satisfiedBy
    let token: string
    try {
      ;({ token } = (yield {
        kind: 'token',
        request: {
          sub: identity.user.uuid,
          aud: rule?.token.audience ?? DEFAULT_AUDIENCE,
          ttlSeconds: rule?.token.ttlSeconds ?? DEFAULT_TTL_SECONDS,
          rule: rule?.id ?? DEFAULT_RULE_ID,
          // The issuer copies them into a token it signs; a reused one needs no copy.
          vibes,
          wallet: identity.user.wallet,
          sessionKey: sessionKeyOf(sessionKeys, identity),
        },
      }) as IssuedToken)
    } catch (err) {
      return failure(err, rule)
    }
    return { allowed: true, rule, identity, token, vibes }
  }

  return {
    decide: async (request) => runSteps(steps(request), answers),
    decideSoon: (request) => runSteps(steps(request), answers),
  }
}

/**
 * Which session a token is reused within: the session id or the Bearer token itself. It
 * only keys the issuer's in-process cache (never logged, never stored), and hashing it on
 * every request was the warm path's largest cost after the socket write. Remembered per
 * identity (identities of cached credentials are long-lived objects), so the issuer's map
 * finds the same string, hash included, every time.
 */
function sessionKeyOf(keys: WeakMap<Identity, string>, identity: Identity): string {
  let key = keys.get(identity)
  if (key === undefined) {
    key =
      identity.kind === 'bearer'
        ? `bearer:${identity.accessToken}`
        : `session:${identity.session.id}`
    keys.set(identity, key)
  }
  return key
}
