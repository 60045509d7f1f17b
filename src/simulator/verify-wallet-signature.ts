import { getAddress, getBytes, verifyMessage } from 'ethers'
import type { Params } from './params.js'
import { SimError } from './sim-error.js'

/** `sign_data` when only "hello" is accepted: 0x-hex of the UTF-8 bytes of `hello`. */
export const HELLO_HEX = '0x68656c6c6f'

/**
 * Checks `wallet_address`, `sign_data` and `sign_encoded` (a personal_sign signature of the
 * bytes of `sign_data`) and returns the checksummed address. 422 for a missing or malformed
 * parameter (or, with `strictHello`, sign_data other than {@link HELLO_HEX}); 401 when the
 * signature was made by another key.
 */
export function verifyWalletSignature(params: Params, options: { strictHello: boolean }): string {
  const walletAddress = params.require('wallet_address')
  const signData = params.require('sign_data')
  const signature = params.require('sign_encoded')
  if (!/^0x[0-9a-fA-F]{40}$/.test(walletAddress)) {
    throw new SimError(422, 'The wallet_address must be 0x followed by 40 hex digits.')
  }
  if (!/^0x(?:[0-9a-fA-F]{2})+$/.test(signData)) {
    throw new SimError(422, 'The sign_data must be 0x-prefixed hex of the signed bytes.')
  }
  if (options.strictHello && signData.toLowerCase() !== HELLO_HEX) {
    throw new SimError(422, `The sign_data must be ${HELLO_HEX} (the hex of "hello").`)
  }
  if (!/^0x[0-9a-fA-F]{130}$/.test(signature)) {
    throw new SimError(422, 'The sign_encoded must be a 65-byte 0x-hex personal_sign signature.')
  }
  let signer: string
  try {
    signer = verifyMessage(getBytes(signData), signature)
  } catch {
    throw new SimError(422, 'The sign_encoded is not a valid signature.')
  }
  const wallet = getAddress(walletAddress.toLowerCase())
  if (signer !== wallet) {
    throw new SimError(401, 'The signature was not made by wallet_address.')
  }
  return wallet
}
