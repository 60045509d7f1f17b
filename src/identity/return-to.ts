/** Where `return_to` may point: the gate's own origin, or an allowed host. */
export interface ReturnToPolicy {
  /** VIBEGATE_PUBLIC_URL. */
  publicUrl: URL
  /**
   * VIBEGATE_ALLOWED_REDIRECT_HOSTS: `fans.example.com` (default port only),
   * `fans.example.com:8443`, or `*.example.com` (subdomains on a dot boundary).
   */
  allowedHosts: readonly string[]
}

const MAX_LENGTH = 2048
// Whitespace, controls, backslashes and raw non-ASCII are where browsers and parsers
// disagree about URLs (`/\evil.com`, `\t//evil.com`, full-width solidus): refused outright.
const UNSAFE = /[^\x21-\x7e]|\\/

/**
 * The validated redirect target for `return_to`, or `/` when it is anything else: a path on
 * the gate's origin (not `//host` or `/\host`), or an absolute http(s) URL without
 * credentials whose host is allowed. The one function every sign-in path uses, at the
 * start and again at the end of a sign-in.
 */
export function safeReturnTo(value: unknown, policy: ReturnToPolicy): string {
  if (
    typeof value !== 'string' ||
    value === '' ||
    value.length > MAX_LENGTH ||
    UNSAFE.test(value)
  ) {
    return '/'
  }
  if (value.startsWith('/')) {
    if (value.startsWith('//')) return '/'
    let url: URL
    try {
      url = new URL(value, policy.publicUrl.origin)
    } catch {
      return '/'
    }
    // Normalising can bring back `//` (`/..//evil.com` -> `//evil.com`): check the result.
    if (url.origin !== policy.publicUrl.origin || url.pathname.startsWith('//')) return '/'
    return `${url.pathname}${url.search}${url.hash}`
  }
  if (!/^https?:\/\/[^/]/i.test(value)) return '/'
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return '/'
  }
  if (url.username || url.password) return '/'
  return isAllowedHost(url, policy) ? url.href : '/'
}

function isAllowedHost(url: URL, policy: ReturnToPolicy): boolean {
  return policy.allowedHosts.some((entry) => {
    const pattern = entry.toLowerCase()
    if (pattern.startsWith('*.')) {
      return (
        url.port === '' &&
        url.hostname.endsWith(pattern.slice(1)) &&
        url.hostname.length > pattern.length - 1
      )
    }
    return pattern.includes(':')
      ? url.host === pattern
      : url.port === '' && url.hostname === pattern
  })
}
