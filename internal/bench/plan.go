package bench

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strconv"
	"time"
)

// seedVersion changes whenever the generated data changes shape, so an old
// benchmark database is reseeded instead of reused.
const seedVersion = 1

// zipfExponent spreads conversations over accounts: with 100 accounts the
// largest holds about 21% of them, the smallest about 0.17%.
const zipfExponent = 1.05

// Sizes is how much data a benchmark database holds.
type Sizes struct {
	Accounts      int
	Conversations int
	Messages      int
}

// DefaultSizes are the sizes the performance target is stated for.
var DefaultSizes = Sizes{Accounts: 100, Conversations: 100_000, Messages: 1_000_000}

// Validate checks that every account gets a conversation and every
// conversation a message.
func (s Sizes) Validate() error {
	switch {
	case s.Accounts < 1:
		return errors.New("bench: at least one account is needed")
	case s.Conversations < 2*s.Accounts:
		return errors.New("bench: at least two conversations per account are needed")
	case s.Messages < s.Conversations:
		return errors.New("bench: at least one message per conversation is needed")
	}
	return nil
}

// marker is the comment a fully seeded database carries.
func (s Sizes) marker() string {
	return fmt.Sprintf("hummdesk-bench seed v%d: %d accounts, %d conversations, %d messages",
		seedVersion, s.Accounts, s.Conversations, s.Messages)
}

// The benchmark agent: an agent (not an administrator) of the largest
// account, created through the store with a real password hash.
const (
	AgentEmail    = "bench-agent@example.com"
	AgentPassword = "bench-agent-password"
	AgentName     = "Bench Agent"
)

var (
	statuses   = [...]string{"open", "pending", "snoozed", "resolved"}
	priorities = [...]string{"urgent", "high", "normal", "low", "none"}
	channels   = [...]string{"web_widget", "email", "api"}
	teamNames  = [...]string{"Support", "Billing", "Technical", "Sales", "Onboarding", "Enterprise", "Returns", "VIP"}
	firstNames = [...]string{"Aino", "Bo", "Chloé", "Dmitri", "Emma", "Farid", "Greta", "Hiro", "Ines", "Jonas",
		"Kaisa", "Liam", "Maja", "Noah", "Olga", "Pedro", "Quinn", "Rosa", "Sami", "Tuuli", "Uma", "Viktor", "Wen", "Yara", "Zoe"}
	lastNames = [...]string{"Virtanen", "Lindqvist", "Martin", "Ivanov", "Schmidt", "Haddad", "Nilsson", "Tanaka",
		"García", "Berg", "Korhonen", "Murphy", "Jensen", "Rossi", "Novak", "Silva", "Kim", "Dubois", "Laine", "Smith"}
)

// accountPlan is one account's shape.
type accountPlan struct {
	id            int64
	name          string
	conversations int
	createdAt     time.Time
	admin         int64
	agents        []int64
	agentCum      []float64 // cumulative assignment weights of agents
	teams         []int64
	agentTeams    map[int64][]int64
	inboxes       []int64
	firstContact  int64
	contacts      int
}

type userRow struct {
	id          int64
	name, email string
}

type memberRow struct {
	accountID, userID int64
	role, avail       string
	maxConcurrent     int32
}

type teamRow struct {
	id, accountID int64
	name          string
}

type teamMemberRow struct{ accountID, teamID, userID int64 }

type inboxRow struct {
	id, accountID int64
	name, channel string
	token, secret string
}

// convRow is one planned conversation; zero ids and times mean NULL.
type convRow struct {
	account       *accountPlan
	displayID     int64
	inboxID       int64
	contactID     int64
	status        uint8
	priority      uint8
	assigneeID    int64
	teamID        int64
	snoozedUntil  time.Time
	lastActivity  time.Time
	createdAt     time.Time
	version       int32
	messages      int32
	lastMessageID int64
}

