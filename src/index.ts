/**
 * vibegate: NFT-gated content access for OurSong.
 *
 * ```ts
 * import { createGate } from 'vibegate'
 * const gate = await createGate({ rules: 'rules/rules.yaml', publicUrl, oursong, sessionSecret })
 * app.use(gate.routes())
 * app.use(gate.protect())
 * ```
 *
 * Content servers verify the gate's tokens with `vibegate/verify`; the OurSong client and
 * simulator are `vibegate/oursong` and `vibegate/simulator`.
 */
export { createGate, type Gate, type GateOptions } from './gate/create-gate.js'
export type { GateRequestContext } from './gate/gate-middleware.js'
// Also brings the `req.vibegate` augmentation of Express's Request into the consumer's program.
export type { VibegateRequestContext } from './gate/express-request.js'
export { createLogger, type Logger, type LogLevel } from './util/logger.js'
export { loadConfig, ConfigError, type GateConfig } from './config/load-config.js'
export {
  parseRules,
  loadRulesFile,
  RulesFileError,
  formatProblem,
  type RulesProblem,
} from './rules/load-rules.js'
export { canonicalPath } from './rules/canonical-path.js'
export type { Rules, CompiledRule } from './rules/compiled-rules.js'
export type { RequirementInput } from './rules/rules-schema.js'
export { VibegateError, isVibegateError } from './errors/vibegate-error.js'
export { ERROR_CODES, type ErrorCode } from './errors/error-codes.js'
