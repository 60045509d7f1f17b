/**
 * A small world for the simulator's own tests, and helpers to call a running simulator.
 */
import { parseFixture } from '../../src/simulator/fixture.js'
import {
  startSimulator,
  type RunningSimulator,
  type StartSimulatorOptions,
} from '../../src/simulator/start-simulator.js'

export const API_KEY = 'kit-key'
export const API_SECRET = 'kit-secret'
export const REDIRECT_URI = 'http://127.0.0.1:9/cb'
/** A registered redirect_uri with its own query string, which must survive redirects. */
export const REDIRECT_URI_WITH_QUERY = 'http://app.test/cb?tenant=1'

/** Fixed wallet keys (test data only). */
export const KEYS = {
  alice: '0x' + 'a1'.repeat(32),
  bob: '0x' + 'b2'.repeat(32),
  eve: '0x' + 'e5'.repeat(32),
  stranger: '0x' + '5c'.repeat(32),
} as const

export const TOKENS = {
  artist: 'artist-token-0123456789',
  alice: 'alice-token-0123456789',
  bob: 'bob-token-0123456789',
  carol: 'carol-token-0123456789',
  dave: 'dave-token-0123456789',
} as const

/** carol holds ids 1..250 of `big`: three pages of 100. */
export const CAROL_BIG_IDS = Array.from({ length: 250 }, (_, i) => i + 1)

export const KIT_YAML = `
apps:
  - api_key: ${API_KEY}
    api_secret: ${API_SECRET}
    redirect_uris: [${REDIRECT_URI}, "${REDIRECT_URI_WITH_QUERY}"]
  - { api_key: other-key, api_secret: other-secret, redirect_uris: ["http://other.test/cb"] }
users:
  - { id: artist, name: The Artist, username: artist, email: artist@example.com, password: artist-pass, access_tokens: [${TOKENS.artist}], is_pro: true, avatar: "https://cdn.example.com/artist.jpg" }
  - { id: alice, name: Alice, username: alice, email: alice@example.com, password: alice-pass, wallet_private_key: "${KEYS.alice}", access_tokens: [${TOKENS.alice}] }
  - { id: bob, name: Bob, username: bob, email: bob@example.com, password: bob-pass, wallet_private_key: "${KEYS.bob}", access_tokens: [${TOKENS.bob}], uuid: 0b0b0b0b-1111-4222-8333-444455556666 }
  - { id: carol, name: Carol, username: carol, email: carol@example.com, password: carol-pass, access_tokens: [${TOKENS.carol}] }
  - { id: dave, name: Dave, username: dave, email: dave@example.com, password: "dave <pass>", access_tokens: [${TOKENS.dave}] }
  - { id: eve, name: Eve, username: eve, email: eve@example.com, password: eve-pass, wallet_private_key: "${KEYS.eve}" }
vibes:
  - { id: v721, title: Seven Two One, description: A tt721 video, token_spec: tt721, content_type: video, contract_address: "0x4888cd354a13606992793468a628f9e6c8efd847", token_id_start: 1, token_id_end: 10, issuer: artist, created_at: "2021-05-17 08:26:04" }
  - { id: v1155, title: Eleven Fifty Five, token_spec: bep1155, content_type: audio, token_id_start: 1, token_id_end: 3, issuer: artist, created_at: "2021-05-16 00:00:00" }
  - { id: big, title: Big Set, token_spec: erc721, content_type: photo, token_id_start: 1, token_id_end: 300, issuer: artist, created_at: "2021-05-15 00:00:00" }
  - { id: secret, title: Hidden One, token_spec: tt721, content_type: video, token_id_start: 1, token_id_end: 3, issuer: artist, hidden: true, created_at: "2021-05-14 00:00:00" }
  - { id: remix, title: Remix Me, token_spec: polygon721, content_type: video, token_id_start: 1, token_id_end: 5, issuer: artist, ai_rapper_remixable: true, created_at: "2021-05-13 00:00:00" }
holdings:
  - { user: alice, vibe: v721, token_ids: [5, 1, 2] }
  - { user: alice, vibe: secret, token_ids: [2] }
  - { user: bob, vibe: v1155, amount: 7, token_ids: [1] }
  - { user: bob, vibe: v721, token_ids: [3] }
  - { user: carol, vibe: big, token_ids: [${CAROL_BIG_IDS.join(', ')}] }
`

/** A running simulator with the kit fixture, plus request helpers. */
export interface Kit {
  url: string
  running: RunningSimulator
  close(): Promise<void>
  /** GET `path` with api_key (unless `apiKey: null`) and the query; `token` as Bearer. */
  get(path: string, options?: RequestOptions): Promise<Response>
  /** POST `path` with a urlencoded body (api_key added unless `apiKey: null`). */
  post(path: string, form?: Record<string, string>, options?: RequestOptions): Promise<Response>
}

/** Options of {@link Kit.get} and {@link Kit.post}. */
export interface RequestOptions {
  token?: string
  query?: Record<string, string>
  /** The api_key to send; null sends none. Default {@link API_KEY}. */
  apiKey?: string | null
  headers?: Record<string, string>
}

/** Starts the simulator with the kit fixture on an ephemeral loopback port. */
export async function startKit(options: Partial<StartSimulatorOptions> = {}): Promise<Kit> {
  const running = await startSimulator({ fixture: parseFixture(KIT_YAML, 'kit.yaml'), ...options })
  const headersOf = (o: RequestOptions) => ({
    ...(o.token === undefined ? {} : { authorization: `Bearer ${o.token}` }),
    ...o.headers,
  })
  const urlOf = (path: string, o: RequestOptions, withKey: boolean) => {
    const query = new URLSearchParams(o.query)
    const apiKey = o.apiKey === undefined ? API_KEY : o.apiKey
    if (withKey && apiKey !== null) query.set('api_key', apiKey)
    const qs = query.toString()
    return `${running.url}${path}${qs === '' ? '' : `?${qs}`}`
  }
  return {
    url: running.url,
    running,
    close: () => running.close(),
    get: (path, o = {}) => fetch(urlOf(path, o, true), { headers: headersOf(o) }),
    post: (path, form = {}, o = {}) => {
      const apiKey = o.apiKey === undefined ? API_KEY : o.apiKey
      const body = new URLSearchParams(apiKey === null ? form : { api_key: apiKey, ...form })
      return fetch(urlOf(path, { ...o, apiKey: null }, false), {
        method: 'POST',
        headers: headersOf(o),
        body,
        redirect: 'manual',
      })
    },
  }
}

/** The JSON body of a response, asserting its status first (with the body in the message). */
export async function expectJson(response: Response, status: number): Promise<unknown> {
  const text = await response.text()
  if (response.status !== status) {
    throw new Error(`expected status ${status}, got ${response.status}: ${text}`)
  }
  return JSON.parse(text) as unknown
}

/** Asserts an upstream error answer: the status and `{ status: "error", message }`. */
export async function expectError(
  response: Response,
  status: number,
  messagePattern?: RegExp,
): Promise<string> {
  const body = (await expectJson(response, status)) as { status?: unknown; message?: unknown }
  if (body.status !== 'error' || typeof body.message !== 'string') {
    throw new Error(`expected { status: "error", message }, got ${JSON.stringify(body)}`)
  }
  if (messagePattern && !messagePattern.test(body.message)) {
    throw new Error(`message ${JSON.stringify(body.message)} does not match ${messagePattern}`)
  }
  return body.message
}
