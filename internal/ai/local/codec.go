package local

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
)

// The model file: an 8-byte magic, then a gzip stream of
//
//	uvarint length, JSON header (settings, calibration, metadata)
//	label model: uvarint rows; per row the bucket (delta-coded uvarint) and
//	  its document frequency (uvarint); numCols float32 column scales;
//	  rows × numCols int16 weights; numCols float32 biases
//	language model: uvarint rows; per row the bucket (delta-coded) and one
//	  uvarint n-gram count per language
//
// IDF weights and language log-probabilities are recomputed from the
// integer counts when the file is read, by the same code the trainer uses.
const fileMagic = "HDLOCAL\x01"

type fileHeader struct {
	Info        Info           `json:"info"`
	Features    featureConfig  `json:"features"`
	Docs        int            `json:"docs"` // for IDF
	Temperature []float32      `json:"temperature"`
	ConfMeta    []float64      `json:"conf_meta"`
	ConfX       []float32      `json:"conf_x"`
	ConfY       []float32      `json:"conf_y"`
	Rules       []priorityRule `json:"rules"`
	Langs       []string       `json:"langs"`
	LangPrior   []float32      `json:"lang_prior"`
	LangAlpha   float64        `json:"lang_alpha"`
	LangTemp    float32        `json:"lang_temp"`
	LangMinAvg  float32        `json:"lang_min_avg"`
}

// modelParts is what the trainer hands to encode: integer counts and
// float weights, before quantisation.
type modelParts struct {
	header     fileHeader
	buckets    []uint32 // sorted
	df         []int
	w          []float64 // len(buckets) × numCols
	bias       []float64
	langBucket []uint32 // sorted
	langCounts []int    // len(langBucket) × len(langs)
}

func idfOf(docs, df int) float32 {
	return float32(1 + math.Log(float64(docs+1)/float64(df+1)))
}

