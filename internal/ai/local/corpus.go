package local

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
)

// Example is one line of the training corpus. Lines without a category are
// used only for the language profiles.
type Example struct {
	Text      string `json:"text"`
	Language  string `json:"language"`
	Category  string `json:"category,omitempty"`
	Priority  string `json:"priority,omitempty"`
	Sentiment string `json:"sentiment,omitempty"`
}

func (e Example) labelled() bool { return e.Category != "" }

// ReadCorpus reads every *.jsonl file of fsys's root, in name order, and
// checks each line: the text and language are required, and the three
// labels are either all present and valid or all absent.
func ReadCorpus(fsys fs.FS) ([]Example, error) {
	names, err := fs.Glob(fsys, "*.jsonl")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	if len(names) == 0 {
		return nil, fmt.Errorf("no *.jsonl files")
	}
	var out []Example
	for _, name := range names {
		f, err := fsys.Open(name)
		if err != nil {
			return nil, err
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 64*1024), 1<<20)
		for line := 1; sc.Scan(); line++ {
			if strings.TrimSpace(sc.Text()) == "" {
				continue
			}
			var e Example
			if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
				f.Close()
				return nil, fmt.Errorf("%s:%d: %w", path.Base(name), line, err)
			}
			if err := e.check(); err != nil {
				f.Close()
				return nil, fmt.Errorf("%s:%d: %w", path.Base(name), line, err)
			}
			out = append(out, e)
		}
		err = sc.Err()
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
	}
	return out, nil
}

func (e Example) check() error {
	switch {
	case strings.TrimSpace(e.Text) == "":
		return fmt.Errorf("empty text")
	case e.Language == "":
		return fmt.Errorf("no language")
	case e.Category == "" && e.Priority == "" && e.Sentiment == "":
		return nil
	case labelIndex(Categories, e.Category) < 0:
		return fmt.Errorf("category %q is not one of %v", e.Category, Categories)
	case labelIndex(Priorities, e.Priority) < 0:
		return fmt.Errorf("priority %q is not one of %v", e.Priority, Priorities)
	case labelIndex(Sentiments, e.Sentiment) < 0:
		return fmt.Errorf("sentiment %q is not one of %v", e.Sentiment, Sentiments)
	}
	return nil
}
