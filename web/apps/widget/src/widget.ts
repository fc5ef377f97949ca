// The widget controller: wires the session, the API, the message store, the
// offline queue, real-time updates and the view together. One instance per
// page (main.ts creates it from the embed snippet). It also follows the
// conversation's status: once resolved (a push or a refetch says so) the
// view says so, until the visitor writes again (the server then reopens it).
// The inbox's config decides the pre-chat form: when it is off, an anonymous
// visitor goes straight to the message box and the session starts (without
// name or email) with the first message, as for a verified visitor.
// The live connection (subscription or polling) is live.ts's LiveLink; the
// resolved state and the status line are status.ts's.
import { ApiError, newKey, WidgetApi, type FetchLike } from './api'
import type { LoaderConfig } from './loader'
import { LiveLink } from './live'
import { Outbox } from './outbox'
import { TypingSender, type ClientFactory, type Update } from './realtime'
import { ResolvedStatus, StatusLine } from './status'
import { clearSession, defaultStorage, emptySession, loadSession, saveSession, type Session } from './session'
import { MessageStore, type ChatMessage } from './store'
import type { WireConversation, WireMessage } from './types'
import { View } from './ui'

export interface WidgetDeps {
  fetch?: FetchLike
  storage?: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>
  realtime?: ClientFactory
  /** Poll interval when there is no live connection (ms). */
  pollMs?: number
}

export class Widget {
  readonly store = new MessageStore()
  readonly view: View
  readonly api: WidgetApi
  private session: Session = emptySession()
  private readonly storage: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>
  private readonly outbox: Outbox
  private readonly typing: TypingSender
  private readonly live: LiveLink
  private opened = false
  private readonly statusLine: StatusLine
  private readonly resolution: ResolvedStatus
  private syncing: Promise<void> | null = null
  private starting: Promise<void> | null = null
  /** The inbox's pre-chat form is on (until the config says otherwise). */
  private prechatOn = true

  constructor(private readonly cfg: LoaderConfig, private readonly deps: WidgetDeps = {}) {
    this.storage = deps.storage ?? defaultStorage()
    this.api = new WidgetApi(cfg.origin, cfg.inboxToken, deps.fetch)
    this.view = new View({ position: cfg.position, launcherText: cfg.launcherText }, {
      toggle: () => this.toggle(),
      close: () => this.close(),
      prechat: (name, email) => void this.startSession(name, email),
      send: (text) => this.send(text),
      typing: () => this.typing.input(),
      retry: (key) => this.retry(key),
    })
    this.outbox = new Outbox({
      store: this.store,
      send: (m) => this.deliver(m),
      online: () => navigator.onLine !== false,
      onError: (e) => this.sendFailed(e),
      onDrained: () => this.statusLine.set(null),
    })
    this.statusLine = new StatusLine(this.view, () => this.live.reconnecting)
    this.resolution = new ResolvedStatus({
      conversationId: () => this.session.conversationId,
      show: (on) => this.setResolved(on),
      conversations: () => this.api.conversations(),
      hasUnsent: () => this.store.unsent().length > 0,
    })
    this.typing = new TypingSender((on) => this.live.typing(on))
    this.live = new LiveLink(cfg.origin, {
      update: (u) => this.onUpdate(u),
      resync: () => {
        this.sync().catch((e) => this.handleError(e))
        this.resolution.refresh().catch(() => {})
        void this.outbox.flush()
      },
      poll: (withStatus) => {
        this.sync().catch((e) => this.handleError(e))
        if (withStatus) this.resolution.refresh().catch(() => {})
      },
      changed: () => this.statusLine.update(),
      typing: (on) => this.view.setTyping(on),
    }, deps.realtime, deps.pollMs)
  }

  /** Mounts the widget and resumes a stored session. */
  start(parent: HTMLElement = document.body): void {
    this.session = loadSession(this.cfg.inboxToken, this.storage)
    // Another signed-in user (or none) than the stored session's: start afresh.
    if (this.session.identifier !== (this.cfg.identity?.identifier ?? '')) {
      clearSession(this.cfg.inboxToken, this.storage)
      this.session = emptySession()
    }
    this.api.contactToken = this.session.contactToken
    this.store.onChange(() => {
      this.view.render(this.store.all())
      this.persist()
    })
    this.store.load(this.session.messages)
    this.view.showPrechat(!this.session.contactToken && !this.cfg.identity)
    this.view.setUnread(this.session.unread)
    this.view.setResolved(this.session.resolved)
    this.view.mount(parent)
    window.addEventListener('online', this.onNetwork)
    window.addEventListener('offline', this.onNetwork)
    this.statusLine.update()
    this.api.config().then(
      (c) => {
        this.view.setConfig(c.name, c.greeting)
        this.view.setPrechatOptions(c.prechat_require_email === true, c.prechat_message ?? '')
        this.prechatOn = c.prechat_enabled !== false
        if (this.session.contactToken || this.cfg.identity) return
        this.view.showPrechat(this.prechatOn)
        // Messages kept from a page where the session could not start yet.
        if (!this.prechatOn && this.store.unsent().length) void this.beginSession()
      },
      (e: ApiError) => {
        if (!e.retriable) this.statusLine.set('Chat is unavailable right now.', true)
      },
    )
    if (this.session.contactToken) void this.resume()
  }

