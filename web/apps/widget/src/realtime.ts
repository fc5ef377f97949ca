// Real-time updates for the visitor's conversation over centrifuge: a
// WebSocket to ws(s)://HOST/connection/websocket authenticated with the
// contact token, one subscription to the conversation's channel with
// recovery on. Pushes are hints: after every (re)subscription the controller
// refetches what it may have missed, so a failed recovery loses nothing.
import { Centrifuge } from 'centrifuge'
import type { TypingNotice, WireEvent, WireMessage } from './types'
import { isWireMessage } from './store'

export type ConnState = 'connecting' | 'connected' | 'disconnected'

/** What a publication on a conversation channel means to the widget. */
export type Update =
  | { kind: 'message'; message: WireMessage }
  | { kind: 'typing'; typing: boolean }
  | { kind: 'status'; status: string; version?: number }

/** The WebSocket endpoint of the server at `origin` (http → ws, https → wss). */
export function wsUrl(origin: string): string {
  return origin.replace(/^http/, 'ws') + '/connection/websocket'
}

/**
 * Reads a publication. Events of another conversation, the visitor's own
 * typing echo, and unknown types give null.
 */
export function parseUpdate(data: unknown, conversationId: number): Update | null {
  if (!data || typeof data !== 'object') return null
  const d = data as Partial<WireEvent & TypingNotice>
  if (d.conversation_id !== undefined && d.conversation_id !== conversationId) return null
  if (d.type === 'typing') {
    if (d.sender_type === 'contact') return null
    return { kind: 'typing', typing: d.typing === true }
  }
  if (d.type === 'message.created' && isWireMessage(d.data)) {
    return { kind: 'message', message: d.data }
  }
  if (d.type === 'conversation.status_changed' || d.type === 'conversation.updated') {
    const s = (d.data as { status?: unknown } | null)?.status
    if (typeof s === 'string') {
      return typeof d.version === 'number' ? { kind: 'status', status: s, version: d.version } : { kind: 'status', status: s }
    }
  }
  return null
}

export interface RealtimeHandlers {
  onUpdate(u: Update): void
  /** After each successful (re)subscription: refetch and merge. */
  onResync(): void
  onState(s: ConnState): void
  /** The server refused the token or the channel: stop and fall back to polling. */
  onRefused(): void
}

/** The slice of a centrifuge subscription the widget uses. */
interface Sub {
  on(ev: string, fn: (ctx: any) => void): unknown
  subscribe(): void
  publish(data: unknown): Promise<unknown>
}
interface Client {
  on(ev: string, fn: (ctx: any) => void): unknown
  newSubscription(channel: string, opts: object): Sub
  connect(): void
  disconnect(): void
}
export type ClientFactory = (url: string, token: string) => Client

const defaultFactory: ClientFactory = (url, token) =>
  new Centrifuge(url, { token, minReconnectDelay: 500, maxReconnectDelay: 10000 }) as unknown as Client

export class Realtime {
  private client: Client | null = null
  private sub: Sub | null = null
  private subscribed = false

  constructor(
    private readonly url: string,
    private readonly token: string,
    private readonly h: RealtimeHandlers,
    private readonly factory: ClientFactory = defaultFactory,
  ) {}

  /** Connects and subscribes to the conversation's channel. */
  start(channel: string, conversationId: number): void {
    this.stop()
    const c = this.factory(this.url, this.token)
    this.client = c
    c.on('connecting', () => this.h.onState('connecting'))
    c.on('connected', () => this.h.onState('connected'))
    c.on('disconnected', (ctx: { code?: number }) => {
      this.h.onState('disconnected')
      // 3500+ codes are terminal (bad token, forbidden): no reconnect follows.
      if (typeof ctx?.code === 'number' && ctx.code >= 3500) this.h.onRefused()
    })
    const sub = c.newSubscription(channel, { recoverable: true, positioned: true })
    this.sub = sub
    sub.on('publication', (ctx: { data: unknown }) => {
      const u = parseUpdate(ctx.data, conversationId)
      if (u) this.h.onUpdate(u)
    })
    sub.on('subscribing', () => {
      this.subscribed = false
    })
    sub.on('subscribed', () => {
      this.subscribed = true
      this.h.onResync()
    })
    sub.on('unsubscribed', (ctx: { code?: number }) => {
      this.subscribed = false
      // A refused subscription (permission denied, unknown channel) ends here.
      if (typeof ctx?.code === 'number' && ctx.code >= 100 && this.client === c) this.h.onRefused()
    })
    sub.subscribe()
    c.connect()
  }

  /** Publishes the visitor's typing state; dropped while not subscribed. */
  typing(on: boolean): void {
    if (!this.sub || !this.subscribed) return
    this.sub.publish({ type: 'typing', typing: on }).catch(() => {})
  }

  stop(): void {
    const c = this.client
    this.client = null
    this.sub = null
    this.subscribed = false
    if (c) c.disconnect()
  }
}

/**
 * Throttles the visitor's typing notices: "typing" at most every 3 s while
 * keys are pressed, "stopped" 4 s after the last key or when the message
 * is sent.
 */
export class TypingSender {
  private lastSent = 0
  private active = false
  private idle: ReturnType<typeof setTimeout> | null = null

  constructor(
    private readonly publish: (on: boolean) => void,
    private readonly now: () => number = () => Date.now(),
  ) {}

  input(): void {
    const t = this.now()
    if (!this.active || t - this.lastSent >= 3000) {
      this.active = true
      this.lastSent = t
      this.publish(true)
    }
    if (this.idle) clearTimeout(this.idle)
    this.idle = setTimeout(() => this.stop(), 4000)
  }

  stop(): void {
    if (this.idle) clearTimeout(this.idle)
    this.idle = null
    if (this.active) {
      this.active = false
      this.publish(false)
    }
  }
}
