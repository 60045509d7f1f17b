/**
 * Edge passes inside a gate (docs/edge-pass.md): the signer, the epoch and the issuer, and
 * the hooks through which the gate moves the epoch: operator purges, rules reloads, logout.
 */
import type { Rules } from '../rules/compiled-rules.js'
import type { InvalidationBus } from '../store/invalidation-bus.js'
import type { RedisClient } from '../store/redis-client.js'
import type { OwnershipChecker } from '../ownership/ownership-checker.js'
import type { Clock } from '../util/clock.js'
import type { Logger } from '../util/logger.js'
import { clearPassCookies } from './pass-cookie.js'
import { createPassEpoch, type PassEpoch } from './pass-epoch.js'
import { createPassIssuer, type PassIssuer } from './pass-issuer.js'
import type { PassKey } from './pass-secrets.js'
import { createPassSigner } from './pass-signer.js'

/** Options of {@link startGatePasses}. */
export interface GatePassesOptions {
  /** From `parsePassSecrets`; the first signs. */
  keys: readonly PassKey[]
  /** The gate's Redis client (`Redis` or `Cluster`), owned by the caller; unset: in process. */
  redis?: RedisClient
  /** The deployment's invalidation bus (with `redis`); unset: changes are polled (1 s). */
  bus?: Pick<InvalidationBus, 'publish' | 'on'>
  /** VIBEGATE_PASS_EPOCH_FILE; unset: none. */
  file: string | undefined
  /** The rules in force; called per logout and per reload. */
  rules: () => Rules
  /** VIBEGATE_PUBLIC_URL: the pass cookie is `Secure` unless it is `http:`. */
  publicUrl: URL
  ownership: Pick<OwnershipChecker, 'purgeUser' | 'purgeVibe'>
  clock: Clock
  logger: Logger
}

/** Edge passes of a running gate. */
export interface GatePasses {
  issuer: PassIssuer
  epoch: PassEpoch
  /** `ownership`'s purges, each also moving the epoch (a user's also revoking that user). */
  purging: Pick<OwnershipChecker, 'purgeUser' | 'purgeVibe'>
  /** For the rules watcher: a reload that took effect moves the epoch. */
  rulesReloaded(status: { lastReloadOk: boolean; hash: string }): void
  /** At logout: revokes the user's passes (a failure is logged, the logout goes on). */
  loggedOut(user: string): Promise<void>
  /** Set-Cookie values expiring the pass cookie of every pass rule's path. */
  logoutCookies(): string[]
  close(): Promise<void>
}

/** Starts edge passes; the epoch is read (and the rules and secrets recorded) before it returns. */
export async function startGatePasses(options: GatePassesOptions): Promise<GatePasses> {
  const { keys, rules, logger } = options
  const redis = options.redis
  const epoch = createPassEpoch({
    ...(redis ? { redis } : {}),
    ...(options.bus ? { bus: options.bus } : {}),
    prefix: 'vibegate:',
    ...(options.file !== undefined ? { file: options.file } : {}),
    clock: options.clock,
    logger,
  })
  // Rules and secrets together: a change of either ends the passes issued under the last.
  const fingerprint = (hash: string): string => `${hash} ${keys.map((k) => k.id).join(',')}`
  let hash = rules().hash
  await epoch.start(fingerprint(hash))
  const secure = options.publicUrl.protocol !== 'http:'
  const { ownership } = options

  return {
    issuer: createPassIssuer({
      signer: createPassSigner({ keys }),
      epoch,
      secure,
      clock: options.clock,
    }),
    epoch,
    purging: {
      purgeUser: async (user) => {
        await ownership.purgeUser(user)
        await epoch.revoke(user)
        await epoch.advance('operator purge of a user')
      },
      purgeVibe: async (vibe) => {
        await ownership.purgeVibe(vibe)
        await epoch.advance('operator purge of a vibe')
      },
    },
    rulesReloaded(status) {
      if (!status.lastReloadOk || status.hash === hash) return
      hash = status.hash
      epoch
        .changed(fingerprint(hash), 'rules reloaded')
        .catch((err: unknown) =>
          logger.error({ err: String(err) }, 'cannot move the pass epoch after a rules reload'),
        )
    },
    loggedOut: (user) =>
      epoch
        .revoke(user)
        .catch((err: unknown) =>
          logger.error({ err: String(err) }, 'cannot revoke the passes of a user at logout'),
        ),
    logoutCookies: () =>
      clearPassCookies(
        rules().rules.flatMap((r) => (r.pass ? [r.pass.cookiePath] : [])),
        secure,
      ),
    close: async () => {
      await epoch.close()
    },
  }
}
