import { serialize } from 'cookie'

/** The gate's cookie names and whether they are `Secure`, from VIBEGATE_PUBLIC_URL. */
export interface CookieSettings {
  /** `vibegate_session`, or `__Host-vibegate_session` under https. */
  session: string
  /** The OAuth state cookie: `vibegate_oauth`, or `__Host-vibegate_oauth` under https. */
  state: string
  secure: boolean
}

/**
 * Cookie settings for a public URL. Under https the `__Host-` prefix makes browsers refuse
 * the cookie unless it is Secure, host-only and Path=/, so a sibling subdomain cannot plant
 * or overwrite it.
 */
export function cookieSettings(publicUrl: URL): CookieSettings {
  const secure = publicUrl.protocol === 'https:'
  const prefix = secure ? '__Host-' : ''
  return { session: `${prefix}vibegate_session`, state: `${prefix}vibegate_oauth`, secure }
}

/** `Set-Cookie` for one of the gate's cookies: HttpOnly, SameSite=Lax, Path=/, Secure under https. */
export function setCookie(
  name: string,
  value: string,
  maxAgeSeconds: number,
  secure: boolean,
): string {
  return serialize(name, value, {
    httpOnly: true,
    sameSite: 'lax',
    path: '/',
    secure,
    maxAge: maxAgeSeconds,
  })
}

/** `Set-Cookie` that removes one of the gate's cookies. */
export function clearCookie(name: string, secure: boolean): string {
  return serialize(name, '', {
    httpOnly: true,
    sameSite: 'lax',
    path: '/',
    secure,
    maxAge: 0,
    expires: new Date(0),
  })
}