  open(): void {
    if (this.opened) return
    this.opened = true
    this.session.unread = 0
    this.view.setUnread(0)
    this.view.setOpen(true)
    this.persist()
    if (this.cfg.identity && !this.session.contactToken) void this.beginSession()
  }

  close(): void {
    if (!this.opened) return
    const hadFocus = this.view.root.activeElement !== null
    this.opened = false
    this.typing.stop()
    this.view.setOpen(false)
    if (hadFocus) this.view.focusLauncher()
  }

  toggle(): void {
    if (this.opened) this.close()
    else this.open()
  }

  /** Stops every timer and connection and removes the widget. */
  destroy(): void {
    this.live.stop()
    this.outbox.stop()
    window.removeEventListener('online', this.onNetwork)
    window.removeEventListener('offline', this.onNetwork)
    this.view.destroy()
  }

  private persist(): void {
    this.session.messages = this.store.snapshot(50)
    saveSession(this.cfg.inboxToken, this.session, this.storage)
  }

  /** No form to fill: the site vouches for the visitor, or the inbox asks nothing. */
  private get formless(): boolean {
    return !!this.cfg.identity || !this.prechatOn
  }

  /** Starts a session without the form: with the verified identity, else anonymous. */
  private beginSession(): Promise<void> {
    const id = this.cfg.identity
    return this.startSession(id?.name ?? '', id?.email ?? '')
  }

  /** Starts a contact session (single flight), then picks up the contact's conversation, if any. */
  private startSession(name: string, email: string): Promise<void> {
    this.starting ??= this.doStartSession(name, email).finally(() => {
      this.starting = null
    })
    return this.starting
  }

  private async doStartSession(name: string, email: string): Promise<void> {
    this.view.setPrechatBusy(true)
    try {
      const id = this.cfg.identity
      const r = await this.api.startSession(name, email, id)
      this.session = { ...emptySession(), contactToken: r.contact_token, name, email, identifier: id?.identifier ?? '' }
      this.api.contactToken = r.contact_token
      this.persist()
      this.view.setPrechatBusy(false)
      this.view.showPrechat(false)
      this.statusLine.set(null)
      if (this.opened) this.view.focus()
    } catch (e) {
      const err = e as ApiError
      const text = err.status === 0 ? 'Could not connect. Please check your connection and try again.'
        : err.status === 429 ? 'Too many attempts. Please wait a minute and try again.'
        : err.status === 401 ? 'This chat is only available to signed-in visitors.'
        : err.message || 'Something went wrong. Please try again.'
      this.view.setPrechatBusy(false, text)
      if (this.cfg.identity) this.statusLine.set(err.status === 401 ? 'We could not verify who you are. Please reload the page.' : text, true)
      else if (!this.prechatOn) this.statusLine.set(text, true)
      // Nothing can be sent without a session: offer the retry button.
      if (this.formless) for (const m of this.store.unsent()) this.store.setState(m.key, 'failed')
      return
    }
    // A verified visitor may already have conversations: continue the latest.
    await this.resume()
  }

  /** A stored session: find the conversation, load what is new, go live, send what is queued. */
  private async resume(): Promise<void> {
    try {
      if (!this.session.conversationId || !this.session.channel) {
        const list = await this.api.conversations()
        const conv = list.find((c) => c.id === this.session.conversationId) ?? latest(list)
        if (conv) this.adopt(conv)
      }
      if (this.session.conversationId) {
        await this.sync()
        this.goLive()
      }
    } catch (e) {
      this.handleError(e)
    }
    if (this.store.unsent().length) void this.outbox.flush()
  }

  /** Takes the conversation's id and channel into the session. */
  private adopt(c: WireConversation): void {
    const changed = this.session.conversationId !== c.id || this.session.channel !== (c.channel ?? null)
    if (this.session.conversationId !== c.id) this.resolution.forget()
    this.session.conversationId = c.id
    this.session.channel = c.channel ?? null
    this.resolution.set(c.status === 'resolved')
    this.persist()
    if (changed) this.live.stop()
  }

  /** Shows (or hides) the resolved notice and keeps it in the session. */
  private setResolved(on: boolean): void {
    this.view.setResolved(on)
    if (this.session.resolved === on) return
    this.session.resolved = on
    this.persist()
  }

