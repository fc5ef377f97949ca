// Specs of the AI settings page: the stored-key notice, the key sent only
// when typed, and server errors shown next to the form.
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { ApiError } from '@/api/http'
import type { AIMetrics, AISettings } from '@shared/types/admin'

const settings: AISettings = {
  account_id: 1,
  provider: 'openai',
  model: 'gpt-4o-mini',
  base_url: '',
  has_api_key: true,
  threshold: 0.8,
  auto_assign: true,
  drafts: true,
  business_hours: '',
  updated_at: '2026-01-01T00:00:00Z',
}
const metrics: AIMetrics = {
  since: '2026-01-01T00:00:00Z',
  classified: 10,
  auto_assign_rate: 0.6,
  team_queue_rate: 0.4,
  accuracy: [{ provider: 'local', field: 'category', total: 10, corrected: 1, accuracy: 0.9 }],
  latency_avg_ms: 120,
  latency_max_ms: 900,
  cost_usd: 0,
  input_tokens: 0,
  output_tokens: 0,
  drafts: { accepted: 2 },
  draft_acceptance_rate: 1,
  draft_as_is_rate: 1,
  drafts_pending: 0,
}

const api = vi.hoisted(() => ({
  getAISettings: vi.fn(),
  updateAISettings: vi.fn(),
  removeAPIKey: vi.fn(),
  getAIMetrics: vi.fn(),
}))
vi.mock('@/api/aiSettings', () => api)

import AISettingsView from './AISettingsView.vue'

beforeEach(() => {
  vi.clearAllMocks()
  api.getAISettings.mockResolvedValue(settings)
  api.getAIMetrics.mockResolvedValue(metrics)
  api.updateAISettings.mockImplementation(async (p: Record<string, unknown>) => ({ ...settings, ...p, has_api_key: true }))
})

describe('AISettingsView', () => {
  it('shows that a key is set, and saves without a key when none was typed', async () => {
    const w = mount(AISettingsView)
    await flushPromises()
    expect(w.get('[data-testid="ai-key-set"]').text()).toContain('A key is set')
    expect((w.get('[data-testid="ai-api-key"]').element as HTMLInputElement).value).toBe('')
    expect(w.get('[data-testid="ai-metrics"]').text()).toContain('60%')

    await w.get('[data-testid="ai-auto-assign"]').setValue(false)
    await w.get('[data-testid="ai-settings"]').trigger('submit')
    await flushPromises()
    const sent = api.updateAISettings.mock.calls[0]![0] as Record<string, unknown>
    expect(sent).not.toHaveProperty('api_key')
    expect(sent).toMatchObject({ provider: 'openai', model: 'gpt-4o-mini', auto_assign: false })
    expect(w.find('[data-testid="ai-saved"]').exists()).toBe(true)
  })

  it('sends a typed key once and clears the field', async () => {
    const w = mount(AISettingsView)
    await flushPromises()
    await w.get('[data-testid="ai-api-key"]').setValue('sk-new')
    await w.get('[data-testid="ai-settings"]').trigger('submit')
    await flushPromises()
    expect(api.updateAISettings.mock.calls[0]![0]).toMatchObject({ api_key: 'sk-new' })
    expect((w.get('[data-testid="ai-api-key"]').element as HTMLInputElement).value).toBe('')
  })

  it('shows the server validation error', async () => {
    api.updateAISettings.mockRejectedValueOnce(
      new ApiError(422, { detail: 'base_url must be an http(s) URL', errors: [{ message: 'base_url must be an http(s) URL', location: 'body.base_url' }] }),
    )
    const w = mount(AISettingsView)
    await flushPromises()
    await w.get('[data-testid="ai-base-url"]').setValue('ftp://x')
    await w.get('[data-testid="ai-settings"]').trigger('submit')
    await flushPromises()
    expect(w.get('[data-testid="form-error"]').text()).toContain('base_url must be an http(s) URL')
  })
})
