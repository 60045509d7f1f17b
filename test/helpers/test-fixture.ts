/**
 * A small OurSong world for the client and simulator tests: one app, two artists, three
 * fans with fixed wallet keys, and vibes of both 721-like and 1155-like specs.
 */
export const TEST_API_KEY = 'test-key'
export const TEST_API_SECRET = 'test-secret-0123456789'
export const TEST_REDIRECT_URI = 'http://127.0.0.1:9/auth/callback'

/** Fixed private keys, so signatures are reproducible. */
export const KEYS = {
  alice: '0x' + '11'.repeat(32),
  bob: '0x' + '22'.repeat(32),
  mallory: '0x' + '33'.repeat(32),
} as const

/** Pre-issued access tokens of the fixture users. */
export const TOKENS = {
  alice: 'alice-token-abcdefghijklmnop',
  bob: 'bob-token-abcdefghijklmnop',
  carol: 'carol-token-abcdefghijklmnop',
  queen: 'queen-token-abcdefghijklmnop',
} as const

/** carol holds token ids 1..45 of `bigset`, enough for three pages of 20. */
const CAROL_IDS = Array.from({ length: 45 }, (_, i) => i + 1)

export const TEST_FIXTURE_YAML = `
apps:
  - api_key: ${TEST_API_KEY}
    api_secret: ${TEST_API_SECRET}
    redirect_uris: [${TEST_REDIRECT_URI}]
users:
  - { id: coldplay, name: Coldplay, username: coldplay, email: coldplay@example.com, password: coldplay-pass }
  - { id: queen, name: Queen, username: queen, email: queen@example.com, password: queen-pass, access_tokens: [${TOKENS.queen}] }
  - id: alice
    name: Alice
    username: alice
    email: alice@example.com
    password: alice-pass
    wallet_private_key: "${KEYS.alice}"
    access_tokens: [${TOKENS.alice}]
  - id: bob
    name: Bob
    username: bob
    email: bob@example.com
    password: bob-pass
    wallet_private_key: "${KEYS.bob}"
    access_tokens: [${TOKENS.bob}]
    is_pro: true
  - { id: carol, name: Carol, username: carol, email: carol@example.com, password: carol-pass, access_tokens: [${TOKENS.carol}] }
vibes:
  - { id: nxwyqqow, title: Coldplay - Yellow, token_spec: tt721, content_type: video, contract_address: "0x4888cd354a13606992793468a628f9e6c8efd847", token_id_start: 1, token_id_end: 10, issuer: coldplay }
  - { id: xdwbppyw, title: "Don’t Stop Me Now", token_spec: tt721, content_type: video, token_id_start: 1, token_id_end: 5, issuer: queen, ai_rapper_remixable: true }
  - { id: xdrbpvjr, title: "Don't Stop Me Now", token_spec: bep1155, content_type: audio, token_id_start: 1, token_id_end: 1, issuer: queen }
  - { id: bigset, title: Big Set, token_spec: erc721, content_type: photo, token_id_start: 1, token_id_end: 300, issuer: queen }
  - { id: secret1, title: Hidden One, token_spec: tt721, content_type: video, token_id_start: 1, token_id_end: 3, issuer: queen, hidden: true }
holdings:
  - { user: alice, vibe: nxwyqqow, token_ids: [1, 2] }
  - { user: bob, vibe: xdrbpvjr, amount: 3 }
  - { user: bob, vibe: xdwbppyw, token_ids: [4] }
  - { user: carol, vibe: bigset, token_ids: [${CAROL_IDS.join(', ')}] }
  - { user: alice, vibe: secret1, token_ids: [2] }
`
