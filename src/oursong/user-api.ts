import type { z } from 'zod'
import {
  pageQuery,
  required,
  type ApiContext,
  type CallOptions,
  type PageOptions,
} from './api-context.js'
import { walletForm, type WalletSignature } from './oauth-api.js'
import {
  authUserResponseSchema,
  ownThisVibeResponseSchema,
  walletConnectResponseSchema,
  walletDisconnectResponseSchema,
  type AuthUser,
  type OwnThisVibeResponse,
} from './schemas.js'

/** What wallet-connect answers. */
export type WalletConnectResponse = z.infer<typeof walletConnectResponseSchema>
/** What wallet-disconnect answers. */
export type WalletDisconnectResponse = z.infer<typeof walletDisconnectResponseSchema>

/** The access-token-required part of the OurSong API: the user behind a token. */
export interface UserApi {
  /**
   * `GET /api/open-api/auth-user`: the user an access token belongs to (uuid, id, wallet).
   * Fails with `oursong_unauthorized` for an invalid or expired token.
   */
  authUser(accessToken: string, options?: CallOptions): Promise<AuthUser>
  /**
   * `GET /api/open-api/auth-user/own-this-vibe`: how much of a vibe the token's user holds,
   * with one page of the token ids. With `tokenId` (721-like vibes only), `owned_amount`
   * is 1 or 0 for that id. Fails with `oursong_not_found` for an unknown vibe.
   */
  ownThisVibe(
    accessToken: string,
    params: { vibeId: string; tokenId?: number },
    options?: PageOptions,
  ): Promise<OwnThisVibeResponse>
  /** `POST /api/open-api/wallet-connect`: connects a wallet, proven by its signature. */
  walletConnect(
    accessToken: string,
    signature: WalletSignature,
    options?: CallOptions,
  ): Promise<WalletConnectResponse>
  /** `POST /api/open-api/wallet-disconnect`: removes the connected wallet. Use with care. */
  walletDisconnect(
    accessToken: string,
    signature: WalletSignature,
    options?: CallOptions,
  ): Promise<WalletDisconnectResponse>
}

/** Builds the {@link UserApi} methods. */
export function userApi(ctx: ApiContext): UserApi {
  const walletCall =
    <T>(action: 'connect' | 'disconnect', schema: z.ZodType<T>) =>
    (accessToken: string, signature: WalletSignature, options: CallOptions = {}): Promise<T> =>
      ctx.transport.call({
        method: 'POST',
        template: `/api/open-api/wallet-${action}`,
        path: `/api/open-api/wallet-${action}`,
        form: { api_key: ctx.apiKey, ...walletForm(signature) },
        accessToken: required('accessToken', accessToken),
        secrets: [signature.signEncoded],
        schema,
        signal: options.signal,
      })

  return {
    async authUser(accessToken, options = {}) {
      const body = await ctx.transport.call({
        method: 'GET',
        template: '/api/open-api/auth-user',
        path: '/api/open-api/auth-user',
        query: { api_key: ctx.apiKey },
        accessToken: required('accessToken', accessToken),
        schema: authUserResponseSchema,
        signal: options.signal,
      })
      return body.user
    },

    ownThisVibe(accessToken, { vibeId, tokenId }, options = {}) {
      if (tokenId !== undefined && (!Number.isSafeInteger(tokenId) || tokenId < 0)) {
        throw new TypeError(`tokenId must be a non-negative integer, got ${String(tokenId)}`)
      }
      return ctx.transport.call({
        method: 'GET',
        template: '/api/open-api/auth-user/own-this-vibe',
        path: '/api/open-api/auth-user/own-this-vibe',
        query: {
          api_key: ctx.apiKey,
          vibe_id: required('vibeId', vibeId),
          token_id: tokenId,
          ...pageQuery(options),
        },
        accessToken: required('accessToken', accessToken),
        schema: ownThisVibeResponseSchema,
        signal: options.signal,
      })
    },

    walletConnect: walletCall('connect', walletConnectResponseSchema),
    walletDisconnect: walletCall('disconnect', walletDisconnectResponseSchema),
  }
}
