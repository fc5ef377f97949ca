package local_test

import (
	"bytes"
	"hash/fnv"
	"math"
	"os"
	"runtime"
	"testing"

	"hummdesk/internal/ai/local"
)

// TestModelReproducible retrains from corpus/*.jsonl and requires the
// committed model.bin to be exactly the result, so the model cannot drift
// from the corpus, the lexicon or the training code.
func TestModelReproducible(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("retrains the model; run without -short")
	}
	examples, err := local.ReadCorpus(os.DirFS("corpus"))
	if err != nil {
		t.Fatal(err)
	}
	data, m, err := local.Train(examples, local.DefaultTrainOptions())
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(data, local.ModelFile()) {
		return
	}
	embedded := local.Default().Info()
	if runtime.GOARCH == "amd64" || embedded.Version != m.Info().Version {
		t.Fatalf("model.bin (%s, %d bytes) is not what the corpus and code produce (%s, %d bytes): run `make generate` and commit model.bin",
			embedded.Version, len(local.ModelFile()), m.Info().Version, len(data))
	}
	// model.bin is generated on amd64; other architectures may round the
	// math library's results differently in the last bit. There the
	// retrained model must give the same answers.
	same := 0
	for _, e := range examples {
		a, b := m.Classify(e.Text), local.Default().Classify(e.Text)
		if a.Language == b.Language && a.Category == b.Category && a.Priority == b.Priority && a.Sentiment == b.Sentiment && math.Abs(a.Confidence-b.Confidence) < 0.01 {
			same++
		}
	}
	if float64(same) < 0.995*float64(len(examples)) {
		t.Fatalf("retrained model agrees with model.bin on %d of %d examples", same, len(examples))
	}
}

// TestCalibrationHeldOut trains on four fifths of the corpus and checks on
// the fifth it did not see that the confidence means what it says.
func TestCalibrationHeldOut(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("trains a model; run without -short")
	}
	examples, err := local.ReadCorpus(os.DirFS("corpus"))
	if err != nil {
		t.Fatal(err)
	}
	var train, test []local.Example
	for _, e := range examples {
		h := fnv.New32a()
		h.Write([]byte(e.Text))
		if h.Sum32()%5 == 0 && e.Category != "" {
			test = append(test, e)
		} else {
			train = append(train, e)
		}
	}
	_, m, err := local.Train(train, local.DefaultTrainOptions())
	if err != nil {
		t.Fatal(err)
	}
	ev := local.Evaluate(m, test)
	t.Logf("held out %d: accuracy %v, ECE %.3f, auto-assign precision %.3f coverage %.3f", len(test), ev.Accuracy, ev.ECE, ev.AutoPrecision, ev.AutoCoverage)
	if ev.ECE > 0.06 {
		t.Errorf("expected calibration error %.3f on held-out examples, want ≤ 0.06", ev.ECE)
	}
	for _, b := range ev.Calibration {
		if b.Count >= 40 && math.Abs(b.Accuracy-b.MeanConfidence) > 0.12 {
			t.Errorf("confidence bin [%.1f, %.1f): mean confidence %.3f but accuracy %.3f over %d examples", b.Lo, b.Hi, b.MeanConfidence, b.Accuracy, b.Count)
		}
	}
	if ev.AutoPrecision < 0.92 || ev.AutoCoverage < 0.3 {
		t.Errorf("auto-assignment on held-out examples: precision %.3f, coverage %.3f; want ≥ 0.92 and ≥ 0.3", ev.AutoPrecision, ev.AutoCoverage)
	}
	// The embedded model's own cross-validation says the same.
	cv := local.Default().Info().CV
	if cv.ECE > 0.05 || cv.AutoPrecision < 0.93 || cv.AutoCoverage < 0.3 {
		t.Errorf("embedded model's cross-validation: ECE %.3f, auto-assign precision %.3f, coverage %.3f", cv.ECE, cv.AutoPrecision, cv.AutoCoverage)
	}
}

func TestReadCorpusRejectsBadLines(t *testing.T) {
	t.Parallel()
	for name, line := range map[string]string{
		"bad label":   `{"text":"hi","language":"en","category":"spam","priority":"low","sentiment":"neutral"}`,
		"partial":     `{"text":"hi","language":"en","category":"general"}`,
		"no text":     `{"text":"","language":"en"}`,
		"no language": `{"text":"hi"}`,
		"not json":    `{"text":`,
	} {
		dir := t.TempDir()
		if err := os.WriteFile(dir+"/x.jsonl", []byte(`{"text":"ok","language":"en"}`+"\n"+line+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := local.ReadCorpus(os.DirFS(dir))
		if err == nil || !bytes.Contains([]byte(err.Error()), []byte("x.jsonl:2")) {
			t.Errorf("%s: error %v, want one naming x.jsonl:2", name, err)
		}
	}
}

func TestDecodeRejectsDamage(t *testing.T) {
	t.Parallel()
	good := local.ModelFile()
	for name, data := range map[string][]byte{
		"empty":     nil,
		"magic":     append([]byte("XXXXXXXX"), good[8:]...),
		"truncated": good[:len(good)/2],
	} {
		if _, err := local.Decode(data); err == nil {
			t.Errorf("%s: Decode accepted a damaged file", name)
		}
	}
}

func BenchmarkClassify(b *testing.B) {
	m := local.Default()
	texts := []string{
		"Hi, I was charged twice for my March invoice (2 x 49.90 EUR). Please refund the duplicate payment. Kind regards, Anna",
		"Hei! Nettiyhteys on ollut poikki eilisestä asti, reititin vilkkuu punaisena. Mitä teen?",
		"Kan ni skicka en offert på 25 licenser till vårt kontor i Malmö?",
		"Ich wollte nur sagen, dass Ihr Support super ist!",
		"Bonjour, je n'arrive plus à me connecter depuis la mise à jour, le mot de passe est refusé.",
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		m.Classify(texts[i%len(texts)])
		i++
	}
}
