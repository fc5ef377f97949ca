// Package seed creates the demo account that `make run` shows a newcomer:
// two teams, three agents, a web-widget inbox, contacts, conversations and
// knowledge-base articles. Given the running services, the customers'
// messages go through the same path as real ones (classified, drafted) and
// the articles are embedded, so the AI side of the desk is alive at once.
package seed

import (
	"context"
	"fmt"

	"hummdesk/internal/auth"
	"hummdesk/internal/conversation"
	"hummdesk/internal/desk"
	"hummdesk/internal/kb"
	"hummdesk/internal/store"
)

// Demo credentials, printed at start and listed in the README.
const (
	DemoEmail    = "demo@hummdesk.local"
	DemoPassword = "hummdesk-demo"
	// DemoInboxToken is the demo inbox's widget token, fixed so the README's
	// snippet works as written.
	DemoInboxToken = "demo-website-inbox"
)

// Result says what Demo did.
type Result struct {
	Created   bool
	AccountID int64
}

type agent struct {
	name, email string
	role        desk.Role
	avail       desk.Availability
}

var agents = []agent{
	{"Demo Admin", DemoEmail, desk.RoleAdministrator, desk.AvailabilityOnline},
	{"Aino Virtanen", "aino@hummdesk.local", desk.RoleAgent, desk.AvailabilityOnline},
	{"Bo Lindqvist", "bo@hummdesk.local", desk.RoleAgent, desk.AvailabilityBusy},
	{"Chloé Martin", "chloe@hummdesk.local", desk.RoleAgent, desk.AvailabilityOffline},
}

type line struct {
	contact bool
	text    string
}

type convo struct {
	contact  int
	priority desk.Priority
	status   desk.Status
	team     int // index into teams, -1 none
	assignee int // index into agents, -1 none
	id       int64
	messages []line
}

// Options are the services the demo's data goes through; each may be nil.
type Options struct {
	// Conversations posts the demo messages; with a job queue, the
	// customers' messages are classified like real ones.
	Conversations *conversation.Service
	// KB creates the articles and enqueues their embedding; without it the
	// articles are stored and the knowledge base's periodic sweep embeds
	// them.
	KB *kb.Service
}

