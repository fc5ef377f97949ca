package kb

import (
	"strings"
	"unicode"
)

// ChunkWords is the size chunks are packed to, in words.
const ChunkWords = 120

// Chunk cuts an article's content into passages of about maxWords words
// (ChunkWords when maxWords <= 0) for embedding and search. It keeps
// paragraphs (blank-line separated) whole where it can, packs short ones
// together, splits long ones between sentences, and splits a sentence that
// is longer than maxWords on its own between words. Chunks are trimmed and
// never empty; empty content has no chunks.
func Chunk(content string, maxWords int) []string {
	if maxWords <= 0 {
		maxWords = ChunkWords
	}
	var pieces []string // paragraphs, or sentences of long paragraphs
	for _, para := range paragraphs(content) {
		if wordCount(para) <= maxWords {
			pieces = append(pieces, para)
			continue
		}
		for _, s := range sentences(para) {
			if wordCount(s) <= maxWords {
				pieces = append(pieces, s)
				continue
			}
			f := strings.Fields(s)
			for len(f) > 0 {
				n := min(maxWords, len(f))
				pieces = append(pieces, strings.Join(f[:n], " "))
				f = f[n:]
			}
		}
	}
	var out []string
	var cur []string
	curWords := 0
	flush := func() {
		if len(cur) > 0 {
			out = append(out, strings.Join(cur, "\n\n"))
			cur, curWords = nil, 0
		}
	}
	for _, p := range pieces {
		n := wordCount(p)
		if curWords > 0 && curWords+n > maxWords {
			flush()
		}
		cur = append(cur, p)
		curWords += n
	}
	flush()
	return out
}

// paragraphs splits text at blank lines; lines within a paragraph keep
// their line breaks.
func paragraphs(text string) []string {
	text = strings.ReplaceAll(strings.ReplaceAll(text, "\r\n", "\n"), "\r", "\n")
	var out []string
	var cur []string
	flush := func() {
		if p := strings.TrimSpace(strings.Join(cur, "\n")); p != "" {
			out = append(out, p)
		}
		cur = nil
	}
	for _, line := range strings.Split(text, "\n") {
		if strings.TrimSpace(line) == "" {
			flush()
			continue
		}
		cur = append(cur, strings.TrimRightFunc(line, unicode.IsSpace))
	}
	flush()
	return out
}

// sentences splits a paragraph after '.', '!' or '?' followed by a space
// or a line break, and at line breaks (list items).
func sentences(para string) []string {
	var out []string
	start := 0
	rs := []rune(para)
	for i, r := range rs {
		end := false
		switch r {
		case '\n':
			end = true
		case '.', '!', '?':
			end = i+1 < len(rs) && unicode.IsSpace(rs[i+1])
		}
		if end {
			if s := strings.TrimSpace(string(rs[start : i+1])); s != "" {
				out = append(out, s)
			}
			start = i + 1
		}
	}
	if s := strings.TrimSpace(string(rs[start:])); s != "" {
		out = append(out, s)
	}
	return out
}

func wordCount(s string) int { return len(strings.Fields(s)) }
