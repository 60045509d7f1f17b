/**
 * The wallet endpoints: `wallet-login`, `wallet-connect` and `wallet-disconnect`.
 */
import { requireBearerUser } from '../authenticate.js'
import type { Handler } from '../handler-context.js'
import { json } from '../reply.js'
import { SimError } from '../sim-error.js'
import { verifyWalletSignature } from '../verify-wallet-signature.js'

/**
 * `POST /api/open-api/wallet-login`: the api_secret must be the api_key's (401); the
 * signature must be by wallet_address (401); the wallet must be connected to a user (404).
 * Returns a new access token of that user.
 */
export const walletLogin: Handler = (ctx) => {
  const secret = ctx.params.get('api_secret')
  if (secret === undefined || secret !== ctx.app?.api_secret) {
    throw new SimError(401, 'The api_secret is missing or does not match the api_key.')
  }
  const wallet = verifyWalletSignature(ctx.params, ctx.deps)
  const user = ctx.deps.world.userByWallet(wallet)
  if (!user) throw new SimError(404, `No OurSong user has connected wallet ${wallet}.`)
  return json({
    status: 'success',
    message: 'Success!',
    access_token: ctx.deps.tokens.issue(user.id).accessToken,
  })
}

/**
 * `POST /api/open-api/wallet-connect`: connects the signing wallet to the token's user,
 * replacing their previous one; 422 when another user has it.
 */
export const walletConnect: Handler = (ctx) => {
  const user = requireBearerUser(ctx)
  const wallet = verifyWalletSignature(ctx.params, ctx.deps)
  const owner = ctx.deps.world.userByWallet(wallet)
  if (owner && owner.id !== user.id) {
    throw new SimError(422, 'The wallet_address is connected to another account.')
  }
  ctx.deps.world.setWallet(user.id, wallet)
  return json({ status: 'success', message: 'Success!', wallet_address: wallet })
}

/**
 * `POST /api/open-api/wallet-disconnect`: removes the user's connected wallet; the signed
 * wallet_address must be that wallet (422 otherwise).
 */
export const walletDisconnect: Handler = (ctx) => {
  const user = requireBearerUser(ctx)
  const wallet = verifyWalletSignature(ctx.params, ctx.deps)
  if (ctx.deps.world.walletOf(user.id) !== wallet) {
    throw new SimError(422, 'The wallet_address is not the wallet connected to this account.')
  }
  ctx.deps.world.setWallet(user.id, null)
  return json({ status: 'success', message: 'Success!', action_type: 'disconnect' })
}
