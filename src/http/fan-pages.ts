import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { ServerResponse } from 'node:http'
import type { VibeCatalog } from '../decision/vibe-catalog.js'
import type { SessionUser } from '../identity/session-store.js'
import { evaluateRequirement, type Requirement, type VibeHolding } from '../rules/requirement.js'
import { contrast, defaultFanPage } from './default-fan-page.js'
import { FAN_PAGE_SCRIPT_PATH } from './fan-page-script.js'
import {
  FAN_PAGE_VARIABLES,
  httpUrl,
  unlockView,
  type FanPageVars,
  type UnlockView,
} from './fan-page-view.js'
import { compilePageTemplate, type PageTemplate } from './page-template.js'

/** The operator's branding of the fan pages (VIBEGATE_BRAND_*). */
export interface FanPageBranding {
  /** Shown in the header, title and footer; default `vibegate`. */
  name?: string
  /** An http(s) image shown beside the name (about 28 px high); default none. */
  logoUrl?: string
  /** `#rrggbb`: buttons, the card's top border, links where they read; default `#6b3fd4`. */
  accent?: string
}

/** Options of {@link createFanPages}. */
export interface FanPagesOptions {
  /** The gate's origin: sign-in, wallet and sign-out URLs, and the pages' script. */
  publicUrl: URL
  catalog: VibeCatalog
  branding?: FanPageBranding
  /**
   * A directory with `locked.html` (every denial page) and optionally `not-found.html`:
   * `{{variable}}` templates (see {@link FAN_PAGE_VARIABLES}), read once here. Default: the
   * built-in page.
   */
  templates?: string
}

/** What a denial page is about: the decision, and where the fan was going. */
export interface DenialPageInput {
  status: number
  /** The public reason (`X-Vibegate-Reason`). */
  reason: string
  /** The matched rule's requirement: for a signed-out fan, what holders need. */
  requirement: Requirement | undefined
  /** For `not_owned`, the decision's `missing`, `held` and `user`. */
  missing?: Parameters<VibeCatalog['details']>[0]
  held?: readonly VibeHolding[]
  user?: SessionUser
  /** The original URL (absolute, or a path on the gate's origin), to come back to after sign-in. */
  returnTo: string
}

/** Renders the pages a fan sees when the gate says no. */
export interface FanPages {
  /** The page of a 401 or 403, from the decision (vibe profiles from the catalog's cache). */
  denial(input: DenialPageInput): Promise<string>
  /** The page of an unknown path. */
  notFound(): string
}

/** Writes a fan page: HTML, never cached, never framed; scripts only from the gate. */
export function sendFanPage(
  res: ServerResponse,
  status: number,
  html: string,
  publicUrl: URL,
): void {
  res.statusCode = status
  res.setHeader('Content-Type', 'text/html; charset=utf-8')
  res.setHeader('Cache-Control', 'no-store')
  res.setHeader('X-Content-Type-Options', 'nosniff')
  // Not no-referrer: browsers then send `Origin: null` with the sign-out form, which the
  // gate refuses as cross-origin.
  res.setHeader('Referrer-Policy', 'same-origin')
  res.setHeader(
    'Content-Security-Policy',
    `default-src 'none'; img-src https: http:; style-src 'unsafe-inline'; script-src ${publicUrl.origin}; connect-src ${publicUrl.origin}; form-action ${publicUrl.origin}; base-uri 'none'; frame-ancestors 'none'`,
  )
  res.end(html)
}

/** A CSS colour the operator may give as accent: `#rrggbb` (or `#rgb`). */
export const ACCENT_PATTERN = /^#(?:[0-9a-f]{3}|[0-9a-f]{6})$/i

const NOTHING = { vibe: () => undefined, issuerVibes: () => undefined }

/**
 * The fan pages (locked, denied, not found) with the operator's branding, or their
 * templates. A bad option (accent, logo URL, a missing template directory or an unknown
 * template variable) throws a TypeError naming it.
 */
