// Package realtime is HummDesk's push layer: a centrifuge node inside every
// `hummdesk serve`, with WebSocket, SSE and HTTP-streaming transports, an
// in-memory broker on one node and a Redis broker (publications, history,
// presence) across nodes. Every subscription is checked on the server
// against the database; pushes are hints that carry ids and versions.
package realtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/centrifugal/centrifuge"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"hummdesk/internal/auth"
	"hummdesk/internal/desk"
	"hummdesk/internal/store"
)

// History kept per channel for recovery after a reconnect.
const (
	HistorySize = 200
	HistoryTTL  = 10 * time.Minute
)

// Config configures the node.
type Config struct {
	Store    *store.Store
	Signer   *auth.Signer
	Logger   *slog.Logger
	Registry *prometheus.Registry
	// RedisURL, when set, makes the node share publications, history and
	// presence with every other node through Redis.
	RedisURL string
	// RedisPrefix prefixes the broker's keys and channels (default
	// "hummdesk").
	RedisPrefix string
	// NodeName names this node in centrifuge's node info.
	NodeName string
}

// Node is the real-time server of one process.
type Node struct {
	prefix string
	node   *centrifuge.Node
	store  *store.Store
	signer *auth.Signer
	log    *slog.Logger
	// presence records this node's agent connections (presence.go).
	presence *presence

	// published collects the ids of events this node published right
	// after commit; the relay marks them in batches.
	mu        sync.Mutex
	published []int64
	// brokerDownUntil (unix nanoseconds) is set when a publish fails: until
	// then commits leave their events to the relay (relay.go).
	brokerDownUntil atomic.Int64
}

// connInfo is what a connection is, kept as its credentials' info.
type connInfo struct {
	Kind      string `json:"k"` // "agent" or "contact"
	UserID    int64  `json:"u,omitempty"`
	ContactID int64  `json:"c,omitempty"`
	AccountID int64  `json:"a,omitempty"` // contacts only
	InboxID   int64  `json:"i,omitempty"` // contacts only
	IssuedAt  int64  `json:"t,omitempty"` // agents: token issued-at (unix microseconds)
}

// New builds the node; Run starts it.
func New(cfg Config) (*Node, error) {
	log := cfg.Logger
	cn, err := centrifuge.New(centrifuge.Config{
		Name:     cfg.NodeName,
		LogLevel: centrifuge.LogLevelWarn,
		LogHandler: func(e centrifuge.LogEntry) {
			log.Warn("realtime: "+e.Message, slog.Any("fields", e.Fields))
		},
		ClientQueueMaxSize: 1 << 20,
		ClientChannelLimit: 512,
		HistoryMetaTTL:     24 * time.Hour,
		Metrics:            centrifuge.MetricsConfig{MetricsNamespace: "hummdesk_realtime", RegistererGatherer: cfg.Registry},
	})
	if err != nil {
		return nil, err
	}
	n := &Node{node: cn, store: cfg.Store, signer: cfg.Signer, log: log}
	n.presence = newPresence(n, cn.ID())
	if n.prefix = cfg.RedisPrefix; n.prefix == "" {
		n.prefix = "hummdesk"
	}
	if cfg.RedisURL != "" {
		if err := n.useRedis(cfg.RedisURL); err != nil {
			return nil, err
		}
	}
	cn.OnConnecting(n.connecting)
	cn.OnConnect(n.connect)
	return n, nil
}

func (n *Node) useRedis(url string) error {
	opts, err := redis.ParseURL(url)
	if err != nil {
		return fmt.Errorf("REDIS_URL: %w", err)
	}
	shard, err := centrifuge.NewRedisShard(n.node, centrifuge.RedisShardConfig{
		Address: opts.Addr, DB: opts.DB, User: opts.Username, Password: opts.Password, TLSConfig: opts.TLSConfig,
	})
	if err != nil {
		return fmt.Errorf("realtime redis: %w", err)
	}
	broker, err := centrifuge.NewRedisBroker(n.node, centrifuge.RedisBrokerConfig{Prefix: n.prefix, Shards: []*centrifuge.RedisShard{shard}})
	if err != nil {
		return fmt.Errorf("realtime redis broker: %w", err)
	}
	n.node.SetBroker(broker)
	pm, err := centrifuge.NewRedisPresenceManager(n.node, centrifuge.RedisPresenceManagerConfig{Prefix: n.prefix, Shards: []*centrifuge.RedisShard{shard}})
	if err != nil {
		return fmt.Errorf("realtime redis presence: %w", err)
	}
	n.node.SetPresenceManager(pm)
	return nil
}

// Run starts the node (and its broker connections).
func (n *Node) Run() error { return n.node.Run() }