func encode(p *modelParts) ([]byte, error) {
	var raw bytes.Buffer
	hdr, err := json.Marshal(p.header)
	if err != nil {
		return nil, err
	}
	putUvarint(&raw, uint64(len(hdr)))
	raw.Write(hdr)
	putUvarint(&raw, uint64(len(p.buckets)))
	prev := uint32(0)
	for i, b := range p.buckets {
		putUvarint(&raw, uint64(b-prev))
		putUvarint(&raw, uint64(p.df[i]))
		prev = b
	}
	scales := make([]float32, numCols)
	for c := range numCols {
		var mx float64
		for r := range p.buckets {
			mx = math.Max(mx, math.Abs(p.w[r*numCols+c]))
		}
		scales[c] = float32(mx / 32767)
		if scales[c] == 0 {
			scales[c] = 1
		}
	}
	_ = binary.Write(&raw, binary.LittleEndian, scales)
	q := make([]int16, len(p.w))
	for i, w := range p.w {
		q[i] = int16(math.Round(w / float64(scales[i%numCols])))
	}
	_ = binary.Write(&raw, binary.LittleEndian, q)
	bias := make([]float32, numCols)
	for c := range bias {
		bias[c] = float32(p.bias[c])
	}
	_ = binary.Write(&raw, binary.LittleEndian, bias)
	putUvarint(&raw, uint64(len(p.langBucket)))
	prev = 0
	L := len(p.header.Langs)
	for i, b := range p.langBucket {
		putUvarint(&raw, uint64(b-prev))
		prev = b
		for l := range L {
			putUvarint(&raw, uint64(p.langCounts[i*L+l]))
		}
	}
	var out bytes.Buffer
	out.WriteString(fileMagic)
	zw, err := gzip.NewWriterLevel(&out, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	if _, err := zw.Write(raw.Bytes()); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

func putUvarint(b *bytes.Buffer, v uint64) {
	var tmp [binary.MaxVarintLen64]byte
	b.Write(tmp[:binary.PutUvarint(tmp[:], v)])
}

// Decode reads a model file written by the trainer.
func Decode(data []byte) (*Model, error) {
	if !bytes.HasPrefix(data, []byte(fileMagic)) {
		return nil, errors.New("not a local model file")
	}
	zr, err := gzip.NewReader(bytes.NewReader(data[len(fileMagic):]))
	if err != nil {
		return nil, fmt.Errorf("model file: %w", err)
	}
	r := bufio.NewReader(zr)
	m, err := decode(r)
	if err != nil {
		return nil, fmt.Errorf("model file: %w", err)
	}
	if _, err := r.ReadByte(); err != io.EOF {
		return nil, errors.New("model file: trailing data")
	}
	return m, nil
}

func decode(r *bufio.Reader) (*Model, error) {
	n, err := binary.ReadUvarint(r)
	if err != nil || n > 1<<24 {
		return nil, fmt.Errorf("header length: %v", err)
	}
	hdrBytes := make([]byte, n)
	if _, err := io.ReadFull(r, hdrBytes); err != nil {
		return nil, err
	}
	var h fileHeader
	if err := json.Unmarshal(hdrBytes, &h); err != nil {
		return nil, fmt.Errorf("header: %w", err)
	}
	if len(h.Temperature) != numHeads || len(h.ConfMeta) != metaFeatures || len(h.ConfX) != len(h.ConfY) || len(h.LangPrior) != len(h.Langs) || len(h.Langs) == 0 || len(h.Langs) > 64 {
		return nil, errors.New("header: inconsistent sizes")
	}
	m := &Model{feat: h.Features, info: h.Info, rules: h.Rules, conf: isotonic{h.ConfX, h.ConfY}}
	copy(m.temp[:], h.Temperature)
	copy(m.meta.w[:], h.ConfMeta)
	rows, err := binary.ReadUvarint(r)
	if err != nil || rows > hashMask+1 {
		return nil, fmt.Errorf("rows: %v", err)
	}
	m.index = make([]int32, hashMask+1)
	for i := range m.index {
		m.index[i] = -1
	}
	m.idf = make([]float32, rows)
	var b uint64
	for i := range m.idf {
		d, err1 := binary.ReadUvarint(r)
		df, err2 := binary.ReadUvarint(r)
		b += d
		if err := errors.Join(err1, err2); err != nil || b > hashMask || (i > 0 && d == 0) || df == 0 || df > uint64(h.Docs) {
			return nil, fmt.Errorf("row %d: bad bucket or frequency", i)
		}
		m.index[b] = int32(i)
		m.idf[i] = idfOf(h.Docs, int(df))
	}
	scales := make([]float32, numCols)
	q := make([]int16, int(rows)*numCols)
	m.bias = make([]float32, numCols)
	if err := errors.Join(binary.Read(r, binary.LittleEndian, scales), binary.Read(r, binary.LittleEndian, q), binary.Read(r, binary.LittleEndian, m.bias)); err != nil {
		return nil, fmt.Errorf("weights: %w", err)
	}
	m.w = make([]float32, len(q))
	for i, v := range q {
		m.w[i] = float32(v) * scales[i%numCols]
	}
	L := len(h.Langs)
	lrows, err := binary.ReadUvarint(r)
	if err != nil || lrows > langMask+1 {
		return nil, fmt.Errorf("language rows: %v", err)
	}
	buckets := make([]uint32, lrows)
	counts := make([]int, int(lrows)*L)
	var lb uint64
	for i := range buckets {
		d, err := binary.ReadUvarint(r)
		lb += d
		if err != nil || lb > langMask || (i > 0 && d == 0) {
			return nil, fmt.Errorf("language row %d: bad bucket", i)
		}
		buckets[i] = uint32(lb)
		for l := range L {
			c, err := binary.ReadUvarint(r)
			if err != nil || c > 1<<40 {
				return nil, fmt.Errorf("language row %d: bad count", i)
			}
			counts[i*L+l] = int(c)
		}
	}
	m.lang = newLangModel(h.Langs, h.LangPrior, buckets, counts, h.LangAlpha)
	m.lang.temp, m.lang.minAvg = h.LangTemp, h.LangMinAvg
	return m, nil
}

// langLogProbs turns n-gram counts (rows × L) into additively smoothed
// log-probabilities, and returns the lowest probability of an unseen n-gram.
func langLogProbs(counts []int, L int, alpha float64) ([]float32, float32) {
	rows := len(counts) / max(L, 1)
	totals := make([]float64, L)
	for i, c := range counts {
		totals[i%L] += float64(c)
	}
	logp := make([]float32, len(counts))
	floor := float32(0)
	for l := range L {
		denom := totals[l] + alpha*float64(rows)
		for i := range rows {
			logp[i*L+l] = float32(math.Log((float64(counts[i*L+l]) + alpha) / denom))
		}
		floor = min(floor, float32(math.Log(alpha/denom)))
	}
	return logp, floor
}
