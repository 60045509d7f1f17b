/** The `vibegate_pass` cookie: the Set-Cookie values the gate hands out, and reading it back. */

/** The cookie's name (docs/edge-pass.md). */
export const PASS_COOKIE = 'vibegate_pass'
/** Most `vibegate_pass` cookies of one request looked at, as at the edge. */
export const MAX_PASS_COOKIES = 4

/**
 * The `X-Vibegate-Pass` value: a complete Set-Cookie value for the proxy to copy,
 * `vibegate_pass=<pass>; Path=<path>; Max-Age=<seconds>; HttpOnly; Secure; SameSite=Lax`,
 * `Secure` left out when `secure` is false (a public URL of `http:`).
 */
export function passCookie(
  pass: string,
  path: string,
  maxAgeSeconds: number,
  secure: boolean,
): string {
  return `${PASS_COOKIE}=${pass}; Path=${path}; Max-Age=${maxAgeSeconds}; HttpOnly${secure ? '; Secure' : ''}; SameSite=Lax`
}

/** The Set-Cookie values that expire the pass cookies of these paths (logout), one per path. */
export function clearPassCookies(paths: Iterable<string>, secure: boolean): string[] {
  return [...new Set(paths)].map((path) => passCookie('', path, 0, secure))
}

const PASS_COOKIE_VALUE = /(?:^|;)[ \t]*vibegate_pass=([^;]*)/g

/**
 * The values of the request's `vibegate_pass` cookies, at most {@link MAX_PASS_COOKIES}, in
 * the order sent (the browser sends the longest Path first). `cookie` is the Cookie header.
 */
export function readPassCookies(cookie: string | undefined): string[] {
  if (cookie === undefined || !cookie.includes('vibegate_pass=')) return []
  const values: string[] = []
  for (const m of cookie.matchAll(PASS_COOKIE_VALUE)) {
    values.push(m[1]!.trim())
    if (values.length === MAX_PASS_COOKIES) break
  }
  return values
}