  private send(text: string): void {
    if (!this.session.contactToken && !this.formless) {
      this.view.showPrechat(true)
      this.view.focus()
      return
    }
    this.typing.stop()
    if (this.session.resolved) {
      // The server reopens the conversation on the visitor's new message.
      this.resolution.set(false)
    }
    this.store.addLocal(text, newKey())
    // A formless session may still be starting: it flushes when ready.
    if (this.session.contactToken) void this.outbox.flush()
    else void this.beginSession()
  }

  /** Sends a failed message again; without a session yet, starts one first. */
  private retry(key: string): void {
    if (this.session.contactToken || !this.formless) return void this.outbox.retry(key)
    this.store.setState(key, 'queued')
    void this.beginSession()
  }

  /** Sends one queued message; the first one opens the conversation. */
  private async deliver(m: ChatMessage): Promise<WireMessage> {
    const convId = this.session.conversationId
    if (convId) return this.api.postMessage(convId, m.content, m.key)
    const conv = await this.api.createConversation(m.content, m.key)
    this.adopt(conv)
    let first = conv.last_message?.sender_type === 'contact' ? conv.last_message : undefined
    if (!first) {
      const page = await this.api.messages(conv.id, { order: 'asc', limit: 10 })
      first = page.data.find((x) => x.sender_type === 'contact')
    }
    this.goLive()
    if (!first) throw new ApiError(503, 'conversation started; message not visible yet')
    return first
  }

  private sendFailed(e: ApiError): void {
    if (e.sessionEnded) return this.endSession()
    if (e.status === 0 && navigator.onLine === false) return this.statusLine.update()
    this.statusLine.set(e.retriable ? 'Could not reach the server. Retrying…' : 'Your message could not be sent: ' + e.message, !e.retriable)
  }

  /** Fetches what is newer than the last message held and merges it (single flight). */
  private sync(): Promise<void> {
    if (this.syncing) return this.syncing
    const id = this.session.conversationId
    if (!id) return Promise.resolve()
    const hadHistory = this.store.lastId() > 0
    this.syncing = this.api
      .messagesSince(id, this.store.lastId())
      .then((msgs) => {
        if (this.session.conversationId !== id) return
        this.received(this.store.merge(msgs), hadHistory)
      })
      .finally(() => {
        this.syncing = null
      })
    return this.syncing
  }

  /** Counts new agent replies while closed; hides the typing indicator once a reply lands. */
  private received(added: WireMessage[], countUnread = true): void {
    const replies = added.filter((m) => m.sender_type === 'agent' || m.sender_type === 'ai').length
    if (!replies) return
    this.live.setAgentTyping(false)
    if (!this.opened && countUnread) {
      this.session.unread += replies
      this.view.setUnread(this.session.unread)
      this.persist()
    }
  }

  /** Subscribes to the conversation's channel, or polls when the server named none. */
  private goLive(): void {
    const { conversationId, channel, contactToken } = this.session
    if (!conversationId || !contactToken || this.live.active) return
    this.live.start(channel, conversationId, contactToken)
  }

  /** A message or status pushed on the conversation's channel. */
  private onUpdate(u: Update): void {
    if (u.kind === 'message') this.received(this.store.merge([u.message]))
    else if (u.kind === 'status') this.resolution.push(u.status, u.version)
  }

  private readonly onNetwork = (): void => {
    this.statusLine.update()
    if (navigator.onLine !== false && this.session.contactToken) {
      void this.outbox.flush()
      if (this.session.conversationId) this.sync().catch((e) => this.handleError(e))
    }
  }

  private handleError(e: unknown): void {
    const err = e instanceof ApiError ? e : new ApiError(0, String(e))
    if (err.sessionEnded) return this.endSession()
    if (err.status === 0 && navigator.onLine === false) return this.statusLine.update()
    this.statusLine.set(err.retriable ? 'Could not reach the server. Retrying…' : 'Something went wrong: ' + err.message, !err.retriable)
  }

  /** The contact token is no longer valid (expired, contact deleted): start over. */
  private endSession(): void {
    this.live.stop()
    this.outbox.stop()
    clearSession(this.cfg.inboxToken, this.storage)
    this.session = emptySession()
    this.api.contactToken = null
    this.store.clear()
    this.view.setResolved(false)
    this.view.showPrechat(!this.formless)
    this.statusLine.set('Your chat session has ended. Please start a new one.', false)
    if (this.cfg.identity && this.opened) void this.beginSession()
  }
}

/** The conversation with the latest activity. */
function latest(list: readonly WireConversation[]): WireConversation | undefined {
  let best: WireConversation | undefined
  for (const c of list) if (!best || Date.parse(c.last_activity_at) > Date.parse(best.last_activity_at)) best = c
  return best
}
