/**
 * The zod schemas of one entry of each fixture section (apps, users, vibes, holdings). Each
 * message says what to write instead, because these messages end up in front of whoever
 * edits the fixture file.
 */
import { z } from 'zod'
import { CONTENT_TYPES, TOKEN_SPECS } from './token-specs.js'
import { deriveUuid } from './derive-uuid.js'

const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/
const id = (what: string) =>
  z
    .string()
    .regex(
      ID_PATTERN,
      `${what} must be letters, digits, '_', '.' or '-' (it appears in URL paths), e.g. alice`,
    )
const text = z.string().min(1, 'must not be empty')
const url = z.url('must be an absolute URL, e.g. https://example.com/a.jpg')
const tokenId = z
  .number()
  .int('must be a whole number')
  .nonnegative('must be 0 or more')
  .max(Number.MAX_SAFE_INTEGER, 'is too large')

/** The order of secp256k1: a private key is an integer in [1, n - 1]. */
const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n
const KEY_FORMAT = /^0x[0-9a-fA-F]{64}$/

/** A private key: 0x and 64 hex digits, and a valid secp256k1 scalar. */
const privateKey = z
  .string()
  .regex(KEY_FORMAT, 'must be 0x followed by 64 hex digits (a 32-byte private key)')
  // A badly formatted key is reported once, by the regex above.
  .refine(
    (key) => !KEY_FORMAT.test(key) || (BigInt(key) > 0n && BigInt(key) < SECP256K1_N),
    'is not a valid secp256k1 private key (it must be between 1 and the curve order - 1)',
  )

/** An application allowed to call the simulator (`api_key` is also the OAuth `client_id`). */
export const fixtureAppSchema = z.strictObject({
  api_key: text,
  api_secret: text,
  redirect_uris: z
    .array(
      url.refine(
        (u) => /^https?:/i.test(u) && !u.includes('#'),
        'must be an http(s) URL without a #fragment',
      ),
    )
    .min(1, 'needs at least one redirect URI, e.g. [http://localhost:8080/auth/callback]'),
})

const userFields = z.strictObject({
  id: id('a user id'),
  name: text,
  username: text,
  email: z.email('must be an e-mail address, e.g. alice@example.com'),
  password: text,
  uuid: z.guid('must be a UUID, e.g. 7f7a2c1e-3b5d-4c1a-9e2f-0a1b2c3d4e5f').optional(),
  wallet_private_key: privateKey.optional(),
  access_tokens: z.array(text).optional(),
  is_pro: z.boolean().default(false),
  avatar: url.optional(),
})

/** A user. `uuid` defaults to one derived from `id`; `is_pro` to false. */
export const fixtureUserSchema = userFields.transform((user) => ({
  ...user,
  uuid: user.uuid ?? deriveUuid(user.id),
}))

/**
 * A vibe (an NFT collection); `issuer` is a user id. Defaults: `hidden` false,
 * `ai_rapper_remixable` false, `created_at` '2021-01-01 00:00:00'; 721-like specs need
 * token_id_start and token_id_end (checked with the cross-references).
 */
export const fixtureVibeSchema = z.strictObject({
  id: id('a vibe id'),
  title: text,
  description: z.string().optional(),
  token_spec: z.enum(TOKEN_SPECS),
  content_type: z.enum(CONTENT_TYPES),
  contract_address: z
    .string()
    .regex(/^0x[0-9a-fA-F]{40}$/, 'must be 0x followed by 40 hex digits')
    .optional(),
  token_id_start: tokenId.optional(),
  token_id_end: tokenId.optional(),
  issuer: text,
  hidden: z.boolean().default(false),
  cover_image: url.optional(),
  image: url.optional(),
  animation_url: url.optional(),
  external_url: url.optional(),
  created_at: z
    .string()
    .regex(
      /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/,
      "must look like '2021-05-17 08:26:04' (quote it in YAML)",
    )
    .default('2021-01-01 00:00:00'),
  ai_rapper_remixable: z.boolean().default(false),
})

/** Who holds what: token ids for 721-like vibes, an amount (and optional ids) for 1155-like. */
export const fixtureHoldingSchema = z.strictObject({
  user: text,
  vibe: text,
  token_ids: z.array(tokenId).optional(),
  amount: z.number().int('must be a whole number').positive('must be 1 or more').optional(),
})

/** An app of the fixture. */
export type FixtureApp = z.output<typeof fixtureAppSchema>
/** A user of the fixture, with `uuid` filled in. */
export type FixtureUser = z.output<typeof fixtureUserSchema>
/** A vibe of the fixture, with defaults filled in. */
export type FixtureVibe = z.output<typeof fixtureVibeSchema>
/** A holding of the fixture. */
export type FixtureHolding = z.output<typeof fixtureHoldingSchema>

/** The fields each section's entries may have, for "allowed fields" hints. */
export const FIXTURE_FIELDS = {
  apps: Object.keys(fixtureAppSchema.shape),
  users: Object.keys(userFields.shape),
  vibes: Object.keys(fixtureVibeSchema.shape),
  holdings: Object.keys(fixtureHoldingSchema.shape),
} as const satisfies Record<string, readonly string[]>
