// Specs of the inboxes page: the snippet and the masked secret of the
// selected inbox, reveal, copy, a new inbox becoming the selection, and the
// pre-chat form settings saved with the inbox.
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import type { Inbox } from '@shared/types/admin'

const api = vi.hoisted(() => ({
  listInboxes: vi.fn(),
  getInbox: vi.fn(),
  createInbox: vi.fn(),
  updateInbox: vi.fn(),
  deleteInbox: vi.fn(),
}))
vi.mock('@/api/inboxes', () => api)

import InboxesView from './InboxesView.vue'

const site: Inbox = {
  id: 1,
  name: 'Website',
  channel_type: 'web_widget',
  inbox_token: 'tok-1',
  hmac_secret: 'supersecretvalue1234',
  hmac_mandatory: false,
  greeting: 'Hi',
  prechat_enabled: true,
  prechat_require_email: false,
  prechat_message: '',
  widget_snippet: '<script src="http://x/widget.js" data-inbox-token="tok-1" async></script>',
  created_at: '2026-01-01T00:00:00Z',
}

function mountView() {
  const pinia = createPinia()
  setActivePinia(pinia)
  return mount(InboxesView, { global: { plugins: [pinia] } })
}

beforeEach(() => {
  vi.clearAllMocks()
  api.listInboxes.mockResolvedValue([site])
})

describe('InboxesView', () => {
  it('shows the snippet as text and the secret masked until revealed', async () => {
    const w = mountView()
    await flushPromises()
    expect(w.get('[data-testid="inbox-snippet"]').text()).toBe(site.widget_snippet)
    expect(w.find('[data-testid="inbox-snippet"] script').exists()).toBe(false)
    expect(w.get('[data-testid="inbox-secret"]').text()).not.toContain('supersecret')
    expect(w.get('[data-testid="inbox-secret"]').text()).toMatch(/1234$/)
    await w.get('[data-testid="inbox-secret-reveal"]').trigger('click')
    expect(w.get('[data-testid="inbox-secret"]').text()).toBe('supersecretvalue1234')
  })

  it('copies the snippet with the Clipboard API', async () => {
    const writeText = vi.fn().mockResolvedValue(undefined)
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true })
    const w = mountView()
    await flushPromises()
    await w.get('[data-testid="inbox-snippet-copy"]').trigger('click')
    await flushPromises()
    expect(writeText).toHaveBeenCalledWith(site.widget_snippet)
    expect(w.find('[data-testid="inbox-snippet-copied"]').exists()).toBe(true)
  })

  it('creates a widget inbox and selects it', async () => {
    const created: Inbox = { ...site, id: 2, name: 'Docs', inbox_token: 'tok-2', hmac_mandatory: true, widget_snippet: '<script data-inbox-token="tok-2"></script>' }
    api.createInbox.mockResolvedValue(created)
    const w = mountView()
    await flushPromises()
    await w.get('[data-testid="inbox-new-name"]').setValue('Docs')
    await w.get('[data-testid="inbox-new-hmac"]').setValue(true)
    await w.get('[data-testid="inbox-create"]').trigger('submit')
    await flushPromises()
    expect(api.createInbox).toHaveBeenCalledWith({ name: 'Docs', channel_type: 'web_widget', greeting: '', hmac_mandatory: true })
    expect(w.findAll('[data-testid="inbox-row"]')).toHaveLength(2)
    expect(w.get('[data-testid="inbox-snippet"]').text()).toContain('tok-2')
    expect((w.get('[data-testid="inbox-hmac-mandatory"]').element as HTMLInputElement).checked).toBe(true)
  })

  it('edits the pre-chat form: email required only while the form is on', async () => {
    api.updateInbox.mockImplementation(async (_id: number, patch: Partial<Inbox>) => ({ ...site, ...patch }))
    const w = mountView()
    await flushPromises()
    const enabled = w.get('[data-testid="inbox-prechat-enabled"]')
    const require = w.get('[data-testid="inbox-prechat-require-email"]')
    expect((enabled.element as HTMLInputElement).checked).toBe(true)
    expect((require.element as HTMLInputElement).disabled).toBe(false)
    await require.setValue(true)
    await w.get('[data-testid="inbox-prechat-message"]').setValue('We reply by email, too.')
    await w.get('[data-testid="inbox-detail"] form').trigger('submit')
    await flushPromises()
    expect(api.updateInbox).toHaveBeenLastCalledWith(1, expect.objectContaining({
      prechat_enabled: true,
      prechat_require_email: true,
      prechat_message: 'We reply by email, too.',
    }))

    await enabled.setValue(false)
    expect((require.element as HTMLInputElement).disabled).toBe(true)
    await w.get('[data-testid="inbox-detail"] form').trigger('submit')
    await flushPromises()
    expect(api.updateInbox).toHaveBeenLastCalledWith(1, expect.objectContaining({ prechat_enabled: false }))
    expect(w.find('.adm-success').exists()).toBe(true)
  })

  it('shows the pre-chat settings of the selected inbox, for widget inboxes only', async () => {
    const api2: Inbox = { id: 3, name: 'API', channel_type: 'api', inbox_token: 'tok-3', hmac_mandatory: false, greeting: '',
      prechat_enabled: true, prechat_require_email: false, prechat_message: '', created_at: site.created_at }
    api.listInboxes.mockResolvedValue([{ ...site, prechat_enabled: false, prechat_message: 'Hello' }, api2])
    const w = mountView()
    await flushPromises()
    expect((w.get('[data-testid="inbox-prechat-enabled"]').element as HTMLInputElement).checked).toBe(false)
    expect((w.get('[data-testid="inbox-prechat-message"]').element as HTMLTextAreaElement).value).toBe('Hello')
    await w.findAll('[data-testid="inbox-row"]')[1]!.trigger('click')
    expect(w.find('[data-testid="inbox-prechat"]').exists()).toBe(false)
  })
})
