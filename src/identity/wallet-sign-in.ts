import { randomBytes } from 'node:crypto'
import { getAddress, hexlify, isAddress, toUtf8Bytes } from 'ethers'
import { VibegateError } from '../errors/vibegate-error.js'
import { isOurSongError } from '../oursong/oursong-error.js'
import type { OurSongClient } from '../oursong/oursong-client.js'
import type { KeyValueStore } from '../store/key-value-store.js'
import { storeKey } from '../store/store-key.js'
import { systemClock, type Clock } from '../util/clock.js'
import type { Session, SessionStore } from './session-store.js'
import { sessionUserOf } from './session-user.js'
import { formatSiweMessage, verifySiwe, type SiwePolicy } from './siwe-message.js'

/** A sign-in challenge for a wallet: sign `message` with personal_sign. */
export interface WalletChallenge {
  message: string
  nonce: string
  /** ISO 8601. */
  expires_at: string
}

/** Options of {@link createWalletSignIn}. */
export interface WalletSignInOptions {
  client: OurSongClient
  store: KeyValueStore
  sessions: SessionStore
  policy: SiwePolicy
  clock?: Clock
  /** The statement shown in the wallet. */
  statement?: string
}

/** Wallet sign-in: EIP-4361 challenge, local verification, then OurSong wallet-login. */
export interface WalletSignIn {
  challenge(address: string): Promise<WalletChallenge>
  login(message: unknown, signature: unknown): Promise<Session>
}

/**
 * Wallet sign-in that does better than the upstream's fixed "hello": each challenge is an
 * EIP-4361 message for the gate's own domain and URI with a single-use nonce valid at most
 * `policy.maxValidityMs`. A login verifies the message and signature locally, consumes the
 * nonce atomically (a replay finds it gone), and only then calls OurSong wallet-login with
 * the message bytes and signature.
 */
export function createWalletSignIn(options: WalletSignInOptions): WalletSignIn {
  const clock = options.clock ?? systemClock
  const { policy, store, client, sessions } = options
  const statement = options.statement ?? `Sign in to ${policy.domain} with your OurSong wallet.`

  return {
    async challenge(address) {
      if (
        typeof address !== 'string' ||
        !/^0x[0-9a-fA-F]{40}$/.test(address) ||
        !isAddress(address)
      ) {
        throw new VibegateError('bad_request', {
          detail: 'address must be a 0x-prefixed 20-byte address',
        })
      }
      const checksummed = getAddress(address)
      const nonce = randomBytes(16).toString('hex')
      const issuedAt = new Date(clock.now())
      const expirationTime = new Date(clock.now() + policy.maxValidityMs)
      await store.set(
        storeKey('wallet-nonce', nonce),
        checksummed,
        policy.maxValidityMs + policy.clockSkewMs,
      )
      const message = formatSiweMessage(policy, {
        address: checksummed,
        nonce,
        chainId: policy.chainIds[0] ?? 1,
        issuedAt,
        expirationTime,
        statement,
      })
      return { message, nonce, expires_at: expirationTime.toISOString() }
    },

    async login(message, signature) {
      if (typeof message !== 'string' || typeof signature !== 'string') {
        throw new VibegateError('bad_request', { detail: 'message and signature must be strings' })
      }
      const verified = verifySiwe(message, signature, policy, clock.now())
      if (!verified.ok) {
        const code =
          verified.reason === 'message' ? 'wallet_message_invalid' : 'wallet_signature_invalid'
        throw new VibegateError(code, { detail: verified.problem })
      }
      const { address, nonce } = verified.value
      // Consumed only now, after the signature checked out, and exactly once.
      const issuedFor = await store.take(storeKey('wallet-nonce', nonce))
      if (issuedFor === undefined || issuedFor !== address) {
        throw new VibegateError('wallet_nonce_invalid', {
          detail:
            issuedFor === undefined
              ? 'unknown, expired or used nonce'
              : 'nonce issued for another address',
        })
      }
      let accessToken: string
      try {
        ;({ access_token: accessToken } = await client.walletLogin({
          walletAddress: address,
          signData: hexlify(toUtf8Bytes(message)),
          signEncoded: signature,
        }))
      } catch (err) {
        if (isOurSongError(err, 'oursong_not_found', 'oursong_unauthorized', 'oursong_rejected')) {
          throw new VibegateError('wallet_not_connected', { detail: err.message, cause: err })
        }
        throw err
      }
      const user = await client.authUser(accessToken)
      return sessions.create({ user: sessionUserOf(user, address), kind: 'wallet', accessToken })
    },
  }
}