// plan is the whole data set, except contacts and messages, which are
// generated while they stream into COPY.
type plan struct {
	sizes       Sizes
	now         time.Time
	accounts    []*accountPlan
	users       []userRow
	members     []memberRow
	teams       []teamRow
	teamMembers []teamMemberRow
	inboxes     []inboxRow
	convs       []convRow // index i has id i+1
}

// accountSizes splits n conversations over the accounts Zipf-like, largest
// first, at least two each.
func accountSizes(s Sizes) []int {
	w := make([]float64, s.Accounts)
	var sum float64
	for i := range w {
		w[i] = 1 / math.Pow(float64(i+1), zipfExponent)
		sum += w[i]
	}
	spare := s.Conversations - 2*s.Accounts
	out := make([]int, s.Accounts)
	left := s.Conversations
	for i := range out {
		out[i] = 2 + int(float64(spare)*w[i]/sum)
		left -= out[i]
	}
	out[0] += left // rounding remainder to the largest
	return out
}

// planAccounts lays out the accounts; their ids are 1..n, largest first.
func planAccounts(s Sizes, now time.Time) []*accountPlan {
	sizes := accountSizes(s)
	out := make([]*accountPlan, len(sizes))
	for i, n := range sizes {
		out[i] = &accountPlan{id: int64(i + 1), name: fmt.Sprintf("Bench Account %03d", i+1), conversations: n,
			createdAt: now.Add(-time.Duration(400+i) * 24 * time.Hour)}
	}
	return out
}

func clamp(v, lo, hi int) int { return min(max(v, lo), hi) }

// newPlan generates everything but contacts and messages. benchUser is the
// benchmark agent, already a member of account 1; other users get ids from
// firstUser on, teams, inboxes, contacts and conversations from 1.
func newPlan(s Sizes, accounts []*accountPlan, benchUser, firstUser int64, now time.Time) *plan {
	rng := rand.New(rand.NewPCG(2026, 11))
	p := &plan{sizes: s, now: now, accounts: accounts}
	nextUser, nextTeam, nextInbox, nextContact := firstUser, int64(1), int64(1), int64(1)
	for _, a := range accounts {
		// Administrator and agents.
		admin := nextUser
		nextUser++
		a.admin = admin
		p.users = append(p.users, userRow{id: admin, name: personName(rng), email: fmt.Sprintf("admin-%d@acct%d.example.com", admin, a.id)})
		p.members = append(p.members, memberRow{accountID: a.id, userID: admin, role: "administrator", avail: "online", maxConcurrent: 10})
		nAgents := clamp(2+a.conversations/600, 2, 40)
		var weight float64
		for i := 0; i < nAgents; i++ {
			var id int64
			w := 0.5 + rng.Float64()
			if a.id == 1 && i == 0 {
				id = benchUser // created through the store already
				w = 2
			} else {
				id = nextUser
				nextUser++
				p.users = append(p.users, userRow{id: id, name: personName(rng), email: fmt.Sprintf("agent-%d@acct%d.example.com", id, a.id)})
				p.members = append(p.members, memberRow{accountID: a.id, userID: id, role: "agent",
					avail: [...]string{"online", "busy", "offline"}[rng.IntN(3)], maxConcurrent: int32(5 + rng.IntN(20))})
			}
			weight += w
			a.agents = append(a.agents, id)
			a.agentCum = append(a.agentCum, weight)
		}
		// Teams, each agent in one or two.
		nTeams := clamp(1+nAgents/6, 1, len(teamNames))
		for i := 0; i < nTeams; i++ {
			a.teams = append(a.teams, nextTeam)
			p.teams = append(p.teams, teamRow{id: nextTeam, accountID: a.id, name: teamNames[i]})
			nextTeam++
		}
		a.agentTeams = map[int64][]int64{}
		for i, ag := range a.agents {
			ts := []int64{a.teams[i%nTeams]}
			if nTeams > 1 && rng.IntN(10) < 3 {
				ts = append(ts, a.teams[(i+1)%nTeams])
			}
			a.agentTeams[ag] = ts
			for _, t := range ts {
				p.teamMembers = append(p.teamMembers, teamMemberRow{accountID: a.id, teamID: t, userID: ag})
			}
		}
		// Inboxes.
		nInboxes := clamp(1+a.conversations/5000, 1, 5)
		for i := 0; i < nInboxes; i++ {
			ch := channels[i%len(channels)]
			a.inboxes = append(a.inboxes, nextInbox)
			p.inboxes = append(p.inboxes, inboxRow{id: nextInbox, accountID: a.id, name: fmt.Sprintf("%s %d", ch, i+1), channel: ch,
				token: fmt.Sprintf("bench-%d-%016x", nextInbox, rng.Uint64()), secret: fmt.Sprintf("%016x%016x", rng.Uint64(), rng.Uint64())})
			nextInbox++
		}
		// Contacts: fewer than conversations, so some come back.
		a.firstContact = nextContact
		a.contacts = max(1, a.conversations*6/10)
		nextContact += int64(a.contacts)
	}
	p.planConversations(rng)
	p.planMessageCounts(rng)
	return p
}

