/**
 * The response bodies of the OurSong Open API (`oursong-open-api.txt`), as zod schemas.
 *
 * These are the boundary: every upstream answer is parsed here before any of it is used, so
 * a missing field, a string where a number belongs or a negative amount becomes an
 * `oursong_bad_response` error instead of an `undefined` deeper in. Field names are the
 * upstream's own (snake_case), so the types read like the upstream document. Unknown extra
 * fields are dropped. The simulator's tests parse its answers with the same schemas.
 */
import { z } from 'zod'

const count = z.number().int().nonnegative()
const tokenId = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER)
const text = z.string()
const optionalText = z.string().nullable()
const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'expected a 0x-prefixed 20-byte address')

/**
 * A token id bound as the upstream documents it: a decimal string ("1"); a plain number is
 * accepted too. Normalised to a number.
 */
const tokenIdBound = z
  .union([tokenId, z.string().regex(/^(0|[1-9][0-9]{0,15})$/, 'expected a decimal token id')])
  .transform((v) => Number(v))
  .pipe(tokenId)

/** `"status": "success"`: any other status is refused before schemas run (see the transport). */
const success = { status: z.literal('success'), message: text.optional() }

/** The pagination fields shared by every paginated list. */
export const pageInfoSchema = z.object({
  current_page: z.number().int().positive(),
  per_page: z.number().int().positive(),
  total: count,
  has_more_page: z.boolean(),
})
/** Pagination fields of a paginated list response. */
export type PageInfo = z.infer<typeof pageInfoSchema>

/** An OurSong user as it appears as a vibe issuer or a holder. */
export const publicUserSchema = z.object({
  uuid: text,
  id: text,
  name: text,
  username: text,
  avatar: optionalText,
  avatar_m: optionalText,
  avatar_b: optionalText,
})
/** An OurSong user's public profile. */
export type PublicUser = z.infer<typeof publicUserSchema>

/** A vibe (an NFT collection) as listed by the vibe-list endpoints. */
export const vibeSchema = z.object({
  id: text.min(1),
  title: text,
  description: optionalText,
  token_spec: text.min(1),
  contract_address: optionalText,
  token_id_start: tokenIdBound.nullable(),
  token_id_end: tokenIdBound.nullable(),
  base_uri: optionalText,
  contract_uri: optionalText,
  example_base_uri: optionalText,
  cover_image: optionalText,
  image: optionalText,
  animation_url: optionalText,
  external_url: optionalText,
  content_type: text,
  issuer: publicUserSchema,
  created_at: text,
})
/** A vibe as listed by the vibe-list endpoints. */
export type Vibe = z.infer<typeof vibeSchema>

/** The short vibe description (`song_project`) returned beside token lists. */
export const songProjectSchema = z.object({
  id: text.min(1),
  title: text,
  description: optionalText,
  token_spec: text.min(1),
  contract_address: optionalText,
})
/** The `song_project` object of the token-list endpoints. */
export type SongProject = z.infer<typeof songProjectSchema>

/** `POST /oauth/token`. */
export const tokenResponseSchema = z.object({
  token_type: z.string().regex(/^bearer$/i, 'expected "Bearer"'),
  expires_in: count,
  access_token: text.min(1),
  refresh_token: text.min(1).optional(),
})
/** The access token issued for an authorization code. */
export type TokenResponse = z.infer<typeof tokenResponseSchema>

/** `POST /api/open-api/wallet-login`. */
export const walletLoginResponseSchema = z.object({ ...success, access_token: text.min(1) })
/** The access token issued for a wallet signature. */
export type WalletLoginResponse = z.infer<typeof walletLoginResponseSchema>

/** `GET /api/open-api/token-spec-list`. */
export const tokenSpecListResponseSchema = z.object({
  ...success,
  list: z.array(
    z.object({ token_spec: text.min(1), end_point: text, param: z.array(text), example: text }),
  ),
})
/** One token spec OurSong supports. */
export type TokenSpec = z.infer<typeof tokenSpecListResponseSchema>['list'][number]

