import { ParsedMessage } from '@spruceid/siwe-parser'
import { getAddress, Signature, verifyMessage } from 'ethers'

/** What a sign-in message must say to be accepted here. */
export interface SiwePolicy {
  /** The gate's authority (host and port of VIBEGATE_PUBLIC_URL), never the request's Host. */
  domain: string
  /** VIBEGATE_PUBLIC_URL's origin. */
  uri: string
  /** Accepted chain ids; default [1]. */
  chainIds: readonly number[]
  /** Longest validity of a message (expiration - issued at), milliseconds; 5 minutes. */
  maxValidityMs: number
  /** Tolerated clock difference with the wallet, milliseconds. */
  clockSkewMs: number
}

/** The fields of a sign-in message the gate issues. */
export interface SiweFields {
  address: string
  nonce: string
  chainId: number
  issuedAt: Date
  expirationTime: Date
  statement: string
}

/** An EIP-4361 message, formatted exactly as the standard lays it out. */
export function formatSiweMessage(
  policy: Pick<SiwePolicy, 'domain' | 'uri'>,
  fields: SiweFields,
): string {
  return [
    `${policy.domain} wants you to sign in with your Ethereum account:`,
    getAddress(fields.address),
    '',
    fields.statement,
    '',
    `URI: ${policy.uri}`,
    'Version: 1',
    `Chain ID: ${fields.chainId}`,
    `Nonce: ${fields.nonce}`,
    `Issued At: ${fields.issuedAt.toISOString()}`,
    `Expiration Time: ${fields.expirationTime.toISOString()}`,
  ].join('\n')
}

/** A message that passed every check, with the fields the login needs. */
export interface VerifiedSiwe {
  /** The signer, EIP-55 checksummed. */
  address: string
  nonce: string
}

/**
 * Checks a signed EIP-4361 message strictly, locally, before anything else happens: the
 * grammar (through the spruceid parser: EIP-55 address, no extra lines), domain and URI
 * equal to the gate's own, version 1, an allowed chain, issued-at / expiration /
 * not-before within bounds and skew, and a canonical (low-s) personal_sign signature whose
 * signer is the message's address. Returns the problem for logs when anything is off.
 */
export function verifySiwe(
  message: string,
  signature: string,
  policy: SiwePolicy,
  now: number,
):
  | { ok: true; value: VerifiedSiwe }
  | { ok: false; reason: 'message' | 'signature'; problem: string } {
  const bad = (problem: string) => ({ ok: false as const, reason: 'message' as const, problem })
  if (typeof message !== 'string' || message.length > 4096)
    return bad('not a string of at most 4096 characters')
  let parsed: ParsedMessage
  try {
    parsed = new ParsedMessage(message)
  } catch (err) {
    return bad(`not an EIP-4361 message: ${(err as Error).message.split('\n')[0]!.slice(0, 120)}`)
  }
  if (parsed.scheme !== undefined && `${parsed.scheme}:` !== new URL(policy.uri).protocol) {
    return bad(`scheme ${parsed.scheme} is not the gate's`)
  }
  if (parsed.domain.toLowerCase() !== policy.domain.toLowerCase())
    return bad(`domain ${parsed.domain} is not ${policy.domain}`)
  if (parsed.uri !== policy.uri) return bad(`URI ${parsed.uri} is not ${policy.uri}`)
  if (parsed.version !== '1') return bad(`version ${parsed.version} is not 1`)
  if (!policy.chainIds.includes(parsed.chainId))
    return bad(`chain id ${parsed.chainId} is not allowed`)
  const issuedAt = Date.parse(parsed.issuedAt)
  const expiresAt = parsed.expirationTime === undefined ? NaN : Date.parse(parsed.expirationTime)
  const notBefore = parsed.notBefore === undefined ? undefined : Date.parse(parsed.notBefore)
  if (Number.isNaN(issuedAt) || Number.isNaN(expiresAt))
    return bad('issued-at and expiration time are required dates')
  if (issuedAt > now + policy.clockSkewMs) return bad('issued in the future')
  if (expiresAt <= now - policy.clockSkewMs) return bad('expired')
  if (expiresAt - issuedAt > policy.maxValidityMs) return bad('valid for longer than allowed')
  if (
    notBefore !== undefined &&
    (Number.isNaN(notBefore) || notBefore > now + policy.clockSkewMs)
  ) {
    return bad('not valid yet')
  }

  let signer: string
  try {
    if (!/^0x[0-9a-fA-F]{128}(?:00|01|1[bB]|1[cC])$/.test(signature))
      throw new Error('not 65 bytes of hex ending in a v of 27 or 28 (or 0 or 1)')
    const sig = Signature.from(signature)
    if (BigInt(sig.s) > SECP256K1_HALF_N) throw new Error('high-s (malleable) signature')
    signer = verifyMessage(message, sig)
  } catch (err) {
    return {
      ok: false,
      reason: 'signature',
      // ethers quotes the offending value in its messages; its shortMessage does not.
      problem: `unusable signature: ${describeSignatureError(err)}`,
    }
  }
  if (getAddress(signer) !== getAddress(parsed.address)) {
    return { ok: false, reason: 'signature', problem: 'signed by another address' }
  }
  return { ok: true, value: { address: getAddress(parsed.address), nonce: parsed.nonce } }
}

/** What went wrong with a signature, without any of its bytes (they must not be logged). */
function describeSignatureError(err: unknown): string {
  const { shortMessage, code, message } = err as {
    shortMessage?: unknown
    code?: unknown
    message?: unknown
  }
  if (typeof shortMessage === 'string') return `${shortMessage} (${String(code)})`.slice(0, 120)
  if (code === undefined && typeof message === 'string') return message.slice(0, 120)
  return 'rejected by the signature library'
}

const SECP256K1_HALF_N = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0n
