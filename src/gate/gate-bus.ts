import type { RulesSource } from '../rules/watch-rules.js'
import { createInvalidationBus, type InvalidationBus } from '../store/invalidation-bus.js'
import type { RedisClient } from '../store/redis-client.js'
import type { KeysSource } from '../tokens/watch-keys.js'
import type { Clock } from '../util/clock.js'
import type { Logger } from '../util/logger.js'
import { spacedCalls } from '../util/spaced-calls.js'
import type { GateMetrics } from './gate-metrics.js'

/** Options of {@link startGateBus}. */
export interface GateBusOptions {
  redis: RedisClient
  /** The watched rules file, when the rules are a file. */
  rules: RulesSource | undefined
  /** The watched key file, when the keys are a file. */
  keys: KeysSource | undefined
  metrics: Pick<GateMetrics, 'bus'>
  clock: Clock
  logger: Logger
}

/**
 * The gate's invalidation bus, wired: its liveness in `/metrics`, and the other gates' rules
 * and key reloads answered by reading this gate's own files at once rather than at their next
 * poll (the files are the same on a shared volume, or arrive soon by ConfigMap), at most once
 * a second each, whatever arrives on the channel. The sessions, the ownership cache and the
 * pass epoch subscribe to it themselves. `close` stops it all.
 */
export function startGateBus(options: GateBusOptions): {
  bus: InvalidationBus
  close(): Promise<void>
} {
  const { rules, keys } = options
  const bus = createInvalidationBus({
    redis: options.redis,
    prefix: 'vibegate:',
    clock: options.clock,
    logger: options.logger,
  })
  const rereadRules = spacedCalls(() => void rules?.reload(), 1000)
  const rereadKeys = spacedCalls(() => void keys?.reload(), 1000)
  bus.on('rules', ({ hash }) => {
    if (rules && hash !== rules.current().hash) rereadRules.call()
  })
  bus.on('keys', () => rereadKeys.call())
  options.metrics.bus(() => bus.liveEpoch() !== undefined)
  return {
    bus,
    async close() {
      rereadRules.cancel()
      rereadKeys.cancel()
      await bus.close()
    },
  }
}
