/**
 * The authenticated user's endpoints: `auth-user` and `auth-user/own-this-vibe`.
 */
import { requireBearerUser } from '../authenticate.js'
import type { Handler } from '../handler-context.js'
import { paginate, readPage } from '../pagination.js'
import { presentAuthUser, presentSongProject } from '../present.js'
import { json } from '../reply.js'
import { SimError } from '../sim-error.js'
import { is721Like } from '../token-specs.js'
import { visibleVibe } from './vibe-profile.js'

/** `GET /api/open-api/auth-user`: the token's user, wallet_address null when none. */
export const authUser: Handler = (ctx) => {
  const user = requireBearerUser(ctx)
  return json({
    status: 'success',
    message: 'Success!',
    user: presentAuthUser(user, ctx.deps.world.walletOf(user.id)),
  })
}

/**
 * `GET /api/open-api/auth-user/own-this-vibe`: `owned_amount` is the number of ids held
 * (721-like) or the amount (1155-like). With `token_id` (721-like only; 422 on 1155-like,
 * where the upstream does not document it) the answer is about that one id: 1 or 0, and
 * `[id]` or `[]`. `owned_token_id_list` is paginated; `total` counts the ids.
 */
export const ownThisVibe: Handler = (ctx) => {
  const user = requireBearerUser(ctx)
  const vibe = visibleVibe(ctx, ctx.params.require('vibe_id'), user)
  const tokenIdParam = ctx.params.get('token_id')
  const holding = ctx.deps.world.holding(user.id, vibe.id)
  let ownedAmount = ctx.deps.world.ownedAmount(vibe, holding)
  let ids = holding?.token_ids ?? []
  if (tokenIdParam !== undefined) {
    if (!/^\d{1,15}$/.test(tokenIdParam)) {
      throw new SimError(422, 'The token_id must be a non-negative integer.')
    }
    if (!is721Like(vibe.token_spec)) {
      throw new SimError(
        422,
        `The token_id applies to 721-like vibes only; '${vibe.id}' is ${vibe.token_spec}.`,
      )
    }
    const tokenId = Number(tokenIdParam)
    ids = ids.includes(tokenId) ? [tokenId] : []
    ownedAmount = ids.length
  }
  const { items, pageInfo } = paginate(ids, readPage(ctx.params))
  return json({
    status: 'success',
    message: 'Success!',
    song_project: presentSongProject(vibe),
    owned_amount: ownedAmount,
    owned_token_id_list: items,
    ...pageInfo,
  })
}
