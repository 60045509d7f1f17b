/**
 * What a synchronous look-up returns when the answer needs I/O (a store, OurSong, a
 * signature): the caller then asks the asynchronous way. Lets a warm decision, whose every
 * answer is in memory, be made without a promise (see `runSteps`).
 */
export const NOT_NOW: unique symbol = Symbol('not now')

/** The type of {@link NOT_NOW}. */
export type NotNow = typeof NOT_NOW
