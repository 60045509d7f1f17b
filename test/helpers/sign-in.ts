import { expect } from '@jest/globals'
import { Wallet } from 'ethers'
import { Browser } from './auth-app.js'

/**
 * Signs `username` in at a gate through the simulator's OAuth login page, as a browser
 * would; returns the `vibegate_session` cookie's value. The user's password is
 * `<username>-pass` in the test fixtures.
 */
export async function signInWithOAuth(
  simUrl: string,
  gateUrl: string,
  username: string,
): Promise<string> {
  const browser = new Browser()
  const login = await browser.request(`${gateUrl}/auth/login?return_to=/`)
  const authorize = new URL(login.headers.get('location')!)
  const approved = await browser.request(`${simUrl}/oauth/authorize`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      username,
      password: `${username}-pass`,
      client_id: authorize.searchParams.get('client_id')!,
      redirect_uri: authorize.searchParams.get('redirect_uri')!,
      response_type: 'code',
      state: authorize.searchParams.get('state')!,
      decision: 'approve',
    }),
  })
  const callback = new URL(approved.headers.get('location')!)
  const done = await browser.request(`${gateUrl}${callback.pathname}${callback.search}`)
  expect(done.status).toBe(302)
  const session = browser.jar(gateUrl).get('vibegate_session')
  expect(session).toBeDefined()
  return session!
}

/**
 * A wallet sign-in whose challenge (and nonce) `issuer` hands out, signed with the private
 * key `privateKey`, then sent to `first` and again to `replay`: both answers, for tests of a
 * nonce shared between gates (it must be taken exactly once). `origin` is the gate's public
 * origin (login POSTs from another origin are refused).
 */
export async function walletLoginTwice(
  issuer: string,
  first: string,
  replay: string,
  privateKey: string,
  origin: string,
): Promise<{ first: Response; replay: Response }> {
  const wallet = new Wallet(privateKey)
  const challenge = (await (
    await fetch(`${issuer}/auth/wallet/challenge?address=${wallet.address}`)
  ).json()) as { message: string }
  const signature = await wallet.signMessage(challenge.message)
  const login = (gate: string): Promise<Response> =>
    fetch(`${gate}/auth/wallet/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin },
      body: JSON.stringify({ message: challenge.message, signature }),
    })
  return { first: await login(first), replay: await login(replay) }
}
