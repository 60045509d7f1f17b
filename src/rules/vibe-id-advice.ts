/**
 * What is wrong with a `vibe:` value that looks like something other than an OurSong vibe
 * id, and how to write it, or undefined when it looks right. OurSong's ids are lower case
 * (`nxwyqqow`) and appear as the last segment of the vibe's page URL, which people paste.
 *
 * @example
 * vibeIdAdvice('https://www.oursong.com/vibe/abc')
 * // 'this is a URL, not a vibe id; the id is its last path segment: write vibe: abc'
 */
export function vibeIdAdvice(value: string): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value) || value.includes('/')) {
    const segments = value
      .replace(/[?#].*$/, '')
      .split('/')
      .filter((s) => s !== '')
    const last = segments[segments.length - 1]
    const id = last !== undefined && !last.includes(':') ? last.toLowerCase() : undefined
    return `"${value}" is a URL, not a vibe id${id ? `; the id is its last path segment: write vibe: ${id}` : '; write the id from the vibe page URL, e.g. vibe: nxwyqqow'}`
  }
  if (/[A-Z]/.test(value)) {
    return `OurSong vibe ids are lower case (nxwyqqow), so "${value}" is likely a typo; write vibe: ${value.toLowerCase()}`
  }
  return undefined
}