// Demo creates the demo account unless its administrator already exists.
func Demo(ctx context.Context, st *store.Store, opts Options) (Result, error) {
	hash, err := auth.HashPassword(DemoPassword)
	if err != nil {
		return Result{}, err
	}
	var res Result
	userIDs := make([]int64, len(agents))
	err = st.SystemTx(ctx, func(tx *store.Tx) error {
		if u, err := tx.UserGetByEmail(ctx, DemoEmail); err == nil {
			ms, err := tx.MembershipsOfUser(ctx, u.ID)
			if err == nil && len(ms) > 0 {
				res.AccountID = ms[0].AccountID
			}
			return err
		} else if !desk.IsNotFound(err) {
			return err
		}
		acc, err := tx.AccountCreate(ctx, "Demo Desk")
		if err != nil {
			return err
		}
		res.AccountID, res.Created = acc.ID, true
		for i, a := range agents {
			u, err := tx.UserGetByEmail(ctx, a.email)
			if desk.IsNotFound(err) {
				u, err = tx.UserCreate(ctx, store.UserCreateParams{Name: a.name, Email: a.email, PasswordHash: hash})
			}
			if err != nil {
				return err
			}
			userIDs[i] = u.ID
			if _, err := tx.MemberAdd(ctx, acc.ID, store.MemberAddParams{UserID: u.ID, Role: a.role, MaxConcurrent: 8}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil || !res.Created {
		return res, err
	}
	var (
		seedInbox    desk.Inbox
		seedTeams    []desk.Team
		seedContacts []int64
	)
	err = st.Tx(ctx, res.AccountID, func(tx *store.Tx) error {
		for i, a := range agents {
			av := a.avail
			if _, err := tx.MemberUpdate(ctx, userIDs[i], store.MemberUpdateParams{Availability: &av}); err != nil {
				return err
			}
		}
		billing, err := tx.TeamCreate(ctx, "Billing", "Invoices, refunds, plans and payments")
		if err != nil {
			return err
		}
		technical, err := tx.TeamCreate(ctx, "Technical", "Outages, bugs, setup and integrations")
		if err != nil {
			return err
		}
		teams := []desk.Team{billing, technical}
		for _, m := range []struct{ team, agent int }{{0, 2}, {0, 1}, {1, 1}, {1, 3}} {
			if err := tx.TeamMemberAdd(ctx, teams[m.team].ID, userIDs[m.agent]); err != nil {
				return err
			}
		}
		inbox, err := tx.InboxCreate(ctx, desk.Inbox{Name: "Website", ChannelType: desk.ChannelWebWidget, Token: DemoInboxToken,
			HMACSecret: auth.RandomToken(32), Greeting: "Hi! How can we help you today?"})
		if err != nil {
			return err
		}
		contacts := []store.ContactParams{
			{Name: "Mark Ellison", Email: "mark.ellison@example.com", Phone: "+44 20 7946 0018", CustomAttributes: []byte(`{"tier":"premium","plan":"Business"}`)},
			{Name: "Liisa Korhonen", Email: "liisa.korhonen@example.fi", CustomAttributes: []byte(`{"tier":"standard"}`)},
			{Name: "Johan Berg", Email: "johan.berg@example.se", CustomAttributes: []byte(`{"tier":"enterprise","seats":150}`)},
			{Name: "Sophie Dubois", Email: "sophie.dubois@example.fr"},
			{Name: "Lukas Schneider", Email: "lukas.schneider@example.de", Phone: "+49 30 901820"},
			{Name: "Priya Nair", Email: "priya.nair@example.com", CustomAttributes: []byte(`{"tier":"premium"}`)},
		}
		contactIDs := make([]int64, len(contacts))
		for i, c := range contacts {
			ct, err := tx.ContactCreate(ctx, c)
			if err != nil {
				return err
			}
			contactIDs[i] = ct.ID
		}
		seedInbox, seedTeams, seedContacts = inbox, teams, contactIDs
		for _, art := range demoArticles {
			p := kb.ArticleParams{Title: art.title, Content: art.content, Tags: art.tags, Published: true}
			var err error
			if opts.KB != nil {
				_, err = opts.KB.CreateArticle(ctx, tx, p)
			} else {
				_, err = tx.KBArticleCreate(ctx, store.KBArticleParams{Title: p.Title, Content: p.Content, Tags: p.Tags, Published: true})
			}
			if err != nil {
				return fmt.Errorf("demo article %q: %w", art.title, err)
			}
		}
		return nil
	})
	if err != nil {
		return res, err
	}
	// Each conversation and message gets its own transaction, so their
	// timestamps differ and the list shows a realistic order.
	svc := opts.Conversations
	if svc == nil {
		svc = conversation.NewService(conversation.Options{})
	}
	for _, cv := range demoConversations() {
		err := st.Tx(ctx, res.AccountID, func(tx *store.Tx) error {
			p := conversation.StartParams{InboxID: seedInbox.ID, ContactID: seedContacts[cv.contact], Priority: cv.priority}
			if cv.team >= 0 {
				p.TeamID = &seedTeams[cv.team].ID
			}
			if cv.assignee >= 0 {
				p.AssigneeID = &userIDs[cv.assignee]
			}
			c, _, err := svc.Start(ctx, tx, p)
			cv.id = c.ID
			return err
		})
		if err != nil {
			return res, err
		}
		for _, m := range cv.messages {
			pp := conversation.PostParams{ConversationID: cv.id, Content: m.text}
			if m.contact {
				pp.SenderType, pp.SenderID = desk.SenderContact, &seedContacts[cv.contact]
			} else {
				pp.SenderType = desk.SenderAgent
				id := userIDs[max(cv.assignee, 0)]
				pp.SenderID = &id
			}
			if err := st.Tx(ctx, res.AccountID, func(tx *store.Tx) error {
				_, err := svc.Post(ctx, tx, pp)
				return err
			}); err != nil {
				return res, fmt.Errorf("demo message: %w", err)
			}
		}
		if cv.status != desk.StatusOpen {
			status := cv.status
			if err := st.Tx(ctx, res.AccountID, func(tx *store.Tx) error {
				_, err := tx.ConversationUpdate(ctx, cv.id, store.ConversationUpdateParams{Status: &status})
				return err
			}); err != nil {
				return res, err
			}
		}
	}
	return res, nil
}

func demoConversations() []convo {
	msg := func(contact bool, text string) line { return line{contact, text} }
	return []convo{
		{contact: 3, priority: desk.PriorityLow, status: desk.StatusResolved, team: -1, assignee: 1, messages: []line{
			msg(true, "Bonjour, comment puis-je changer l'adresse de facturation ?"),
			msg(false, "Bonjour Sophie, vous pouvez la modifier dans Paramètres → Facturation."),
			msg(true, "Parfait, merci beaucoup !"),
		}},
		{contact: 2, priority: desk.PriorityNormal, status: desk.StatusPending, team: -1, assignee: 1, messages: []line{
			msg(true, "Hej! Kan ni skicka en offert för 150 användare med årsavtal?"),
			msg(false, "Absolut, jag återkommer med en offert i dag."),
		}},
		{contact: 4, priority: desk.PriorityNone, status: desk.StatusOpen, team: -1, assignee: -1, messages: []line{
			msg(true, "Hallo, unterstützt eure API Webhooks für neue Nachrichten?"),
		}},
		{contact: 0, priority: desk.PriorityHigh, status: desk.StatusOpen, team: 0, assignee: 2, messages: []line{
			msg(true, "Hello, my March bill came to €64 but my plan is €39 per month. Could you check what the extra €25 is for?"),
			msg(false, "Hi Mark, thanks for reaching out. I'm looking into your March invoice now."),
		}},
		{contact: 1, priority: desk.PriorityUrgent, status: desk.StatusOpen, team: 1, assignee: -1, messages: []line{
			msg(true, "Kirjautuminen ei toimi ollenkaan, saan virheen 500 joka kerta. Koko tiimimme on jumissa!"),
		}},
	}
}

// demoArticles are the demo desk's knowledge base: what its conversations
// ask about, so that reply drafts cite something.
var demoArticles = []struct {
	title, content string
	tags           []string
}{
	{"Refunds for double charges", "If a card was charged twice for the same invoice, the duplicate payment is refunded automatically " +
		"within 5 business days to the original payment method. Agents can issue the refund at once from Billing > Payments. " +
		"The customer gets an email receipt when the refund is made. Bank processing can add 2-3 days before it shows on the statement.",
		[]string{"billing", "refunds"}},
	{"Changing or cancelling a plan", "Plans can be upgraded at any time; the difference is charged pro rata for the rest of the billing period. " +
		"Downgrades and cancellations take effect at the end of the current period, and the account keeps its features until then. " +
		"Annual plans cancelled within 30 days are refunded in full.",
		[]string{"billing", "plans"}},
	{"Login problems and password reset", "If a user cannot log in, first use Forgot password on the login page: the reset link is valid for one hour. " +
		"Accounts lock for 15 minutes after 10 failed attempts. If single sign-on is enabled, the password is managed by the company's identity provider. " +
		"An administrator can resend the invitation from Settings > Users.",
		[]string{"technical", "login"}},
	{"Webhooks and the API", "Webhooks are configured under Settings > Integrations: choose the events and the endpoint URL. " +
		"Each delivery is signed with an HMAC-SHA256 header, retried for 24 hours with backoff, and can be replayed from the log. " +
		"The REST API is described in the API reference; rate limits are 600 requests per minute per account.",
		[]string{"technical", "api"}},
	{"Kirjautumisongelmat ja salasanan vaihto", "Jos kirjautuminen ei onnistu, valitse kirjautumissivulla Unohtunut salasana: " +
		"vaihtolinkki on voimassa tunnin. Tili lukittuu 15 minuutiksi kymmenen epäonnistuneen yrityksen jälkeen. " +
		"Pääkäyttäjä voi lähettää kutsun uudelleen kohdasta Asetukset > Käyttäjät.",
		[]string{"technical", "login"}},
}