export function createFanPages(options: FanPagesOptions): FanPages {
  const branding = options.branding ?? {}
  if (branding.accent !== undefined && !ACCENT_PATTERN.test(branding.accent))
    throw new TypeError(
      `branding.accent must be a colour such as #6b3fd4, got "${branding.accent}"`,
    )
  const logo = branding.logoUrl === undefined ? '' : httpUrl(branding.logoUrl)
  if (branding.logoUrl !== undefined && !logo)
    throw new TypeError(`branding.logoUrl must be an http(s) URL, got "${branding.logoUrl}"`)
  const accent = fullHex(branding.accent ?? '#6b3fd4')
  const templates = options.templates === undefined ? undefined : loadTemplates(options.templates)
  const gate = (path: string): string => new URL(path, options.publicUrl).href
  const base = {
    brand_name: branding.name ?? 'vibegate',
    brand_logo_url: logo,
    accent,
    accent_text: contrast(accent, '#000000') >= contrast(accent, '#ffffff') ? '#000000' : '#ffffff',
    script_url: gate(FAN_PAGE_SCRIPT_PATH),
    back_url: '/',
  }

  const render = (vars: FanPageVars, unlocks: UnlockView[], template?: PageTemplate): string =>
    template ? template({ ...vars }) : defaultFanPage(vars, unlocks)

  return {
    async denial(input) {
      const signedOut = input.status === 401
      const missing =
        input.missing && input.missing.length > 0
          ? input.missing
          : input.requirement && (signedOut || input.reason === 'not_owned')
            ? evaluateRequirement(input.requirement, NOTHING).missing
            : []
      const details = await options.catalog.details(missing)
      const unlocks = details.map((d) => unlockView(d, signedOut ? undefined : (input.held ?? [])))
      const first = unlocks[0]
      const login = new URL('/auth/login', options.publicUrl)
      login.searchParams.set('return_to', input.returnTo)
      const state = signedOut ? 'signed_out' : input.reason === 'not_owned' ? 'not_owned' : 'denied'
      const { heading, message } = wording(state, input.reason, first, unlocks.length)
      const user = input.user
      const vars: FanPageVars = {
        ...base,
        state,
        status: String(input.status),
        reason: input.reason,
        heading,
        message,
        vibe_title: first?.title ?? '',
        vibe_artist: first?.artist ?? '',
        vibe_type: first?.content_type ?? '',
        vibe_description: first?.description ?? '',
        cover_image: first?.cover_image ?? '',
        buy_url: first?.buy_url ?? '',
        requires: unlocks.map((u) => `${u.requires} of ${u.title}`).join(' or '),
        holds: first?.holds ?? '',
        signed_in_as: user ? `${user.name} (@${user.username})` : '',
        sign_in_url: '',
        wallet_challenge_url: '',
        wallet_login_url: '',
        sign_out_url: user ? gate('/auth/logout') : '',
      }
      if (signedOut) {
        vars.sign_in_url = login.href
        vars.wallet_challenge_url = gate('/auth/wallet/challenge')
        vars.wallet_login_url = gate('/auth/wallet/login')
      }
      return render(vars, unlocks, templates?.locked)
    },
    notFound() {
      const vars: FanPageVars = {
        ...(Object.fromEntries(FAN_PAGE_VARIABLES.map((v) => [v, ''])) as Record<
          keyof FanPageVars,
          string
        >),
        ...base,
        state: 'not_found',
        status: '404',
        reason: 'not_found',
        heading: 'Page not found',
        message:
          'There is nothing at this address. Check the link, or start again from the home page.',
      }
      return render(vars, [], templates?.notFound ?? templates?.locked)
    },
  }
}

function wording(
  state: 'signed_out' | 'not_owned' | 'denied',
  reason: string,
  first: UnlockView | undefined,
  count: number,
): { heading: string; message: string } {
  const more = count > 1 ? ' (or one of the others below)' : ''
  if (state === 'signed_out')
    return first
      ? {
          heading: `For holders of ${first.title}`,
          message: `Holders of ${first.title}${more} get in. Sign in with the OurSong account or the wallet that holds it.`,
        }
      : { heading: 'Sign in to continue', message: 'This page is for signed-in OurSong members.' }
  if (state === 'not_owned')
    return {
      heading: first ? `You need ${first.title} to open this` : 'This is for holders',
      message: first
        ? `Your account does not hold what this page needs${more}. Get it on OurSong, or switch to the account or wallet that holds it.`
        : 'Your account does not hold what this page needs.',
    }
  return DENIED[reason] ?? DENIED.no_rule!
}

const DENIED: Record<string, { heading: string; message: string }> = {
  no_rule: { heading: 'This page is not available', message: 'Nothing here is open to you.' },
  bad_request: {
    heading: 'This address cannot be opened',
    message: 'The link is malformed. Check it, or start again from the home page.',
  },
  untrusted_proxy: {
    heading: 'Access cannot be checked',
    message: 'This request reached the gate by an unexpected route. The site operator can fix it.',
  },
  upstream_unavailable: {
    heading: 'We could not check your vibes just now',
    message: 'OurSong did not answer in time. Try again in a moment.',
  },
}

function fullHex(color: string): string {
  const c = color.toLowerCase()
  return c.length === 4 ? `#${c[1]}${c[1]}${c[2]}${c[2]}${c[3]}${c[3]}` : c
}

function loadTemplates(dir: string): { locked: PageTemplate; notFound?: PageTemplate } {
  if (!existsSync(dir)) throw new TypeError(`templates: the directory ${dir} does not exist`)
  const read = (name: string): PageTemplate | undefined => {
    const file = join(dir, name)
    return existsSync(file)
      ? compilePageTemplate(readFileSync(file, 'utf8'), FAN_PAGE_VARIABLES, `templates: ${file}`)
      : undefined
  }
  const locked = read('locked.html')
  if (!locked) throw new TypeError(`templates: ${join(dir, 'locked.html')} does not exist`)
  const notFound = read('not-found.html')
  return notFound ? { locked, notFound } : { locked }
}
