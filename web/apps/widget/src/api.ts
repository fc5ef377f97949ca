// The public widget API (/api/v1/widget/{inbox_token}/...) on the HummDesk
// server the script came from. Every call after the session starts carries
// the visitor's contact token in X-Contact-Token. Errors become ApiError;
// `retriable` tells the offline queue whether trying again can help.
import type { MessagesPage, SessionReply, WidgetConfig, WireConversation, WireMessage } from './types'

export class ApiError extends Error {
  readonly status: number
  constructor(status: number, message: string) {
    super(message)
    this.name = 'ApiError'
    this.status = status
  }
  /** Network failures, timeouts, rate limits and server errors may pass on a retry. */
  get retriable(): boolean {
    return this.status === 0 || this.status === 408 || this.status === 429 || this.status >= 500
  }
  /** The contact token is no longer accepted: the session has to start again. */
  get sessionEnded(): boolean {
    return this.status === 401
  }
}

export interface MessageQuery {
  order?: 'asc' | 'desc'
  cursor?: string | null
  limit?: number
}

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>

const TIMEOUT_MS = 15000

export class WidgetApi {
  contactToken: string | null = null
  private readonly base: string

  constructor(origin: string, inboxToken: string, private readonly fetchImpl: FetchLike = (i, r) => fetch(i, r)) {
    this.base = origin + '/api/v1/widget/' + encodeURIComponent(inboxToken)
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { Accept: 'application/json' }
    if (body !== undefined) headers['Content-Type'] = 'application/json'
    if (this.contactToken) headers['X-Contact-Token'] = this.contactToken
    const ctl = new AbortController()
    const timer = setTimeout(() => ctl.abort(), TIMEOUT_MS)
    let res: Response
    try {
      res = await this.fetchImpl(this.base + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: ctl.signal,
        credentials: 'omit',
        mode: 'cors',
      })
    } catch {
      throw new ApiError(0, 'network error')
    } finally {
      clearTimeout(timer)
    }
    let data: unknown = null
    try {
      data = await res.json()
    } catch {
      data = null
    }
    if (!res.ok) {
      const p = (data ?? {}) as { detail?: string; title?: string }
      throw new ApiError(res.status, p.detail || p.title || 'HTTP ' + res.status)
    }
    return data as T
  }

  config(): Promise<WidgetConfig> {
    return this.call('GET', '')
  }

  startSession(name: string, email: string, identity?: { identifier: string; identifierHash: string }): Promise<SessionReply> {
    const body: Record<string, string> = {}
    if (name) body.name = name
    if (email) body.email = email
    if (identity) {
      body.identifier = identity.identifier
      body.identifier_hash = identity.identifierHash
    }
    return this.call('POST', '/contacts', body)
  }

  async conversations(): Promise<WireConversation[]> {
    const page = await this.call<{ data: WireConversation[] | null }>('GET', '/conversations')
    return page.data ?? []
  }

  createConversation(content: string, idempotencyKey: string): Promise<WireConversation> {
    return this.call('POST', '/conversations', { content, idempotency_key: idempotencyKey })
  }

  async messages(conversationId: number, q: MessageQuery = {}): Promise<MessagesPage> {
    const params = new URLSearchParams()
    if (q.order) params.set('order', q.order)
    if (q.cursor) params.set('cursor', q.cursor)
    if (q.limit) params.set('limit', String(q.limit))
    const qs = params.toString()
    const page = await this.call<MessagesPage>('GET', `/conversations/${conversationId}/messages${qs ? '?' + qs : ''}`)
    return { data: page.data ?? [], next_cursor: page.next_cursor ?? null }
  }

  postMessage(conversationId: number, content: string, idempotencyKey: string): Promise<WireMessage> {
    return this.call('POST', `/conversations/${conversationId}/messages`, { content, idempotency_key: idempotencyKey })
  }

  /**
   * Fetches what is newer than `afterId`, newest first, page by page, until
   * a page reaches a message already held (or `maxPages`). With afterId 0 it
   * returns the latest page only. The result is in ascending id order.
   */
  async messagesSince(conversationId: number, afterId: number, maxPages = 5): Promise<WireMessage[]> {
    const out: WireMessage[] = []
    let cursor: string | null = null
    for (let i = 0; i < maxPages; i++) {
      const page = await this.messages(conversationId, { order: 'desc', limit: 50, cursor })
      out.push(...page.data)
      const oldest = page.data[page.data.length - 1]
      if (afterId === 0 || !page.next_cursor || !oldest || oldest.id <= afterId) break
      cursor = page.next_cursor
    }
    return out.filter((m) => m.id > afterId).sort((a, b) => a.id - b.id)
  }
}

/** A random idempotency key for one message (reused on every retry of it). */
export function newKey(): string {
  const c = globalThis.crypto
  if (c && typeof c.randomUUID === 'function') return c.randomUUID()
  const bytes = new Uint8Array(16)
  if (c && typeof c.getRandomValues === 'function') c.getRandomValues(bytes)
  else for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(Math.random() * 256)
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')
}
