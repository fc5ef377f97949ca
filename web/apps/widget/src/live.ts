// The widget's live link to its conversation: a real-time subscription when
// the server named a channel, polling when it named none, while the socket
// is down, or after the server refused it. Tracks the connection state for
// the status line ("Reconnecting…" only after a first connection) and times
// out the agent's typing indicator. The Widget decides what a poll, a
// resync or an update means.
import { Realtime, wsUrl, type ClientFactory, type ConnState, type Update } from './realtime'

/** How long the agent's typing indicator stays up without a new signal (ms). */
const AGENT_TYPING_MS = 8000

export interface LiveHooks {
  /** A message or status pushed on the channel (typing is handled here). */
  update(u: Update): void
  /** Subscribed again after a gap: catch up on what was missed. */
  resync(): void
  /** A poll tick while online; withStatus every third tick (from the first). */
  poll(withStatus: boolean): void
  /** The connection state changed: redraw the status line. */
  changed(): void
  /** Show or hide the agent's typing indicator. */
  typing(on: boolean): void
}

export class LiveLink {
  private rt: Realtime | null = null
  private conn: ConnState | 'none' = 'none'
  private wasConnected = false
  private poller: ReturnType<typeof setInterval> | null = null
  private pollTicks = 0
  private agentTyping: ReturnType<typeof setTimeout> | null = null

  constructor(
    private readonly origin: string,
    private readonly hooks: LiveHooks,
    private readonly factory?: ClientFactory,
    private readonly pollMs = 5000,
  ) {}

  /** A subscription or a poller is running. */
  get active(): boolean {
    return this.rt !== null || this.poller !== null
  }

  /** The socket was up once and is now trying again. */
  get reconnecting(): boolean {
    return this.wasConnected && (this.conn === 'connecting' || this.conn === 'disconnected')
  }

  /** Subscribes to the conversation's channel, or polls when there is none. */
  start(channel: string | null, conversationId: number, contactToken: string): void {
    if (!channel) return this.startPolling()
    this.rt = new Realtime(wsUrl(this.origin), contactToken, {
      onUpdate: (u) => {
        if (u.kind === 'typing') this.setAgentTyping(u.typing)
        else this.hooks.update(u)
      },
      onResync: () => this.hooks.resync(),
      onState: (s) => this.onConn(s),
      onRefused: () => {
        this.rt?.stop()
        this.rt = null
        this.conn = 'none'
        this.startPolling()
        this.hooks.changed()
      },
    }, this.factory)
    this.rt.start(channel, conversationId)
  }

  /** Stops the subscription and the poller and hides the typing indicator. */
  stop(): void {
    this.rt?.stop()
    this.rt = null
    this.conn = 'none'
    this.stopPolling()
    this.setAgentTyping(false)
  }

  /** Tells the agent the visitor is (no longer) typing, when subscribed. */
  typing(on: boolean): void {
    this.rt?.typing(on)
  }

  setAgentTyping(on: boolean): void {
    if (this.agentTyping) clearTimeout(this.agentTyping)
    this.agentTyping = on ? setTimeout(() => this.setAgentTyping(false), AGENT_TYPING_MS) : null
    this.hooks.typing(on)
  }

  private onConn(s: ConnState): void {
    this.conn = s
    if (s === 'connected') {
      this.wasConnected = true
      this.stopPolling()
    } else {
      // Poll while the socket is down (or blocked by a proxy); a
      // resubscription resyncs anyway.
      this.startPolling()
    }
    this.hooks.changed()
  }

  private startPolling(): void {
    if (this.poller) return
    this.poller = setInterval(() => {
      if (navigator.onLine === false) return
      this.hooks.poll(this.pollTicks++ % 3 === 0)
    }, this.pollMs)
  }

  private stopPolling(): void {
    if (this.poller) clearInterval(this.poller)
    this.poller = null
  }
}
