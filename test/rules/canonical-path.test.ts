import { describe, expect, test } from '@jest/globals'
import { canonicalPath, MAX_SEGMENTS, MAX_TARGET_LENGTH } from '../../src/rules/canonical-path.js'

describe('canonicalPath accepts, in one canonical form', () => {
  test.each([
    ['/', '/'],
    ['/videos/yellow/hd.m3u8', '/videos/yellow/hd.m3u8'],
    ['/videos/yellow/', '/videos/yellow'],
    ['/videos/yellow?token=abc&x=%2F', '/videos/yellow'],
    ['/?a=b', '/'],
    ['/caf%C3%A9/menu', '/café/menu'],
    ['/%41BC', '/ABC'],
    ['/a%20b', '/a b'],
    ['/Queen/Live', '/Queen/Live'],
    ["/a-b_c.d~e!$&'()*+,=:@", "/a-b_c.d~e!$&'()*+,=:@"],
    ['/.well-known/x', '/.well-known/x'],
    ['/a/.x', '/a/.x'],
    ['/file.tar.gz', '/file.tar.gz'],
    ['/a:b', '/a:b'],
  ])('%s -> %s', (target, path) => {
    const result = canonicalPath(target)
    expect(result).toMatchObject({ ok: true, path })
  })

  test('segments are the decoded path pieces', () => {
    expect(canonicalPath('/a/b%20c/')).toEqual({
      ok: true,
      path: '/a/b c',
      segments: ['a', 'b c'],
      directory: true,
    })
    expect(canonicalPath('/a/b')).toEqual({
      ok: true,
      path: '/a/b',
      segments: ['a', 'b'],
      directory: false,
    })
    expect(canonicalPath('/')).toEqual({ ok: true, path: '/', segments: [], directory: false })
  })
})

describe('canonicalPath refuses what backends could read differently', () => {
  test.each([
    ['empty', ''],
    ['not origin-form', 'videos/x'],
    ['absolute-form', 'http://evil/videos'],
    ['asterisk-form', '*'],
    ['encoded slash', '/videos%2Fyellow'],
    ['encoded slash, lower case', '/videos%2fyellow'],
    ['encoded backslash', '/videos%5Cyellow'],
    ['raw backslash', '/videos\\yellow'],
    ['NUL', '/videos/yellow%00.png'],
    ['encoded control character', '/videos/%0Ayellow'],
    ['encoded DEL', '/videos/%7F'],
    ['C1 control after decoding', '/videos/%C2%85'],
    ['raw control character', '/videos/\nyellow'],
    ['raw tab', '/videos/\tyellow'],
    ['raw space', '/videos/ yellow'],
    ['raw non-ASCII', '/café'],
    ['truncated escape', '/videos/%4'],
    ['lone percent', '/videos/100%'],
    ['invalid hex escape', '/videos/%zz'],
    ['double encoding of a slash', '/videos%252Fyellow'],
    ['double encoding of a dot', '/%252e%252e/admin'],
    ['encoded percent', '/a%25'],
    ['invalid UTF-8', '/a%C3'],
    ['overlong UTF-8 for "/"', '/a%C0%AFb'],
    ['UTF-8 surrogate', '/a%ED%A0%80'],
    ['not NFC', '/cafe%CC%81'],
    ['dot segment', '/videos/./yellow'],
    ['dot-dot segment', '/public/../videos/yellow'],
    ['trailing dot-dot', '/videos/..'],
    ['encoded dot-dot', '/public/%2e%2e/videos'],
    ['mixed encoded dot-dot', '/public/.%2E/videos'],
    ['encoded single dot', '/videos/%2e/yellow'],
    ['empty segment', '/videos//yellow'],
    ['leading double slash', '//videos/yellow'],
    ['only slashes', '//'],
    ['trailing double slash', '/videos//'],
    ['matrix parameter', '/videos;jsessionid=1/yellow'],
    ['semicolon at the end', '/admin;'],
    ['encoded semicolon', '/admin%3B/x'],
    ['encoded question mark', '/admin%3F/x'],
    ['encoded hash', '/admin%23/x'],
    ['raw hash (fragment)', '/videos/yellow#x'],
    ['raw hash in the query', '/videos?x#y'],
    ['space in the query', '/videos?x y'],
    ['non-ASCII in the query', '/videos?x=é'],
    ['control character in the query', '/videos?x=\r\nX-Injected: 1'],
    ['quote-like raw characters', '/a"b'],
    ['angle brackets', '/a<b>'],
    ['curly braces', '/a{b}'],
    ['pipe', '/a|b'],
    ['caret', '/a^b'],
    ['backtick', '/a`b'],
    ['square brackets', '/a[0]'],
    ['full-width dots (NFKC ..)', '/assets/%EF%BC%8E%EF%BC%8E/videos'],
    ['two-dot leader', '/assets/%E2%80%A5/videos'],
    ['full-width solidus', '/assets/..%EF%BC%8F'],
    ['zero-width space', '/vid%E2%80%8Beos/x'],
    ['byte order mark', '/%EF%BB%BFvideos/x'],
    ['right-to-left override', '/a%E2%80%AEb'],
    ['no-break space', '/a%C2%A0b'],
    ['long s (folds to s)', '/video%C5%BF/x'],
    ['Kelvin sign (folds to K)', '/%E2%84%AA'],
    ['trailing dot (Windows strips it)', '/videos/hd./1.ts'],
    ['many dots', '/a/...'],
    ['encoded trailing dot', '/seg%2e'],
    ['trailing space', '/videos/hd%20/1.ts'],
    ['NTFS stream', '/videos/hd::$DATA'],
  ])('%s: %j', (_name, target) => {
    const result = canonicalPath(target)
    expect(result.ok).toBe(false)
    if (!result.ok) expect(result.problem).not.toBe('')
  })

  test('a target longer than the limit', () => {
    expect(canonicalPath('/' + 'a'.repeat(MAX_TARGET_LENGTH)).ok).toBe(false)
    expect(canonicalPath('/' + 'a'.repeat(MAX_TARGET_LENGTH - 1)).ok).toBe(true)
  })

  test('more segments than the limit', () => {
    expect(canonicalPath('/a'.repeat(MAX_SEGMENTS + 1)).ok).toBe(false)
    expect(canonicalPath('/a'.repeat(MAX_SEGMENTS)).ok).toBe(true)
  })

  test('non-strings are refused, not thrown on', () => {
    expect(canonicalPath(undefined as unknown as string).ok).toBe(false)
  })
})
