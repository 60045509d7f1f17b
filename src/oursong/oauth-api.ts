import { required, type ApiContext, type CallOptions } from './api-context.js'
import {
  tokenResponseSchema,
  walletLoginResponseSchema,
  type TokenResponse,
  type WalletLoginResponse,
} from './schemas.js'

/** A personal_sign signature and what it signed, as OurSong's wallet endpoints take them. */
export interface WalletSignature {
  /** The wallet's 0x address. */
  walletAddress: string
  /** 0x-hex of the signed message bytes. */
  signData: string
  /** The 65-byte personal_sign signature, 0x-hex. */
  signEncoded: string
}

/** The OAuth and wallet-login part of the OurSong API: how a user is identified. */
export interface OAuthApi {
  /**
   * The URL of `GET /oauth/authorize` to send a browser to. Pure: no request is made.
   * `redirectUri` must be one registered for the app; `state` is echoed back to it.
   */
  authorizeUrl(params: { redirectUri: string; state?: string }): string
  /**
   * `POST /oauth/token`: exchanges an authorization code (single-use) for an access token.
   * Fails with `oursong_unauthorized` for bad app credentials, `oursong_rejected` for a
   * bad, used or expired code or a redirect_uri mismatch.
   */
  exchangeCode(
    params: { code: string; redirectUri: string },
    options?: CallOptions,
  ): Promise<TokenResponse>
  /**
   * `POST /api/open-api/wallet-login`: an access token for the OurSong user whose connected
   * wallet made the signature. Fails with `oursong_unauthorized` for a bad signature or
   * app credentials, `oursong_not_found` for a wallet connected to no one.
   */
  walletLogin(signature: WalletSignature, options?: CallOptions): Promise<WalletLoginResponse>
}

/** Builds the {@link OAuthApi} methods. */
export function oauthApi(ctx: ApiContext): OAuthApi {
  return {
    authorizeUrl({ redirectUri, state }) {
      const query = new URLSearchParams({
        client_id: ctx.apiKey,
        redirect_uri: required('redirectUri', redirectUri),
        response_type: 'code',
      })
      if (state !== undefined) query.set('state', state)
      return `${ctx.baseUrl}/oauth/authorize?${query.toString()}`
    },

    exchangeCode({ code, redirectUri }, options = {}) {
      return ctx.transport.call({
        method: 'POST',
        template: '/oauth/token',
        path: '/oauth/token',
        form: {
          grant_type: 'authorization_code',
          client_id: ctx.apiKey,
          client_secret: ctx.apiSecret,
          redirect_uri: required('redirectUri', redirectUri),
          code: required('code', code),
        },
        secrets: [code],
        schema: tokenResponseSchema,
        signal: options.signal,
      })
    },

    walletLogin(signature, options = {}) {
      return ctx.transport.call({
        method: 'POST',
        template: '/api/open-api/wallet-login',
        path: '/api/open-api/wallet-login',
        form: {
          api_key: ctx.apiKey,
          api_secret: ctx.apiSecret,
          ...walletForm(signature),
        },
        secrets: [signature.signEncoded],
        schema: walletLoginResponseSchema,
        signal: options.signal,
      })
    },
  }
}

/** The three wallet fields as the upstream names them; shared with wallet-connect. */
export function walletForm(signature: WalletSignature): Record<string, string> {
  return {
    wallet_address: required('walletAddress', signature.walletAddress),
    sign_data: required('signData', signature.signData),
    sign_encoded: required('signEncoded', signature.signEncoded),
  }
}
