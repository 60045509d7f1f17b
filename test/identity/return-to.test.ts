import { describe, expect, test } from '@jest/globals'
import { safeReturnTo } from '../../src/identity/return-to.js'

const policy = {
  publicUrl: new URL('https://gate.example.com'),
  allowedHosts: ['gate.example.com', 'fans.example.com', '*.cdn.example.com', 'localhost:8080'],
}

describe('safeReturnTo accepts', () => {
  test.each([
    ['/', '/'],
    ['/videos/yellow?x=1#t=3', '/videos/yellow?x=1#t=3'],
    ['/a/b/../c', '/a/c'],
    ['https://fans.example.com/club', 'https://fans.example.com/club'],
    ['https://FANS.example.com/club', 'https://fans.example.com/club'],
    ['http://fans.example.com/', 'http://fans.example.com/'],
    ['https://a.cdn.example.com/x', 'https://a.cdn.example.com/x'],
    ['https://a.b.cdn.example.com/x', 'https://a.b.cdn.example.com/x'],
    ['http://localhost:8080/members', 'http://localhost:8080/members'],
    ['https://gate.example.com/x', 'https://gate.example.com/x'],
  ])('%s -> %s', (input, expected) => {
    expect(safeReturnTo(input, policy)).toBe(expected)
  })
})

describe('safeReturnTo refuses hostile targets, falling back to /', () => {
  test.each([
    ['protocol-relative', '//evil.com/x'],
    ['protocol-relative with three slashes', '///evil.com'],
    ['backslash after slash', '/\\evil.com'],
    ['backslashes', '\\\\evil.com'],
    ['backslash in host', 'https://fans.example.com\\@evil.com'],
    ['tab before slashes', '/\t/evil.com'],
    ['leading space', ' /x'],
    ['newline (header injection)', '/x\r\nSet-Cookie: a=b'],
    ['NUL', '/x\u0000'],
    ['userinfo', 'https://fans.example.com@evil.com/'],
    ['userinfo on an allowed host', 'https://user:pw@fans.example.com/'],
    ['look-alike suffix', 'https://fans.example.com.evil.com/'],
    ['look-alike prefix', 'https://evilfans.example.com/'],
    ['wildcard base itself', 'https://cdn.example.com/'],
    ['wildcard on a non-dot boundary', 'https://evilcdn.example.com/'],
    ['non-ASCII look-alike host', 'https://fаns.example.com/'],
    ['full-width solidus', '/／evil.com'],
    ['punycode host', 'https://xn--fns-4cd.example.com/'],
    ['other port on a portless entry', 'https://fans.example.com:8443/'],
    ['other port on a port entry', 'http://localhost:9999/'],
    ['javascript:', 'javascript:alert(1)'],
    ['JavaScript: upper case', 'JaVaScRiPt:alert(1)'],
    ['data:', 'data:text/html,<script>alert(1)</script>'],
    ['ftp', 'ftp://fans.example.com/'],
    ['scheme without slashes', 'https:fans.example.com'],
    ['scheme with one slash', 'https:/fans.example.com'],
    ['relative without slash', 'evil.com'],
    ['empty', ''],
    ['not a string', ['/x']],
    ['too long', `/${'a'.repeat(3000)}`],
    ['unknown host', 'https://evil.com/'],
    ['IP literal', 'http://127.0.0.1/'],
    ['dot then double slash', '/.//evil.com'],
    ['dot-dot then double slash', '/..//evil.com'],
    ['segment, dot-dot, double slash', '/a/..//evil.com'],
    ['encoded dot-dot, double slash', '/%2e%2e//evil.com'],
  ])('%s: %j', (_name, input) => {
    expect(safeReturnTo(input, policy)).toBe('/')
  })
})
