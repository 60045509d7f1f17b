/**
 * The gate's side of tokens: the signing key file, its hot reload, and the issuer. The
 * verifying side, for content servers, is `vibegate/verify` (`./verify.ts`).
 */
export {
  ephemeralKeySet,
  generateKeySet,
  isValidKid,
  KEY_ALGORITHMS,
  keyFileWarnings,
  KeySetError,
  loadKeySet,
  parseKeySet,
  type GenerateKeySetOptions,
  type KeyAlgorithm,
  type KeySet,
  type LoadedKeySet,
  type PrivateJwk,
  type PrivateKeySetFile,
  type PublicJwk,
  type SigningKey,
} from './key-set.js'
export {
  createTokenIssuer,
  MAX_TOKEN_TTL_SECONDS,
  type IssuedToken,
  type TokenIssuer,
  type TokenIssuerOptions,
  type TokenIssuerStats,
  type TokenRequest,
  type VibeHolding,
  type VibeHoldingInput,
} from './token-issuer.js'
export {
  watchKeys,
  type KeysReloadEvent,
  type KeysSource,
  type WatchKeysOptions,
} from './watch-keys.js'
export type { GateClaims } from './gate-claims.js'
