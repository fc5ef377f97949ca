package local

// Priority rules from the product specification, applied after the model:
//
//   - "security": a security issue (hacked account, suspicious login, data
//     leak, phishing) is urgent;
//   - "outage": a service outage report (everything down, nobody can log
//     in, production stopped) is urgent;
//   - "payment-failure": a payment that fails (card declined, service about
//     to be cut off) is urgent;
//   - "escalation": a complaint already raised, a demand for a manager or a
//     threat to cancel is at least high.
//
// A rule fires when its concept from the lexicon (lexicon.go) is in the
// message and the model gives the rule's priority at least MinProb. The
// threshold is chosen on the held-out folds of the training corpus, and a
// rule that does not improve held-out priority accuracy is left out of the
// model (Model.Info().Rules lists the kept ones), so the rules can only
// correct the model where the corpus says they help.

// priorityRule raises the priority when a concept is present.
type priorityRule struct {
	Name    string  `json:"name"`
	Concept string  `json:"concept"`
	Set     string  `json:"set"`
	MinProb float64 `json:"min_prob"`
}

// candidateRules are the rules the trainer may keep.
var candidateRules = []priorityRule{
	{Name: "security", Concept: "security", Set: "urgent"},
	{Name: "outage", Concept: "outage", Set: "urgent"},
	{Name: "payment-failure", Concept: "payment_failure", Set: "urgent"},
	{Name: "escalation", Concept: "escalation", Set: "high"},
}

var priorityRank = map[string]int{"urgent": 3, "high": 2, "normal": 1, "low": 0}

func conceptID(name string) int {
	for i, c := range lexicon {
		if c.name == name {
			return i
		}
	}
	return -1
}

// applyRules returns the priority after the rules, and the name of the rule
// that set it ("" when the model's answer stands). A rule only raises.
func applyRules(rules []priorityRule, pri string, probs []float64, hits []conceptHit) (string, string) {
	fired := ""
	for _, r := range rules {
		if priorityRank[r.Set] <= priorityRank[pri] || probs[labelIndex(Priorities, r.Set)] < r.MinProb {
			continue
		}
		id := conceptID(r.Concept)
		for _, h := range hits {
			if h.concept == id {
				pri, fired = r.Set, r.Name
				break
			}
		}
	}
	return pri, fired
}