/** The vibe-list endpoints (by token spec, by content type, collected, created). */
export const vibeListResponseSchema = z.object({
  ...success,
  list: z.array(vibeSchema),
  ...pageInfoSchema.shape,
})

/** `GET /api/open-api/user/{user}/vibe/{vibe}/owned-token-id-list`. */
export const ownedTokenIdListResponseSchema = z.object({
  ...success,
  song_project: songProjectSchema,
  owned_token_id_list: z.array(tokenId),
  ...pageInfoSchema.shape,
})

/** `GET /api/open-api/vibe/{vibe}/profile`: note the upstream sends no `status` here. */
export const vibeProfileSchema = z.object({
  id: text.min(1),
  name: text,
  description: optionalText,
  cover_image: optionalText,
  image: optionalText,
  animation_url: optionalText,
  external_url: optionalText,
  content_type: text,
  issuer: publicUserSchema,
  created_at: text,
})
/** A vibe's profile. */
export type VibeProfile = z.infer<typeof vibeProfileSchema>

/** A holder of a vibe with the amount held. */
export const holderSchema = publicUserSchema.extend({ owned_amount: count })
/** A holder of a vibe with the amount held. */
export type Holder = z.infer<typeof holderSchema>

/** `GET /api/open-api/vibe/{vibe}/holder-list`. */
export const holderListResponseSchema = z.object({
  ...success,
  song_project: songProjectSchema,
  holder_list: z.array(holderSchema),
  ...pageInfoSchema.shape,
})

/** The authenticated user, from `GET /api/open-api/auth-user`. */
export const authUserSchema = publicUserSchema.extend({
  email: optionalText,
  wallet_address: address.nullable(),
  is_pro: z.boolean(),
})
/** The user an access token belongs to. */
export type AuthUser = z.infer<typeof authUserSchema>

/** `GET /api/open-api/auth-user`. */
export const authUserResponseSchema = z.object({ ...success, user: authUserSchema })

/** `GET /api/open-api/auth-user/own-this-vibe` (one page). */
export const ownThisVibeResponseSchema = z.object({
  ...success,
  song_project: songProjectSchema,
  owned_amount: count,
  owned_token_id_list: z.array(tokenId),
  ...pageInfoSchema.shape,
})
/** One page of the own-this-vibe answer. */
export type OwnThisVibeResponse = z.infer<typeof ownThisVibeResponseSchema>

/** `POST /api/open-api/wallet-connect`. */
export const walletConnectResponseSchema = z.object({ ...success, wallet_address: address })
/** `POST /api/open-api/wallet-disconnect`. */
export const walletDisconnectResponseSchema = z.object({
  ...success,
  action_type: z.literal('disconnect'),
})

/** The four `POST /api/open-api/attach/upload-*` endpoints. */
export const uploadResponseSchema = z.object({
  ...success,
  type: z.enum(['photo', 'video', 'audio', 'archive']),
  attach_id_encrypt: text.min(1),
  attach_file_name: text.min(1),
  attach_file_url: text.min(1),
})
/** What an upload returns: `attach_id_encrypt` feeds ai-rapper-create-nft-card. */
export type UploadResponse = z.infer<typeof uploadResponseSchema>

/** `POST /api/open-api/ai-rapper-use-license`. */
export const aiRapperUseLicenseResponseSchema = z.object({
  ...success,
  error: text,
  order_id: text.min(1),
  mode: text,
})
/** The order created by ai-rapper-use-license. */
export type AiRapperLicense = z.infer<typeof aiRapperUseLicenseResponseSchema>

/** `POST /api/open-api/ai-rapper-create-nft-card`. */
export const aiRapperCreateNftCardResponseSchema = z.object({ ...success, vibe_id: text.min(1) })

/** `{ "status": "error", "message": "..." }`, the upstream's error body. */
export const errorBodySchema = z.object({ status: text, message: text.optional() })
