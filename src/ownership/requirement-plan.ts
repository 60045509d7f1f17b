import type { Requirement } from '../rules/requirement.js'
import type { Question } from './ownership-checker.js'

/** What a requirement asks of OurSong: each vibe once (with its question), each issuer. */
export interface Plan {
  questions: readonly (readonly [vibe: string, question: Question])[]
  issuers: readonly string[]
}

/** The plan of a requirement, worked out once: compiled requirements live as long as their rules. */
export function planOf(plans: WeakMap<Requirement, Plan>, requirement: Requirement): Plan {
  let plan = plans.get(requirement)
  if (plan) return plan
  const questions = new Map<string, Question>()
  const issuers = new Set<string>()
  const visit = (r: Requirement): void => {
    if (r.kind === 'vibe')
      questions.set(r.vibe, r.tokenIds || questions.get(r.vibe) === 'ids' ? 'ids' : 'amount')
    else if (r.kind === 'issuer') issuers.add(r.issuer)
    else r.of.forEach(visit)
  }
  visit(requirement)
  plan = { questions: [...questions], issuers: [...issuers] }
  plans.set(requirement, plan)
  return plan
}