// Shutdown disconnects clients (they reconnect to another node) and stops.
func (n *Node) Shutdown(ctx context.Context) error { return n.node.Shutdown(ctx) }

// Handlers returns the transport endpoints, mounted under /connection/.
func (n *Node) Handlers() map[string]http.Handler {
	return map[string]http.Handler{
		// Most connections are idle, and an idle connection should cost
		// little memory (the connections benchmark measures it):
		//   - small read buffers (clients send pongs, subscribes, refreshes
		//     and typing: small frames; bigger ones bypass the buffer) and
		//     pooled write buffers;
		//   - commands run off the read loop: the subscribe check goes down
		//     into the database, and a goroutine's stack keeps the largest
		//     size it ever reached, so the connection's one long-lived
		//     reader would otherwise hold that deep stack for its lifetime.
		// The per-connection writer goroutine stays: centrifuge's timer
		// writer (WriteWithTimer) would save its stack too, but it writes
		// under the lock a broadcast takes to enqueue, so one client slow
		// to read would hold up the fan-out to everyone for as long as the
		// write timeout.
		"/connection/websocket": centrifuge.NewWebsocketHandler(n.node, centrifuge.WebsocketConfig{
			CheckOrigin:                func(*http.Request) bool { return true },
			ReadBufferSize:             512,
			WriteBufferSize:            1024,
			UseWriteBufferPool:         true,
			ProcessCommandsOffReadLoop: true,
		}),
		"/connection/sse":         centrifuge.NewSSEHandler(n.node, centrifuge.SSEConfig{}),
		"/connection/http_stream": centrifuge.NewHTTPStreamHandler(n.node, centrifuge.HTTPStreamConfig{}),
		// SSE and HTTP streaming carry the server's frames only; the client
		// sends its commands (subscribe, refresh, publish) here, and the
		// node holding the stream (this one or another, through the
		// broker's control channel) runs them.
		"/connection/emulation": centrifuge.NewEmulationHandler(n.node, centrifuge.EmulationConfig{}),
	}
}

// connecting authenticates a connection with an agent access token or a
// widget contact token. Expiring agent tokens must be refreshed by the
// client (centrifuge's refresh with a new access token).
func (n *Node) connecting(ctx context.Context, e centrifuge.ConnectEvent) (centrifuge.ConnectReply, error) {
	if e.Token == "" {
		return centrifuge.ConnectReply{}, centrifuge.DisconnectInvalidToken
	}
	if c, err := n.signer.VerifyAccess(e.Token); err == nil {
		info, _ := json.Marshal(connInfo{Kind: "agent", UserID: c.UserID, IssuedAt: c.IssuedAt.UnixMicro()})
		return centrifuge.ConnectReply{
			Credentials:       &centrifuge.Credentials{UserID: agentUser(c.UserID), ExpireAt: c.Expires.Unix(), Info: info},
			ClientSideRefresh: true,
		}, nil
	}
	if c, err := n.signer.VerifyContact(e.Token); err == nil {
		info, _ := json.Marshal(connInfo{Kind: "contact", ContactID: c.ContactID, AccountID: c.AccountID, InboxID: c.InboxID})
		return centrifuge.ConnectReply{
			Credentials: &centrifuge.Credentials{UserID: contactUser(c.ContactID), Info: info},
		}, nil
	}
	return centrifuge.ConnectReply{}, centrifuge.DisconnectInvalidToken
}

func agentUser(id int64) string   { return "u" + strconv.FormatInt(id, 10) }
func contactUser(id int64) string { return "c" + strconv.FormatInt(id, 10) }

