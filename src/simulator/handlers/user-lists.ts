/**
 * A user's lists: `user/{user_id}/collected-vibe-list`, `user/{user_id}/created-vibe-list`
 * and `user/{user_id}/vibe/{vibe_id}/owned-token-id-list`. `{user_id}` matches an id or a
 * uuid. Hidden vibes appear in a user's own lists only when the Bearer token is theirs.
 */
import { optionalBearerUser } from '../authenticate.js'
import type { FixtureUser, FixtureVibe } from '../fixture.js'
import { pathParam, type Handler, type HandlerContext } from '../handler-context.js'
import { paginate, readPage } from '../pagination.js'
import { presentSongProject } from '../present.js'
import { json } from '../reply.js'
import { SimError } from '../sim-error.js'
import { CONTENT_TYPES, TOKEN_SPECS } from '../token-specs.js'
import { vibeListReply } from './vibe-lists.js'
import { visibleVibe } from './vibe-profile.js'

/** `GET /api/open-api/user/{user_id}/collected-vibe-list`: vibes the user holds. */
export const collectedVibeList: Handler = (ctx) =>
  userVibeList(
    ctx,
    (user, vibe) => ctx.deps.world.ownedAmount(vibe, ctx.deps.world.holding(user.id, vibe.id)) > 0,
  )

/** `GET /api/open-api/user/{user_id}/created-vibe-list`: vibes the user issued. */
export const createdVibeList: Handler = (ctx) =>
  userVibeList(ctx, (user, vibe) => vibe.issuer === user.id)

/**
 * `GET /api/open-api/user/{user_id}/vibe/{vibe_id}/owned-token-id-list`: the ids the user
 * holds, paginated (empty for a user who holds none). A hidden vibe is 404 unless the
 * Bearer token's user issued or holds it.
 */
export const ownedTokenIdList: Handler = (ctx) => {
  const viewer = optionalBearerUser(ctx)
  const user = findUser(ctx)
  const vibe = visibleVibe(ctx, pathParam(ctx, 'vibe_id'), viewer)
  const ids = ctx.deps.world.holding(user.id, vibe.id)?.token_ids ?? []
  const { items, pageInfo } = paginate(ids, readPage(ctx.params))
  return json({
    status: 'success',
    message: 'Success!',
    song_project: presentSongProject(vibe),
    owned_token_id_list: items,
    ...pageInfo,
  })
}

function userVibeList(
  ctx: HandlerContext,
  belongs: (user: FixtureUser, vibe: FixtureVibe) => boolean,
) {
  const viewer = optionalBearerUser(ctx)
  const user = findUser(ctx)
  const specs = listFilter(ctx, 'token_spec', TOKEN_SPECS)
  const types = listFilter(ctx, 'content_type', CONTENT_TYPES)
  const own = viewer?.id === user.id
  const vibes = ctx.deps.world
    .vibes()
    .filter(
      (v) =>
        (own || !v.hidden) &&
        (specs === undefined || specs.has(v.token_spec)) &&
        (types === undefined || types.has(v.content_type)) &&
        belongs(user, v),
    )
  return vibeListReply(ctx, vibes, readPage(ctx.params))
}

function findUser(ctx: HandlerContext): FixtureUser {
  const idOrUuid = pathParam(ctx, 'user_id')
  const user = ctx.deps.world.userByIdOrUuid(idOrUuid)
  if (!user) throw new SimError(404, `User '${idOrUuid}' not found.`)
  return user
}

/** A comma-separated filter parameter; undefined when absent; 422 for an unknown value. */
function listFilter(
  ctx: HandlerContext,
  name: string,
  known: readonly string[],
): ReadonlySet<string> | undefined {
  const raw = ctx.params.get(name)
  if (raw === undefined) return undefined
  const values = raw
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v !== '')
  if (values.length === 0) return undefined
  for (const value of values) {
    if (!known.includes(value)) {
      throw new SimError(
        422,
        `The ${name} '${value}' is invalid; use one or more of: ${known.join(',')}.`,
      )
    }
  }
  return new Set(values)
}
