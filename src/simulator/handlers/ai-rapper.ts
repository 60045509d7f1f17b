/**
 * The AI Rapper partner endpoints: `ai-rapper-use-license` and `ai-rapper-create-nft-card`.
 * "The special list" of remixable vibes is the fixture's `ai_rapper_remixable: true`.
 */
import { randomBytes } from 'node:crypto'
import type { UploadKind } from '../../oursong/upload-kinds.js'
import { requireBearerUser } from '../authenticate.js'
import type { FixtureUser, FixtureVibe } from '../fixture.js'
import type { Handler, HandlerContext } from '../handler-context.js'
import { json } from '../reply.js'
import { SimError } from '../sim-error.js'

/** `POST /api/open-api/ai-rapper-use-license`: an order id for a remixable vibe. */
export const aiRapperUseLicense: Handler = (ctx) => {
  requireBearerUser(ctx)
  remixSource(ctx, ctx.params.require('remix_from_id'))
  return json({
    status: 'success',
    message: 'Success!',
    error: 'no_error',
    order_id: randomBytes(12).toString('hex'),
    mode: 'ai_rapper',
  })
}

const CARD_PARAMETERS = [
  'remix_from_id',
  'upload_content_type',
  'upload_content_id',
  'upload_cover_id',
  'upload_attach_id',
  'title',
  'description',
] as const

/**
 * `POST /api/open-api/ai-rapper-create-nft-card`: every documented parameter is required;
 * the uploads must be this user's, of kinds video (content), photo (cover) and archive
 * (attach). Creates a public tt721 video vibe (token id 1 only, held by no one yet) issued
 * by the user, and returns its id.
 */
export const aiRapperCreateNftCard: Handler = (ctx) => {
  const user = requireBearerUser(ctx)
  const missing = CARD_PARAMETERS.filter((name) => ctx.params.get(name) === undefined)
  if (missing.length > 0) {
    throw new SimError(
      422,
      `Missing required parameter${missing.length > 1 ? 's' : ''}: ${missing.join(', ')}.`,
    )
  }
  const p = (name: (typeof CARD_PARAMETERS)[number]) => ctx.params.require(name)
  remixSource(ctx, p('remix_from_id'))
  if (p('upload_content_type') !== 'video') {
    throw new SimError(422, 'The upload_content_type must be video (the only type supported).')
  }
  const content = ownUpload(ctx, user, 'upload_content_id', 'video')
  const cover = ownUpload(ctx, user, 'upload_cover_id', 'photo')
  ownUpload(ctx, user, 'upload_attach_id', 'archive')
  if (p('title').length > 255)
    throw new SimError(422, 'The title may not be greater than 255 characters.')
  const vibe: FixtureVibe = {
    id: newVibeId(ctx),
    title: p('title'),
    description: p('description'),
    token_spec: 'tt721',
    content_type: 'video',
    token_id_start: 1,
    token_id_end: 1,
    issuer: user.id,
    hidden: false,
    cover_image: cover,
    image: cover,
    animation_url: content,
    created_at: formatTimestamp(ctx.deps.clock.now()),
    ai_rapper_remixable: false,
  }
  ctx.deps.world.addVibe(vibe)
  return json({ status: 'success', message: 'Success!', vibe_id: vibe.id })
}

function remixSource(ctx: HandlerContext, vibeId: string): FixtureVibe {
  const vibe = ctx.deps.world.vibe(vibeId)
  if (!vibe) throw new SimError(404, `Vibe '${vibeId}' not found.`)
  if (!vibe.ai_rapper_remixable) {
    throw new SimError(422, `The remix_from_id '${vibeId}' is not in the AI Rapper remix list.`)
  }
  return vibe
}

/** The URL of an upload of `user` of the given kind named by parameter `name`; else 422. */
function ownUpload(ctx: HandlerContext, user: FixtureUser, name: string, kind: UploadKind): string {
  const upload = ctx.deps.uploads.get(ctx.params.require(name))
  if (!upload || upload.userId !== user.id || upload.kind !== kind) {
    throw new SimError(422, `The ${name} must be the attach_id_encrypt of your own ${kind} upload.`)
  }
  return upload.url
}

/** A fresh 8-letter id like the upstream's (`nxwyqqow`). */
function newVibeId(ctx: HandlerContext): string {
  for (;;) {
    const id = [...randomBytes(8)].map((b) => String.fromCharCode(97 + (b % 26))).join('')
    if (!ctx.deps.world.vibe(id)) return id
  }
}

/** `YYYY-MM-DD HH:MM:SS` in UTC, the upstream's `created_at` format. */
function formatTimestamp(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ')
}
