/**
 * `vibegate/verify`: for content servers behind the gate. Verifies the JWTs the gate hands
 * them (CONTRACT sections 5 and 6) against the gate's `/.well-known/jwks.json`. Loads only
 * jose (and Express types): nothing else of the gate.
 *
 * @example
 * import { requireGateToken, verifyGateToken } from 'vibegate/verify'
 * app.use(requireGateToken({ jwks: 'https://gate.example/.well-known/jwks.json', issuer, audience }))
 */
export type { GateClaims, VibeHolding } from './gate-claims.js'
export { GateTokenError, isGateTokenError, type GateTokenErrorCode } from './gate-token-error.js'
export {
  bearerToken,
  requireGateToken,
  type AnonymousGateTokenContext,
  type GateTokenContext,
  type GateTokenRequestOrAnonymous,
  type GateTokenRequest,
  type RequireGateTokenOptions,
} from './require-gate-token.js'
export {
  createGateVerifier,
  GATE_TOKEN_ALGORITHMS,
  verifyGateToken,
  type GateTokenRequestInfo,
  type GateTokenVerifier,
  type VerifyGateTokenOptions,
} from './verify-gate-token.js'
export type { TokenScopeOptions } from './token-scope.js'
