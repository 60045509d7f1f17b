import type { AuthUser } from '../oursong/schemas.js'
import type { SessionUser } from './session-store.js'

/** The part of OurSong's auth-user the gate keeps about a signed-in user. */
export function sessionUserOf(user: AuthUser, wallet?: string): SessionUser {
  return {
    uuid: user.uuid,
    id: user.id,
    username: user.username,
    name: user.name,
    wallet: wallet ?? user.wallet_address,
  }
}
