/**
 * The OurSong Open API simulator (contract section 7): `vibegate/simulator`.
 */
export { createSimulator, type CreateSimulatorOptions, type Simulator } from './create-simulator.js'
export { type FaultInput } from './parse-fault.js'
export {
  startSimulator,
  type RunningSimulator,
  type StartSimulatorOptions,
} from './start-simulator.js'
export {
  FixtureError,
  fixtureSchema,
  loadFixture,
  parseFixture,
  type Fixture,
  type FixtureApp,
  type FixtureHolding,
  type FixtureInput,
  type FixtureUser,
  type FixtureVibe,
} from './fixture.js'
export { type HoldingChange } from './set-holding.js'
export { HELLO_HEX } from './verify-wallet-signature.js'
export { CONTENT_TYPES, TOKEN_SPECS, type ContentType, type TokenSpecName } from './token-specs.js'
