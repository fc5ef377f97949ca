// Specs of useAction: busy while running, problem cleared then filled from
// the thrown value, the success flag, shared problems and custom problems.
import { describe, expect, it } from 'vitest'
import { ref } from 'vue'
import { ApiError } from '@/api/http'
import type { FormProblem } from './forms'
import { useAction } from './useAction'

describe('useAction', () => {
  it('is busy while the call runs and reports success', async () => {
    const { busy, problem, run } = useAction()
    problem.value = { message: 'old', items: [] }
    let seenBusy = false
    const ok = await run(async () => {
      seenBusy = busy.value
      expect(problem.value).toBeNull()
    })
    expect(ok).toBe(true)
    expect(seenBusy).toBe(true)
    expect(busy.value).toBe(false)
    expect(problem.value).toBeNull()
  })

  it('turns a thrown error into the problem and reports failure', async () => {
    const { busy, problem, run } = useAction()
    const ok = await run(() => {
      throw new ApiError(422, { title: 'Unprocessable', detail: 'bad input', errors: [{ message: 'required', location: 'body.name' }] })
    })
    expect(ok).toBe(false)
    expect(busy.value).toBe(false)
    expect(problem.value).toEqual({ message: 'bad input', items: ['name: required'] })
  })

  it('lets onProblem reshape the problem, or keep it by returning nothing', async () => {
    const a = useAction()
    await a.run(
      () => Promise.reject(new Error('nope')),
      (p) => ({ ...p, message: `Ann: ${p.message}` }),
    )
    expect(a.problem.value?.message).toBe('Ann: nope')
    let seen: unknown
    await a.run(
      () => Promise.reject(new Error('again')),
      (_p, e) => {
        seen = e
      },
    )
    expect(a.problem.value?.message).toBe('again')
    expect(seen).toBeInstanceOf(Error)
  })

  it('shares a problem ref between actions but not the busy flag', async () => {
    const shared = ref<FormProblem | null>(null)
    const load = useAction({ problem: shared })
    const save = useAction({ problem: shared })
    await load.run(() => Promise.reject(new Error('down')))
    expect(save.problem.value?.message).toBe('down')
    let loadBusy = true
    await save.run(() => {
      loadBusy = load.busy.value
    })
    expect(loadBusy).toBe(false)
    expect(shared.value).toBeNull()
  })

  it('keeps an earlier problem with keepProblem until it fails itself', async () => {
    const shared = ref<FormProblem | null>({ message: 'save failed', items: [] })
    const side = useAction({ problem: shared, keepProblem: true })
    await side.run(() => {})
    expect(shared.value?.message).toBe('save failed')
    await side.run(() => Promise.reject(new Error('chunks failed')))
    expect(shared.value?.message).toBe('chunks failed')
  })

  it('can start busy', () => {
    expect(useAction({ busy: true }).busy.value).toBe(true)
    expect(useAction().busy.value).toBe(false)
  })
})
