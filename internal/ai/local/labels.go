package local

// The label sets of the classification schema, in the order used by the
// probability arrays of Prediction.
var (
	Categories = []string{"billing", "technical", "sales", "general"}
	Priorities = []string{"urgent", "high", "normal", "low"}
	Sentiments = []string{"positive", "neutral", "negative", "angry", "frustrated"}
	// Languages are the languages the classifier is trained on. Detection
	// also answers with the ISO 639-1 code of a few others (see langid.go)
	// and "und" for text with no letters.
	Languages = []string{"fi", "en", "sv", "de", "fr"}
)

// Heads of the label model: each is a softmax over its labels, sharing the
// features.
const (
	headCategory = iota
	headPriority
	headSentiment
	numHeads
)

var headLabels = [numHeads][]string{Categories, Priorities, Sentiments}

var headNames = [numHeads]string{"category", "priority", "sentiment"}

// numCols is the number of labels of all heads: the width of a weight row.
const numCols = 13

// headOffset is the first column of each head in a weight row.
var headOffset [numHeads]int

func init() {
	n := 0
	for h, labels := range headLabels {
		headOffset[h] = n
		n += len(labels)
	}
	if n != numCols {
		panic("local: numCols does not match the label sets")
	}
	if len(lexicon) > 64 {
		panic("local: the matcher tracks at most 64 concepts")
	}
}

func labelIndex(labels []string, l string) int {
	for i, x := range labels {
		if x == l {
			return i
		}
	}
	return -1
}