func personName(rng *rand.Rand) string {
	return firstNames[rng.IntN(len(firstNames))] + " " + lastNames[rng.IntN(len(lastNames))]
}

// pick returns an index into a cumulative weight slice.
func pick(rng *rand.Rand, cum []float64) int {
	x := rng.Float64() * cum[len(cum)-1]
	return min(sort.SearchFloat64s(cum, x), len(cum)-1)
}

var (
	recentStatus = []float64{45, 65, 75, 100} // cumulative: open, pending, snoozed, resolved
	oldStatus    = []float64{7, 12, 15, 100}
	priorityCum  = []float64{5, 20, 50, 60, 100} // urgent, high, normal, low, none
)

// planConversations spreads conversations over the last 180 days, more of
// them recent; recent ones are mostly still open, old ones resolved. Ids
// follow creation time across accounts, display ids within each account.
func (p *plan) planConversations(rng *rand.Rand) {
	const window = 180 * 24 * time.Hour
	p.convs = make([]convRow, 0, p.sizes.Conversations)
	for _, a := range p.accounts {
		for i := 0; i < a.conversations; i++ {
			u := rng.Float64()
			created := p.now.Add(-time.Duration(u * u * float64(window)))
			// Activity continues for an exponential while (mean 2 days).
			act := created.Add(time.Duration(rng.ExpFloat64() * float64(48*time.Hour)))
			if act.After(p.now) {
				act = p.now.Add(-time.Duration(rng.IntN(3600)) * time.Second)
			}
			if act.Before(created) {
				act = created
			}
			c := convRow{account: a, createdAt: created.Truncate(time.Microsecond), lastActivity: act.Truncate(time.Microsecond),
				inboxID: a.inboxes[rng.IntN(len(a.inboxes))], contactID: a.firstContact + int64(rng.IntN(a.contacts)),
				priority: uint8(pick(rng, priorityCum)), version: int32(1 + rng.IntN(6))}
			if p.now.Sub(act) < 7*24*time.Hour {
				c.status = uint8(pick(rng, recentStatus))
			} else {
				c.status = uint8(pick(rng, oldStatus))
			}
			assigned := 80
			if statuses[c.status] == "resolved" {
				assigned = 95
			}
			if rng.IntN(100) < assigned {
				c.assigneeID = a.agents[pick(rng, a.agentCum)]
			}
			if rng.IntN(100) < 70 {
				if ts := a.agentTeams[c.assigneeID]; len(ts) > 0 && rng.IntN(4) > 0 {
					c.teamID = ts[rng.IntN(len(ts))]
				} else {
					c.teamID = a.teams[rng.IntN(len(a.teams))]
				}
			}
			if statuses[c.status] == "snoozed" {
				c.snoozedUntil = p.now.Add(time.Duration(1+rng.IntN(7*24)) * time.Hour).Truncate(time.Microsecond)
			}
			p.convs = append(p.convs, c)
		}
	}
	sort.SliceStable(p.convs, func(i, j int) bool { return p.convs[i].createdAt.Before(p.convs[j].createdAt) })
	seq := map[*accountPlan]int64{}
	for i := range p.convs {
		c := &p.convs[i]
		seq[c.account]++
		c.displayID = seq[c.account]
	}
}

