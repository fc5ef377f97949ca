// Types of the administration resources as the HummDesk API answers them:
// agents, teams, inboxes, the knowledge base, AI settings and metrics, and
// the account. Shapes follow internal/httpapi/{agent,team,inbox,kb,ai}_handlers.go
// and internal/desk (Team, Account, AISettings). Times are RFC 3339 strings.

export type Role = 'administrator' | 'agent'
export type Availability = 'online' | 'busy' | 'offline'

/** A member of the account (a user with a role in it). */
export interface Agent {
  /** The agent's user id. */
  id: number
  name: string
  email: string
  role: Role
  availability: Availability
  /** How many conversations the agent takes at once (0: no limit). */
  max_concurrent: number
  /** Connected to the account's real-time channel now (agent routes only). */
  online?: boolean
  /** Open or pending conversations assigned to the agent now. */
  open_conversations?: number
  created_at: string
}

/** Body of POST .../agents. name and password are needed only for a new user. */
export interface AgentInvite {
  email: string
  role: Role
  name?: string
  password?: string
  max_concurrent?: number
}

/** Body of PATCH .../agents/{id}: only the fields given change. */
export interface AgentPatch {
  role?: Role
  availability?: Availability
  max_concurrent?: number
}

export interface Team {
  id: number
  account_id: number
  name: string
  description: string
  created_at: string
}

export interface TeamInput {
  name: string
  description?: string
}

export interface TeamPatch {
  name?: string
  description?: string
}

/** A team's member is an agent of the account. */
export type TeamMember = Agent

export type ChannelType = 'web_widget' | 'api' | 'email'

export interface Inbox {
  id: number
  name: string
  channel_type: ChannelType
  /** Public token the widget uses. */
  inbox_token: string
  /** Identity-verification secret; given to administrators only. */
  hmac_secret?: string
  hmac_mandatory: boolean
  greeting: string
  /** The widget asks for a name and an email before the chat. */
  prechat_enabled: boolean
  /** With the form on, the email is required (a verified visitor is exempt). */
  prechat_require_email: boolean
  /** Line shown above the pre-chat form (at most PRECHAT_MESSAGE_MAX characters). */
  prechat_message: string
  /** HTML to paste into a site (web_widget inboxes). */
  widget_snippet?: string
  created_at: string
}

/** The longest pre-chat intro line the server takes, in characters. */
export const PRECHAT_MESSAGE_MAX = 500

/** The pre-chat form settings of an inbox, as sent on create and update. */
export interface InboxPrechat {
  prechat_enabled?: boolean
  prechat_require_email?: boolean
  prechat_message?: string
}

export interface InboxInput extends InboxPrechat {
  name: string
  channel_type: ChannelType
  greeting?: string
  hmac_mandatory?: boolean
}

export interface InboxPatch extends InboxPrechat {
  name?: string
  greeting?: string
  hmac_mandatory?: boolean
}

export interface ArticleEmbedding {
  /** ready: chunks made from this version; pending: the embedding job has yet to run. */
  status: 'ready' | 'pending'
  embedder: string
  embedded_version: number
  chunks: number
  embedded_at: string | null
}

export interface Article {
  id: number
  title: string
  content: string
  tags: string[]
  /** Only published articles are searched. */
  published: boolean
  version: number
  embedding: ArticleEmbedding
  created_at: string
  updated_at: string
}

export interface ArticleInput {
  title: string
  content: string
  tags?: string[]
  published?: boolean
}

export interface ArticlePatch {
  title?: string
  content?: string
  tags?: string[]
  published?: boolean
}

export interface ArticleChunk {
  id: number
  /** Position in the article, from 0. */
  ordinal: number
  content: string
  embedder: string
  dim: number
  created_at: string
}

export interface KBScores {
  /** Cosine similarity, -1..1. */
  similarity: number
  /** Place among the nearest neighbours (null: not among the 50 nearest). */
  vector_rank: number | null
  /** Place in the full-text results (null: no word in common). */
  text_rank: number | null
  text_score: number
  /** Reciprocal rank fusion; hits are ordered by it. */
  fused: number
}

export interface KBSearchHit {
  article_id: number
  article_title: string
  chunk_id: number
  ordinal: number
  chunk: string
  scores: KBScores
}

export interface KBSearchResult {
  query: string
  embedder: string
  data: KBSearchHit[]
}

/** '' means the server's default provider. */
export type AIProvider = '' | 'local' | 'anthropic' | 'openai'

export interface AISettings {
  account_id: number
  provider: AIProvider
  model: string
  base_url: string
  /** A key is stored (the key itself is never shown). */
  has_api_key: boolean
  /** Confidence above which conversations are assigned automatically, 0..1. */
  threshold: number
  auto_assign: boolean
  drafts: boolean
  business_hours: string
  updated_at: string
}

/** Body of PATCH .../ai/settings. api_key is write-only: '' removes it, absent keeps it. */
export interface AISettingsPatch {
  provider?: 'default' | 'local' | 'anthropic' | 'openai'
  model?: string
  base_url?: string
  api_key?: string
  threshold?: number
  auto_assign?: boolean
  drafts?: boolean
  business_hours?: string
}

export interface AIFieldAccuracy {
  provider: string
  field: string
  total: number
  corrected: number
  accuracy: number
}

export interface AIMetrics {
  since: string
  classified: number
  auto_assign_rate: number
  team_queue_rate: number
  accuracy: AIFieldAccuracy[]
  latency_avg_ms: number
  latency_max_ms: number
  cost_usd: number
  input_tokens: number
  output_tokens: number
  /** Drafts by status (pending, accepted, edited, rejected). */
  drafts: Record<string, number> | null
  draft_acceptance_rate: number
  draft_as_is_rate: number
  drafts_pending: number
}

export interface Account {
  id: number
  name: string
  created_at: string
}
