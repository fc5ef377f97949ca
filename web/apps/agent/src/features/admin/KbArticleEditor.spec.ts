// Specs of the knowledge-base editor: the body it sends for a new and an
// existing article, and the server's error next to the form.
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { ApiError } from '@/api/http'
import type { Article } from '@shared/types/admin'

const api = vi.hoisted(() => ({
  createArticle: vi.fn(),
  updateArticle: vi.fn(),
  deleteArticle: vi.fn(),
  listChunks: vi.fn(),
}))
vi.mock('@/api/kb', () => api)

import KbArticleEditor from './KbArticleEditor.vue'

const art: Article = {
  id: 4,
  title: 'Refunds',
  content: 'We refund within 14 days.',
  tags: ['billing'],
  published: true,
  version: 2,
  embedding: { status: 'ready', embedder: 'local-hash-256', embedded_version: 2, chunks: 1, embedded_at: '2026-01-01T00:00:00Z' },
  created_at: '2026-01-01T00:00:00Z',
  updated_at: '2026-01-01T00:00:00Z',
}

beforeEach(() => vi.clearAllMocks())

describe('KbArticleEditor', () => {
  it('creates an article with parsed tags', async () => {
    api.createArticle.mockResolvedValue({ ...art, id: 9, embedding: { ...art.embedding, status: 'pending' } })
    const w = mount(KbArticleEditor, { props: { article: null } })
    await w.get('[data-testid="kb-title"]').setValue(' Shipping ')
    await w.get('[data-testid="kb-content"]').setValue('Ships in 2 days.')
    await w.get('[data-testid="kb-tags"]').setValue('orders, shipping,')
    await w.get('[data-testid="kb-published"]').setValue(false)
    await w.get('form').trigger('submit')
    await flushPromises()
    expect(api.createArticle).toHaveBeenCalledWith({ title: 'Shipping', content: 'Ships in 2 days.', tags: ['orders', 'shipping'], published: false })
    expect(w.emitted('saved')![0]![0]).toMatchObject({ id: 9 })
    expect(w.text()).toContain('embedding in the background')
  })

  it('edits an existing article and shows its chunks', async () => {
    api.updateArticle.mockResolvedValue(art)
    api.listChunks.mockResolvedValue([{ id: 1, ordinal: 0, content: 'We refund within 14 days.', embedder: 'local-hash-256', dim: 256, created_at: '' }])
    const w = mount(KbArticleEditor, { props: { article: art } })
    expect((w.get('[data-testid="kb-title"]').element as HTMLInputElement).value).toBe('Refunds')
    expect((w.get('[data-testid="kb-tags"]').element as HTMLInputElement).value).toBe('billing')
    await w.get('form').trigger('submit')
    await flushPromises()
    expect(api.updateArticle).toHaveBeenCalledWith(4, { title: 'Refunds', content: 'We refund within 14 days.', tags: ['billing'], published: true })
    await w.get('[data-testid="kb-chunks-toggle"]').trigger('click')
    await flushPromises()
    expect(w.findAll('[data-testid="kb-chunk"]')).toHaveLength(1)
  })

  it('shows validation errors', async () => {
    api.createArticle.mockRejectedValue(new ApiError(422, { detail: 'validation failed', errors: [{ message: 'expected length >= 1', location: 'body.content' }] }))
    const w = mount(KbArticleEditor, { props: { article: null } })
    await w.get('form').trigger('submit')
    await flushPromises()
    expect(w.get('[data-testid="form-error"]').text()).toContain('content: expected length >= 1')
  })
})
