// Specs of the agents page: invite (name/password only when typed), role
// change reverted on a conflict with the server's detail shown, and removal
// only after confirmation.
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { ApiError } from '@/api/http'
import type { Agent } from '@shared/types/admin'

const api = vi.hoisted(() => ({
  listAgents: vi.fn(),
  getAgent: vi.fn(),
  addAgent: vi.fn(),
  updateAgent: vi.fn(),
  removeAgent: vi.fn(),
}))
vi.mock('@/api/agents', () => api)

import AgentsView from './AgentsView.vue'

const ada: Agent = {
  id: 1,
  name: 'Ada',
  email: 'ada@x.io',
  role: 'administrator',
  availability: 'online',
  max_concurrent: 5,
  online: true,
  open_conversations: 2,
  created_at: '2026-01-01T00:00:00Z',
}
const bo: Agent = { ...ada, id: 2, name: 'Bo', email: 'bo@x.io', role: 'agent', availability: 'busy', online: false, open_conversations: 5 }

function mountView() {
  const pinia = createPinia()
  setActivePinia(pinia)
  return mount(AgentsView, { global: { plugins: [pinia] } })
}

beforeEach(() => {
  vi.clearAllMocks()
  localStorage.clear()
  api.listAgents.mockResolvedValue([ada, bo])
})

describe('AgentsView', () => {
  it('lists agents with role, capacity and load', async () => {
    const w = mountView()
    await flushPromises()
    const rows = w.findAll('[data-testid="agent-row"]')
    expect(rows).toHaveLength(2)
    expect(rows[0]!.text()).toContain('Ada')
    expect(rows[0]!.text()).toContain('2 / 5')
    expect(rows[1]!.text()).toContain('busy')
  })

  it('invites a new user with name and password', async () => {
    api.addAgent.mockResolvedValue({ ...bo, id: 3, name: 'Cy', email: 'cy@x.io' })
    const w = mountView()
    await flushPromises()
    await w.get('[data-testid="invite-email"]').setValue('cy@x.io')
    await w.get('[data-testid="invite-name"]').setValue('Cy')
    await w.get('[data-testid="invite-password"]').setValue('password1')
    await w.get('[data-testid="invite-capacity"]').setValue('4')
    await w.get('[data-testid="agent-invite"]').trigger('submit')
    await flushPromises()
    expect(api.addAgent).toHaveBeenCalledWith({ email: 'cy@x.io', role: 'agent', name: 'Cy', password: 'password1', max_concurrent: 4 })
    expect(w.findAll('[data-testid="agent-row"]')).toHaveLength(3)
    expect((w.get('[data-testid="invite-email"]').element as HTMLInputElement).value).toBe('')
  })

  it('shows the server error when an invite fails', async () => {
    api.addAgent.mockRejectedValue(new ApiError(422, { detail: 'name is required for a new user', errors: [{ message: 'name is required for a new user', location: 'body.name' }] }))
    const w = mountView()
    await flushPromises()
    await w.get('[data-testid="invite-email"]').setValue('new@x.io')
    await w.get('[data-testid="agent-invite"]').trigger('submit')
    await flushPromises()
    expect(w.get('[data-testid="form-error"]').text()).toContain('name is required for a new user')
  })

  it('keeps the role when the server refuses the change', async () => {
    api.updateAgent.mockRejectedValue(new ApiError(409, { detail: 'the account must keep at least one administrator' }))
    const w = mountView()
    await flushPromises()
    const sel = w.findAll('[data-testid="agent-role"]')[0]!
    await sel.setValue('agent')
    await flushPromises()
    expect(api.updateAgent).toHaveBeenCalledWith(1, { role: 'agent' })
    expect((sel.element as HTMLSelectElement).value).toBe('administrator')
    expect(w.text()).toContain('Ada: the account must keep at least one administrator')
  })

  it('saves capacity on change and rejects nonsense', async () => {
    api.updateAgent.mockResolvedValue({ ...bo, max_concurrent: 8 })
    const w = mountView()
    await flushPromises()
    const cap = w.findAll('[data-testid="agent-capacity"]')[1]!
    await cap.setValue('8')
    await flushPromises()
    expect(api.updateAgent).toHaveBeenCalledWith(2, { max_concurrent: 8 })
    expect(w.findAll('[data-testid="agent-row"]')[1]!.text()).toContain('5 / 8')
    await cap.setValue('-3')
    await flushPromises()
    expect(api.updateAgent).toHaveBeenCalledTimes(1)
    expect(w.text()).toContain('capacity must be a whole number')
  })

  it('removes only after confirmation', async () => {
    api.removeAgent.mockResolvedValue(undefined)
    const w = mountView()
    await flushPromises()
    await w.findAll('[data-testid="agent-remove"]')[1]!.trigger('click')
    expect(api.removeAgent).not.toHaveBeenCalled()
    expect(w.text()).toContain('Remove Bo from this account?')
    await w.get('[data-testid="confirm-yes"]').trigger('click')
    await flushPromises()
    expect(api.removeAgent).toHaveBeenCalledWith(2)
    expect(w.findAll('[data-testid="agent-row"]')).toHaveLength(1)
  })
})

describe('AgentsView presence', () => {
  it('follows availability changes from the live agents store', async () => {
    const { useAgentsStore } = await import('@/stores/agents')
    const w = mountView()
    await flushPromises()
    const store = useAgentsStore()
    store.agents = [ada, bo]
    await flushPromises()
    store.agents = [ada, { ...bo, availability: 'offline', online: false }]
    await flushPromises()
    expect(w.findAll('[data-testid="agent-row"]')[1]!.text()).toContain('offline')
  })
})
