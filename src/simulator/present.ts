/**
 * The upstream's JSON shapes, field by field, from the simulator's state (see
 * `src/oursong/schemas.ts` for the same shapes as the client reads them).
 */
import type { FixtureUser, FixtureVibe } from './fixture.js'
import type { SimDeps } from './handler-context.js'
import { is721Like } from './token-specs.js'

/** A user as issuer or holder: uuid, id, name, username and three avatar sizes (or nulls). */
export function presentPublicUser(user: FixtureUser) {
  const avatar = user.avatar ?? null
  return {
    uuid: user.uuid,
    id: user.id,
    name: user.name,
    username: user.username,
    avatar,
    avatar_m: avatar,
    avatar_b: avatar,
  }
}

/** The `user` of auth-user: the public fields plus email, wallet_address and is_pro. */
export function presentAuthUser(user: FixtureUser, walletAddress: string | null) {
  return {
    ...presentPublicUser(user),
    email: user.email,
    wallet_address: walletAddress,
    is_pro: user.is_pro,
  }
}

/** A vibe as the vibe-list endpoints list it; token id bounds are strings, as documented. */
export function presentVibe(vibe: FixtureVibe, deps: SimDeps) {
  const meta = is721Like(vibe.token_spec) ? 'erc721' : 'erc1155'
  const baseUri = `${deps.publicUrl}/project/${vibe.id}/${meta}token-meta/`
  return {
    id: vibe.id,
    title: vibe.title,
    description: vibe.description ?? null,
    token_spec: vibe.token_spec,
    contract_address: vibe.contract_address ?? null,
    token_id_start: vibe.token_id_start === undefined ? null : String(vibe.token_id_start),
    token_id_end: vibe.token_id_end === undefined ? null : String(vibe.token_id_end),
    base_uri: baseUri,
    contract_uri: `${deps.publicUrl}/project/${vibe.id}/${meta}contract-meta`,
    example_base_uri: `${baseUri}${vibe.token_id_start ?? 1}`,
    ...media(vibe, deps),
    content_type: vibe.content_type,
    issuer: presentPublicUser(issuerOf(vibe, deps)),
    created_at: vibe.created_at,
  }
}

/** The vibe profile: `name` (not `title`) and no `status`, as documented. */
export function presentProfile(vibe: FixtureVibe, deps: SimDeps) {
  return {
    id: vibe.id,
    name: vibe.title,
    description: vibe.description ?? null,
    ...media(vibe, deps),
    content_type: vibe.content_type,
    issuer: presentPublicUser(issuerOf(vibe, deps)),
    created_at: vibe.created_at,
  }
}

/** The short `song_project` description beside token and holder lists. */
export function presentSongProject(vibe: FixtureVibe) {
  return {
    id: vibe.id,
    title: vibe.title,
    description: vibe.description ?? null,
    token_spec: vibe.token_spec,
    contract_address: vibe.contract_address ?? null,
  }
}

function media(vibe: FixtureVibe, deps: SimDeps) {
  return {
    cover_image: vibe.cover_image ?? null,
    image: vibe.image ?? null,
    animation_url: vibe.animation_url ?? null,
    external_url: vibe.external_url ?? `${deps.publicUrl}/project/${vibe.id}`,
  }
}

function issuerOf(vibe: FixtureVibe, deps: SimDeps): FixtureUser {
  const issuer = deps.world.userById(vibe.issuer)
  // The fixture check guarantees this; a failure here is a simulator bug.
  if (!issuer) throw new Error(`vibe ${vibe.id} has an unknown issuer ${vibe.issuer}`)
  return issuer
}