// planMessageCounts gives every conversation at least one message and
// spreads the rest exponentially (a few long threads, many short ones),
// hitting the total exactly. Message ids follow conversation ids.
func (p *plan) planMessageCounts(rng *rand.Rand) {
	n := len(p.convs)
	w := make([]float64, n)
	var sum float64
	for i := range w {
		w[i] = rng.ExpFloat64()
		sum += w[i]
	}
	spare := p.sizes.Messages - n
	total := 0
	for i := range p.convs {
		p.convs[i].messages = int32(1 + int(float64(spare)*w[i]/sum))
		total += int(p.convs[i].messages)
	}
	for ; total < p.sizes.Messages; total++ {
		p.convs[rng.IntN(n)].messages++
	}
	var last int64
	for i := range p.convs {
		last += int64(p.convs[i].messages)
		p.convs[i].lastMessageID = last
	}
}

// Message texts, by sender.
var (
	contactLines = [...]string{
		"Hi, I was charged twice for my subscription this month.", "The app crashes when I open the settings page.",
		"Can you help me change the email address on my account?", "My order has not arrived yet and the tracking has not moved.",
		"How do I export my invoices as PDF?", "I cannot log in since the last update.", "Is there a discount for annual plans?",
		"The password reset link in your email has expired.", "Thanks, that worked!", "Any update on this?",
		"I'd like to cancel my plan at the end of the month.", "The integration with our CRM stopped syncing yesterday.",
		"Could you call me back tomorrow morning?", "I attached a screenshot of the error.", "Still not working, sorry.",
	}
	agentLines = [...]string{
		"Thanks for reaching out, I'm looking into it now.", "I've refunded the duplicate charge; it shows within 5 days.",
		"Could you tell me which browser and version you use?", "I've escalated this to our technical team.",
		"You can export invoices under Billing > History.", "I've sent you a new password reset link.",
		"Your order left our warehouse this morning.", "Happy to help! Is there anything else?",
		"I've updated the email address on your account.", "We've released a fix; please update the app.",
	}
	noteLines   = [...]string{"Customer is on the enterprise plan.", "Checked the logs: payment gateway timeout.", "Second contact about this issue."}
	systemLines = [...]string{"Conversation assigned.", "Conversation reopened by the customer.", "Conversation snoozed.", "Conversation resolved."}
	aiLines     = [...]string{"Category: billing, priority high (confidence 0.91).", "Category: technical, priority normal (confidence 0.78).",
		"Suggested team: Support (confidence 0.88)."}
)

// messageText builds one to three lines of text.
func messageText(rng *rand.Rand, lines []string) string {
	s := lines[rng.IntN(len(lines))]
	for k := rng.IntN(3); k > 0; k-- {
		s += " " + lines[rng.IntN(len(lines))]
	}
	return s
}

func contactFields(rng *rand.Rand, id int64) (name, email, phone string, identifier *string, attrs string) {
	f, l := firstNames[rng.IntN(len(firstNames))], lastNames[rng.IntN(len(lastNames))]
	name = f + " " + l
	email = fmt.Sprintf("customer%d@mail%d.example.net", id, id%17)
	if rng.IntN(10) < 7 {
		phone = "+1555" + strconv.Itoa(1_000_000+rng.IntN(9_000_000))
	}
	if rng.IntN(10) < 4 {
		s := "ext-" + strconv.FormatInt(id, 10)
		identifier = &s
	}
	attrs = fmt.Sprintf(`{"plan":%q,"signup_year":%d}`, [...]string{"free", "pro", "enterprise"}[rng.IntN(3)], 2018+rng.IntN(8))
	return
}
