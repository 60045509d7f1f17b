import type { OurSongClient } from '../oursong/oursong-client.js'
import { LruCache } from '../util/lru-cache.js'
import type { Missing } from '../rules/requirement.js'
import { systemClock, type Clock } from '../util/clock.js'

/** What a denial tells about one thing that would unlock the content (contract 3.1). */
export type Unlock =
  | {
      vibe: string
      title: string | null
      cover_image: string | null
      external_url: string | null
      token_ids?: (number | string)[]
      min_amount?: number
    }
  | { issuer: string }

/** An {@link Unlock} of one vibe with what a page shows beside it (never in JSON bodies). */
export type UnlockDetail =
  | (Extract<Unlock, { vibe: string }> & {
      description: string | null
      content_type: string | null
      /** The issuer's display name. */
      artist: string | null
    })
  | { issuer: string }

/** Options of {@link createVibeCatalog}. */
export interface VibeCatalogOptions {
  client: OurSongClient
  clock?: Clock
  /** How long a vibe's profile is kept, ms; default 600000. */
  ttlMs?: number
  /** Profiles kept; default 1000. */
  maxEntries?: number
  /** Deadline of a profile lookup, ms; a denial never waits longer for its decoration. Default 1000. */
  timeoutMs?: number
}

/** Describes what would unlock denied content, from cached vibe profiles. */
export interface VibeCatalog {
  /** The contract's `requires` entries (contract 3.1). */
  unlocks(missing: readonly Missing[]): Promise<Unlock[]>
  /** The same, with description, content type and artist, for the denial page. */
  details(missing: readonly Missing[]): Promise<UnlockDetail[]>
}

/** What is kept of a vibe's profile. */
interface ProfileFacts {
  title: string | null
  cover_image: string | null
  external_url: string | null
  description: string | null
  content_type: string | null
  artist: string | null
}

const UNKNOWN: ProfileFacts = {
  title: null,
  cover_image: null,
  external_url: null,
  description: null,
  content_type: null,
  artist: null,
}

/**
 * Vibe titles, covers and links for denial pages and bodies, from OurSong's vibe profile,
 * cached. A profile that cannot be fetched leaves the fields null: the denial stands and
 * is sent anyway, never delayed beyond `timeoutMs`.
 */
export function createVibeCatalog(options: VibeCatalogOptions): VibeCatalog {
  const clock = options.clock ?? systemClock
  const ttlMs = options.ttlMs ?? 600_000
  const timeoutMs = options.timeoutMs ?? 1000
  const cache = new LruCache<ProfileFacts>(options.maxEntries ?? 1000)

  const profile = async (vibe: string): Promise<ProfileFacts> => {
    const hit = cache.get(vibe)
    if (hit && hit.expiresAt > clock.now()) return hit.value
    try {
      const p = await options.client.vibeProfile(vibe, { signal: AbortSignal.timeout(timeoutMs) })
      const value: ProfileFacts = {
        title: p.name,
        cover_image: p.cover_image,
        external_url: p.external_url,
        description: p.description,
        content_type: p.content_type,
        artist: p.issuer.name,
      }
      cache.set(vibe, value, clock.now() + ttlMs)
      return value
    } catch {
      return UNKNOWN
    }
  }

  const details = (missing: readonly Missing[]): Promise<UnlockDetail[]> =>
    Promise.all(
      missing.map(async (m): Promise<UnlockDetail> => {
        if ('issuer' in m) return { issuer: m.issuer }
        const { vibe, ...rest } = m
        return { vibe, ...(await profile(vibe)), ...rest }
      }),
    )

  return {
    details,
    unlocks: async (missing) =>
      (await details(missing)).map((d): Unlock => {
        if ('issuer' in d) return d
        // The contract's fields only, in its order.
        const { vibe, title, cover_image, external_url, token_ids, min_amount } = d
        return {
          vibe,
          title,
          cover_image,
          external_url,
          ...(token_ids ? { token_ids } : {}),
          ...(min_amount !== undefined ? { min_amount } : {}),
        }
      }),
  }
}
