import type { UnlockDetail } from '../decision/vibe-catalog.js'
import type { VibeHolding } from '../rules/requirement.js'

/** Which page a fan sees. */
export type FanPageState = 'signed_out' | 'not_owned' | 'denied' | 'not_found'

/** One thing that would unlock the content, as the page words it. */
export interface UnlockView {
  /** A vibe, or any vibe of an issuer. */
  kind: 'vibe' | 'issuer'
  title: string
  artist: string
  content_type: string
  description: string
  /** An http(s) URL or empty. */
  cover_image: string
  /** The vibe's OurSong page, http(s), or empty. */
  buy_url: string
  /** E.g. "token #1–#5", "any token", "any vibe by queen". */
  requires: string
  /** E.g. "You hold #7.", "You hold none yet."; empty when signed out. */
  holds: string
}

/**
 * Everything a fan page shows, as plain text and http(s) URLs (empty when not applicable).
 * These are exactly the variables of an operator's template (VIBEGATE_TEMPLATES): the
 * first unlock's fields are flattened in, `requires` lists every alternative.
 */
export interface FanPageVars {
  state: FanPageState
  status: string
  /** The `X-Vibegate-Reason`, or `not_found`. */
  reason: string
  heading: string
  message: string
  vibe_title: string
  vibe_artist: string
  vibe_type: string
  vibe_description: string
  cover_image: string
  buy_url: string
  /** Every alternative that unlocks, one sentence: "token #1–#5 of Coldplay - Yellow". */
  requires: string
  holds: string
  /** "Alice (@alice)" when signed in, else empty. */
  signed_in_as: string
  sign_in_url: string
  /** The wallet sign-in challenge endpoint, used by the gate's script; empty when signed in. */
  wallet_challenge_url: string
  wallet_login_url: string
  /** POST here (the gate's script does it) to sign out; empty when signed out. */
  sign_out_url: string
  back_url: string
  /** The gate's script for the wallet and sign-out buttons. */
  script_url: string
  brand_name: string
  brand_logo_url: string
  /** `#rrggbb` */
  accent: string
  /** Black or white, whichever reads better on the accent. */
  accent_text: string
}

/** The variable names of {@link FanPageVars}, for template checks. */
export const FAN_PAGE_VARIABLES: readonly (keyof FanPageVars)[] = [
  'state',
  'status',
  'reason',
  'heading',
  'message',
  'vibe_title',
  'vibe_artist',
  'vibe_type',
  'vibe_description',
  'cover_image',
  'buy_url',
  'requires',
  'holds',
  'signed_in_as',
  'sign_in_url',
  'wallet_challenge_url',
  'wallet_login_url',
  'sign_out_url',
  'back_url',
  'script_url',
  'brand_name',
  'brand_logo_url',
  'accent',
  'accent_text',
]

/** Only absolute http(s) URLs reach a page; anything else (javascript:, data:) is dropped. */
export function httpUrl(value: string | null | undefined): string {
  if (!value) return ''
  try {
    const url = new URL(value)
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : ''
  } catch {
    return ''
  }
}

/** How an unlock reads on the page; `held` is the fan's holding of that vibe, if any. */
export function unlockView(
  unlock: UnlockDetail,
  held: readonly VibeHolding[] | undefined,
): UnlockView {
  if ('issuer' in unlock) {
    return {
      kind: 'issuer',
      title: `Any vibe by ${unlock.issuer}`,
      artist: unlock.issuer,
      content_type: '',
      description: '',
      cover_image: '',
      buy_url: '',
      requires: `any vibe by ${unlock.issuer}`,
      holds: '',
    }
  }
  const ids = unlock.token_ids?.map(tokenLabel).join(', ')
  const amount = unlock.min_amount ?? 1
  const requires = ids
    ? amount > 1
      ? `at least ${amount} of tokens ${ids}`
      : `token ${ids}`
    : amount > 1
      ? `at least ${amount} tokens`
      : 'any token'
  const holding = held?.find((h) => h.id === unlock.vibe)
  return {
    kind: 'vibe',
    title: unlock.title ?? unlock.vibe,
    artist: unlock.artist ?? '',
    content_type: unlock.content_type ?? '',
    description: unlock.description ?? '',
    cover_image: httpUrl(unlock.cover_image),
    buy_url: httpUrl(unlock.external_url),
    requires,
    holds: held === undefined ? '' : holdsText(holding),
  }
}

/** "You hold #7.", "You hold 2.", "You hold none yet." */
function holdsText(holding: VibeHolding | undefined): string {
  if (!holding || holding.owned_amount <= 0) return 'You hold none yet.'
  const ids = holding.token_ids
  if (ids.length === 0) return `You hold ${holding.owned_amount}.`
  const shown = ids.slice(0, 8).map((id) => `#${id}`)
  const more = ids.length > 8 ? ` and ${ids.length - 8} more` : ''
  return `You hold ${shown.join(', ')}${more}.`
}

/** `1-5` -> `#1–#5`, `7` -> `#7`. */
function tokenLabel(id: number | string): string {
  const range = /^(\d+)-(\d+)$/.exec(String(id))
  return range ? `#${range[1]}–#${range[2]}` : `#${id}`
}