func (n *Node) connect(client *centrifuge.Client) {
	var info connInfo
	_ = json.Unmarshal(client.Info(), &info)
	client.OnRefresh(func(e centrifuge.RefreshEvent, cb centrifuge.RefreshCallback) {
		c, err := n.signer.VerifyAccess(e.Token)
		if err != nil || info.Kind != "agent" || c.UserID != info.UserID {
			cb(centrifuge.RefreshReply{Expired: true}, nil)
			return
		}
		cb(centrifuge.RefreshReply{ExpireAt: c.Expires.Unix()}, nil)
	})
	client.OnSubscribe(func(e centrifuge.SubscribeEvent, cb centrifuge.SubscribeCallback) {
		ch, err := ParseChannel(e.Channel)
		if err != nil {
			cb(centrifuge.SubscribeReply{}, centrifuge.ErrorUnknownChannel)
			return
		}
		ctx, cancel := context.WithTimeout(client.Context(), 5*time.Second)
		defer cancel()
		if err := n.authorize(ctx, info, ch); err != nil {
			if !errors.Is(err, errDenied) {
				n.log.Warn("realtime: subscribe check failed", slog.String("channel", e.Channel), slog.Any("error", err))
			}
			cb(centrifuge.SubscribeReply{}, centrifuge.ErrorPermissionDenied)
			return
		}
		if ch.Kind == KindAccount && info.Kind == "agent" {
			// Counted before the reply: centrifuge ends every allowed
			// attempt with exactly one OnUnsubscribe, which uncounts it.
			n.presence.add(ch.AccountID, info.UserID, 1)
		}
		cb(centrifuge.SubscribeReply{Options: centrifuge.SubscribeOptions{
			EnableRecovery:    true,
			EnablePositioning: true,
		}}, nil)
	})
	client.OnUnsubscribe(func(e centrifuge.UnsubscribeEvent) {
		if ch, err := ParseChannel(e.Channel); err == nil && ch.Kind == KindAccount && info.Kind == "agent" {
			n.presence.add(ch.AccountID, info.UserID, -1)
		}
	})
	client.OnPublish(func(e centrifuge.PublishEvent, cb centrifuge.PublishCallback) {
		// The only thing clients publish is typing, into conversation
		// channels they are subscribed to (checked on subscribe).
		ch, err := ParseChannel(e.Channel)
		if err != nil || ch.Kind != KindConversation || !client.IsSubscribed(e.Channel) {
			cb(centrifuge.PublishReply{}, centrifuge.ErrorPermissionDenied)
			return
		}
		var in struct {
			Type   string `json:"type"`
			Typing bool   `json:"typing"`
		}
		if json.Unmarshal(e.Data, &in) != nil || in.Type != "typing" {
			cb(centrifuge.PublishReply{}, centrifuge.ErrorBadRequest)
			return
		}
		ev := map[string]any{"type": "typing", "conversation_id": ch.ID, "typing": in.Typing, "sender_type": "contact"}
		if info.Kind == "agent" {
			ev["sender_type"], ev["sender_id"] = "agent", info.UserID
		}
		data, _ := json.Marshal(ev)
		res, err := n.node.Publish(e.Channel, data)
		if err != nil {
			cb(centrifuge.PublishReply{}, centrifuge.ErrorInternal)
			return
		}
		cb(centrifuge.PublishReply{Result: &res}, nil)
	})
}

var errDenied = errors.New("denied")

// authorize decides a subscription against the database: agents must be
// members of the channel's account (and the owner of an agent channel);
// contacts may only join the channels of their own conversations.
func (n *Node) authorize(ctx context.Context, info connInfo, ch Channel) error {
	switch info.Kind {
	case "agent":
		if ch.Kind == KindAgent && ch.ID != info.UserID {
			return errDenied
		}
		return n.store.ReadTx(ctx, ch.AccountID, func(tx *store.Tx) error {
			a, err := tx.AgentAuthGet(ctx, info.UserID)
			if err != nil {
				if desk.IsNotFound(err) {
					return errDenied
				}
				return err
			}
			if info.IssuedAt < a.TokensValidAfter.UnixMicro() {
				return errDenied
			}
			if ch.Kind == KindConversation {
				if _, err := tx.ConversationGet(ctx, ch.ID); err != nil {
					if desk.IsNotFound(err) {
						return errDenied
					}
					return err
				}
			}
			return nil
		})
	case "contact":
		if ch.Kind != KindConversation || ch.AccountID != info.AccountID {
			return errDenied
		}
		return n.store.ReadTx(ctx, ch.AccountID, func(tx *store.Tx) error {
			c, err := tx.ConversationGet(ctx, ch.ID)
			if err != nil {
				if desk.IsNotFound(err) {
					return errDenied
				}
				return err
			}
			if c.ContactID != info.ContactID || c.InboxID != info.InboxID {
				return errDenied
			}
			return nil
		})
	}
	return errDenied
}

// Publish sends data to a channel with history, so clients that reconnect
// recover what they missed.
func (n *Node) Publish(channel string, data []byte, idempotencyKey string) error {
	opts := []centrifuge.PublishOption{centrifuge.WithHistory(HistorySize, HistoryTTL)}
	if idempotencyKey != "" {
		opts = append(opts, centrifuge.WithIdempotencyKey(idempotencyKey))
	}
	_, err := n.node.Publish(channel, data, opts...)
	return err
}

// DisconnectAgent closes every connection of a user on every node (used
// when the user is removed from an account or changes password); clients
// reconnect and their subscriptions are checked again.
func (n *Node) DisconnectAgent(userID int64) error {
	return n.node.Disconnect(agentUser(userID), centrifuge.WithCustomDisconnect(centrifuge.DisconnectForceReconnect))
}
