import { SimError } from './sim-error.js'

/** A body value that is not a string or number (a JSON object or array): never a parameter. */
export const NOT_SCALAR = Symbol('not a scalar')

/** Parameters read from a request body, by name. */
export type BodyFields = Map<string, string | typeof NOT_SCALAR>

/**
 * The request's parameters: the query string merged with the body, the body winning
 * (Laravel's `$request->input()`). An empty string counts as absent, as Laravel's
 * ConvertEmptyStringsToNull makes it.
 */
export interface Params {
  /** The value, or undefined when absent or empty; 422 when the body gave an object/array. */
  get(name: string): string | undefined
  /** The value; 422 naming the parameter when absent or empty. */
  require(name: string): string
}

/** Builds {@link Params} from the query and the body fields. */
export function createParams(query: URLSearchParams, body: BodyFields): Params {
  const get = (name: string): string | undefined => {
    const value = body.has(name) ? body.get(name) : (query.get(name) ?? undefined)
    if (value === NOT_SCALAR) throw new SimError(422, `The ${name} must be a string.`)
    return value === undefined || value === '' ? undefined : value
  }
  return {
    get,
    require(name) {
      const value = get(name)
      if (value === undefined) throw new SimError(422, `The ${name} field is required.`)
      return value
    },
  }
}
