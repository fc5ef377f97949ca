// Command train builds the local classifier's model from its corpus: it
// reads corpus/*.jsonl, cross-validates and calibrates, and writes
// model.bin. It runs from `go generate ./internal/ai/local` (make generate).
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime/pprof"
	"time"

	"hummdesk/internal/ai/local"
)

func main() {
	corpus := flag.String("corpus", "corpus", "directory of the *.jsonl training files")
	out := flag.String("out", "model.bin", "model file to write")
	quiet := flag.Bool("q", false, "print only the summary")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile to this file")
	opt := local.DefaultTrainOptions()
	flag.IntVar(&opt.Iters, "iters", opt.Iters, "L-BFGS iterations per head (experiments)")
	flag.IntVar(&opt.MinDF, "mindf", opt.MinDF, "minimum document frequency of a feature (experiments)")
	flag.IntVar(&opt.Folds, "folds", opt.Folds, "cross-validation folds (experiments)")
	lambda := flag.Float64("lambda", 0, "L2 strength of every head, if set (experiments)")
	flag.IntVar(&opt.Features.MinN, "minn", opt.Features.MinN, "shortest character n-gram (experiments)")
	flag.IntVar(&opt.Features.MaxN, "maxn", opt.Features.MaxN, "longest character n-gram (experiments)")
	flag.Float64Var(&opt.CoreBonus, "core-bonus", opt.CoreBonus, "log-prior bonus of the five languages (experiments)")
	flag.IntVar(&opt.Features.Stems, "stems", opt.Features.Stems, "stem length, 0 for none (experiments)")
	gw := flag.String("gw", "", "group weights words,chars,concepts (experiments)")
	flag.Parse()
	if *gw != "" {
		if _, err := fmt.Sscanf(*gw, "%g,%g,%g", &opt.Features.GroupWeight[0], &opt.Features.GroupWeight[1], &opt.Features.GroupWeight[2]); err != nil {
			fmt.Fprintf(os.Stderr, "train: -gw: %v\n", err)
			os.Exit(2)
		}
	}
	if *lambda > 0 {
		for h := range opt.Lambda {
			opt.Lambda[h] = *lambda
		}
	}
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			fmt.Fprintf(os.Stderr, "train: %v\n", err)
			os.Exit(1)
		}
		_ = pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}
	start := time.Now()
	examples, err := local.ReadCorpus(os.DirFS(*corpus))
	if err != nil {
		fmt.Fprintf(os.Stderr, "train: read corpus: %v\n", err)
		os.Exit(1)
	}
	if !*quiet {
		opt.Log = func(format string, args ...any) { fmt.Fprintf(os.Stderr, "train: "+format+"\n", args...) }
	}
	data, m, err := local.Train(examples, opt)
	if err != nil {
		fmt.Fprintf(os.Stderr, "train: %v\n", err)
		os.Exit(1)
	}
	if err := os.WriteFile(*out, data, 0o644); err != nil {
		fmt.Fprintf(os.Stderr, "train: %v\n", err)
		os.Exit(1)
	}
	info := m.Info()
	fmt.Printf("wrote %s: %s, %d bytes, %d labelled examples, %d feature rows, in %.1fs\n",
		*out, info.Version, len(data), info.Examples, info.Rows, time.Since(start).Seconds())
	cv := info.CV
	fmt.Printf("%d-fold cross-validation on the corpus:\n  %-5s %9s %9s %9s %9s\n", info.Folds, "", "language", "category", "priority", "sentiment")
	fmt.Printf("  %-5s %8.1f%% %8.1f%% %8.1f%% %8.1f%%\n", "all", 100*cv.Accuracy["language"], 100*cv.Accuracy["category"], 100*cv.Accuracy["priority"], 100*cv.Accuracy["sentiment"])
	for _, l := range local.LanguagesOf(cv.ByLanguage) {
		a := cv.ByLanguage[l]
		fmt.Printf("  %-5s %8.1f%% %8.1f%% %8.1f%% %8.1f%%\n", l, 100*a["language"], 100*a["category"], 100*a["priority"], 100*a["sentiment"])
	}
	fmt.Printf("  auto-assign (confidence > %.2f): precision %.1f%%, coverage %.1f%%; ECE %.3f\n", local.AutoAssignThreshold, 100*cv.AutoPrecision, 100*cv.AutoCoverage, cv.ECE)
	fmt.Printf("  priority rules kept: %v\n", info.Rules)
}
