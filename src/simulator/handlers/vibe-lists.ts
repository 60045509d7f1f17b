/**
 * The access-token-free vibe lists: `token-spec-list`, `token-spec/{token_spec}/vibe-list`
 * and `content-type/{content_type}/vibe-list`. Hidden vibes are never listed here.
 */
import { pathParam, type Handler, type HandlerContext } from '../handler-context.js'
import { paginate, readPage } from '../pagination.js'
import { presentVibe } from '../present.js'
import type { FixtureVibe } from '../fixture.js'
import { json, type Reply } from '../reply.js'
import { SimError } from '../sim-error.js'
import { CONTENT_TYPES, TOKEN_SPECS, isContentType, isTokenSpec } from '../token-specs.js'

/** `GET /api/open-api/token-spec-list`: the eight specs with their list end points. */
export const tokenSpecList: Handler = (ctx) =>
  json({
    status: 'success',
    message: 'Success!',
    list: TOKEN_SPECS.map((spec) => {
      const endPoint = `${ctx.deps.publicUrl}/api/open-api/token-spec/${spec}/vibe-list`
      return {
        token_spec: spec,
        end_point: endPoint,
        param: ['page'],
        example: `${endPoint}?page=1`,
      }
    }),
  })

/** `GET /api/open-api/token-spec/{token_spec}/vibe-list`; an unknown spec is 404. */
export const tokenSpecVibeList: Handler = (ctx) => {
  const spec = pathParam(ctx, 'token_spec')
  if (!isTokenSpec(spec)) {
    throw new SimError(404, `Unknown token spec '${spec}'; known: ${TOKEN_SPECS.join(', ')}.`)
  }
  return publicList(ctx, (v) => v.token_spec === spec)
}

/** `GET /api/open-api/content-type/{content_type}/vibe-list`; an unknown type is 404. */
export const contentTypeVibeList: Handler = (ctx) => {
  const type = pathParam(ctx, 'content_type')
  if (!isContentType(type)) {
    throw new SimError(404, `Unknown content type '${type}'; known: ${CONTENT_TYPES.join(', ')}.`)
  }
  return publicList(ctx, (v) => v.content_type === type)
}

function publicList(ctx: HandlerContext, keep: (vibe: FixtureVibe) => boolean): Reply {
  const page = readPage(ctx.params)
  const vibes = ctx.deps.world.vibes().filter((v) => !v.hidden && keep(v))
  return vibeListReply(ctx, vibes, page)
}

/** The body shared by every vibe list: one page of presented vibes. */
export function vibeListReply(
  ctx: HandlerContext,
  vibes: readonly FixtureVibe[],
  page: ReturnType<typeof readPage>,
): Reply {
  const { items, pageInfo } = paginate(vibes, page)
  return json({
    status: 'success',
    message: 'Success!',
    list: items.map((v) => presentVibe(v, ctx.deps)),
    ...pageInfo,
  })
}
