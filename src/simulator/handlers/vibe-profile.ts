/**
 * A vibe's own endpoints: `vibe/{vibe_id}/profile` and `vibe/{vibe_id}/holder-list`.
 */
import { optionalBearerUser } from '../authenticate.js'
import type { FixtureUser, FixtureVibe } from '../fixture.js'
import { pathParam, type Handler, type HandlerContext } from '../handler-context.js'
import { paginate, readPage } from '../pagination.js'
import { presentProfile, presentPublicUser, presentSongProject } from '../present.js'
import { json } from '../reply.js'
import { SimError } from '../sim-error.js'

/** `GET /api/open-api/vibe/{vibe_id}/profile`: `name` instead of `title`, no `status`. */
export const vibeProfile: Handler = (ctx) => {
  const viewer = optionalBearerUser(ctx)
  const vibe = visibleVibe(ctx, pathParam(ctx, 'vibe_id'), viewer)
  return json(presentProfile(vibe, ctx.deps))
}

/**
 * `GET /api/open-api/vibe/{vibe_id}/holder-list`: holders with their owned amount (ids held
 * for 721-like vibes, the amount for 1155-like), largest first, paginated.
 */
export const holderList: Handler = (ctx) => {
  const viewer = optionalBearerUser(ctx)
  const vibe = visibleVibe(ctx, pathParam(ctx, 'vibe_id'), viewer)
  const { world } = ctx.deps
  const holders = world
    .holdersOf(vibe.id)
    .map(({ user, holding }, order) => ({ user, amount: world.ownedAmount(vibe, holding), order }))
    .sort((a, b) => b.amount - a.amount || a.order - b.order)
  const { items, pageInfo } = paginate(holders, readPage(ctx.params))
  return json({
    status: 'success',
    message: 'Success!',
    song_project: presentSongProject(vibe),
    holder_list: items.map((h) => ({ ...presentPublicUser(h.user), owned_amount: h.amount })),
    ...pageInfo,
  })
}

/**
 * The vibe with this id if `viewer` may see it; 404 when it does not exist or is hidden
 * from them (a hidden vibe is visible to its issuer and its holders only).
 */
export function visibleVibe(
  ctx: HandlerContext,
  vibeId: string,
  viewer: FixtureUser | undefined,
): FixtureVibe {
  const vibe = ctx.deps.world.vibe(vibeId)
  if (!vibe || !ctx.deps.world.canSee(vibe, viewer?.id)) {
    throw new SimError(404, `Vibe '${vibeId}' not found.`)
  }
  return vibe
}
