import { computeAddress, getAddress } from 'ethers'
import type { Fixture, FixtureApp, FixtureUser, FixtureVibe } from './fixture.js'
import { is721Like } from './token-specs.js'

/** What a user holds of one vibe: ids (sorted ascending) and, for 1155-like vibes, an amount. */
export interface Holding {
  token_ids: number[]
  amount: number | undefined
}

/**
 * The simulator's mutable OurSong world: apps, users and their connected wallets, vibes and
 * holdings. Starts as a copy of the fixture; the caller's fixture is never changed.
 */
export interface World {
  appByKey(apiKey: string): FixtureApp | undefined
  /** Users in fixture order. */
  users(): readonly FixtureUser[]
  userById(id: string): FixtureUser | undefined
  /** A user by id, or else by uuid (the `{user_id or uuid}` path parameter). */
  userByIdOrUuid(idOrUuid: string): FixtureUser | undefined
  userByUsername(username: string): FixtureUser | undefined
  vibe(id: string): FixtureVibe | undefined
  /** Every vibe, hidden ones included, newest `created_at` first (ties in fixture order). */
  vibes(): FixtureVibe[]
  addVibe(vibe: FixtureVibe): void
  holding(userId: string, vibeId: string): Holding | undefined
  /** Holders of a vibe (owned amount > 0), in fixture user order. */
  holdersOf(vibeId: string): { user: FixtureUser; holding: Holding }[]
  /** Replaces a holding; `undefined` removes it. The caller validated it. */
  setHolding(userId: string, vibeId: string, holding: Holding | undefined): void
  /** The user holding a 721-like token id, if any. */
  holderOfToken(vibeId: string, tokenId: number): string | undefined
  /** Token ids held (721-like) or the amount (1155-like); 0 when nothing is held. */
  ownedAmount(vibe: FixtureVibe, holding: Holding | undefined): number
  /** Whether `viewerId` may see the vibe: it is public, or they issued or hold it. */
  canSee(vibe: FixtureVibe, viewerId: string | undefined): boolean
  /** The user's connected wallet (checksummed), or null. */
  walletOf(userId: string): string | null
  userByWallet(address: string): FixtureUser | undefined
  /** Connects `address` to the user (replacing any previous one); null disconnects. */
  setWallet(userId: string, address: string | null): void
}

/** Builds a {@link World} from a valid fixture. */
export function createWorld(fixture: Fixture): World {
  const apps = new Map(fixture.apps.map((a) => [a.api_key, a]))
  const users = fixture.users.map((u) => ({ ...u }))
  const byId = new Map(users.map((u) => [u.id, u]))
  const byUuid = new Map(users.map((u) => [u.uuid, u]))
  const byUsername = new Map(users.map((u) => [u.username, u]))
  const vibes = new Map(fixture.vibes.map((v) => [v.id, { ...v }]))
  const holdings = new Map<string, Map<string, Holding>>() // vibe id -> user id -> holding
  const wallets = new Map<string, string>() // user id -> checksummed address
  for (const user of users) {
    if (user.wallet_private_key) wallets.set(user.id, computeAddress(user.wallet_private_key))
  }
  for (const h of fixture.holdings) {
    setHolding(h.user, h.vibe, { token_ids: [...(h.token_ids ?? [])], amount: h.amount })
  }

  function setHolding(userId: string, vibeId: string, holding: Holding | undefined): void {
    let ofVibe = holdings.get(vibeId)
    if (!ofVibe) holdings.set(vibeId, (ofVibe = new Map()))
    if (holding === undefined) ofVibe.delete(userId)
    else
      ofVibe.set(userId, {
        token_ids: [...holding.token_ids].sort((a, b) => a - b),
        amount: holding.amount,
      })
  }

  function ownedAmount(vibe: FixtureVibe, holding: Holding | undefined): number {
    if (!holding) return 0
    return is721Like(vibe.token_spec) ? holding.token_ids.length : (holding.amount ?? 0)
  }

  const world: World = {
    appByKey: (key) => apps.get(key),
    users: () => users,
    userById: (id) => byId.get(id),
    userByIdOrUuid: (x) => byId.get(x) ?? byUuid.get(x),
    userByUsername: (name) => byUsername.get(name),
    vibe: (id) => vibes.get(id),
    vibes: () =>
      [...vibes.values()]
        .map((vibe, order) => ({ vibe, order }))
        .sort((a, b) => b.vibe.created_at.localeCompare(a.vibe.created_at) || a.order - b.order)
        .map((x) => x.vibe),
    addVibe: (vibe) => void vibes.set(vibe.id, vibe),
    holding: (userId, vibeId) => holdings.get(vibeId)?.get(userId),
    holdersOf: (vibeId) => {
      const vibe = vibes.get(vibeId)
      const ofVibe = holdings.get(vibeId)
      if (!vibe || !ofVibe) return []
      return users.flatMap((user) => {
        const holding = ofVibe.get(user.id)
        return holding && ownedAmount(vibe, holding) > 0 ? [{ user, holding }] : []
      })
    },
    setHolding,
    holderOfToken: (vibeId, tokenId) => {
      for (const [userId, h] of holdings.get(vibeId) ?? []) {
        if (h.token_ids.includes(tokenId)) return userId
      }
      return undefined
    },
    ownedAmount,
    canSee: (vibe, viewerId) =>
      !vibe.hidden ||
      (viewerId !== undefined &&
        (vibe.issuer === viewerId || ownedAmount(vibe, holdings.get(vibe.id)?.get(viewerId)) > 0)),
    walletOf: (userId) => wallets.get(userId) ?? null,
    userByWallet: (address) => {
      const wanted = address.toLowerCase()
      for (const [userId, wallet] of wallets) {
        if (wallet.toLowerCase() === wanted) return byId.get(userId)
      }
      return undefined
    },
    setWallet: (userId, address) => {
      if (address === null) wallets.delete(userId)
      else wallets.set(userId, getAddress(address.toLowerCase()))
    },
  }
  return world
}
